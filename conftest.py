from __future__ import annotations

import gc

import pytest
from django.apps import apps
from django.db.models.signals import post_migrate
from django.test import override_settings


def pytest_collection_finish(session):
    """Everything collection made (the apps, the test modules, schemathesis' strategies) lives
    until the end: frozen, the collector's full passes stop walking it again and again."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def test_database_reader_role_dropped(django_db_blocker):
    """The test database's reader role (migration reports.0005) is the cluster's, not the
    database's: once the test database is dropped (not kept by --reuse-db), so is its role.
    Set up before the test database, so torn down after it."""
    yield
    from django.db import connection
    from psycopg import sql

    from reports.roles import reader_role_name

    name = connection.creation._get_test_db_name()
    with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT FROM pg_database WHERE datname = %s)", [name])
        (kept,) = cursor.fetchone()
        if not kept:
            role = sql.Identifier(reader_role_name(name))
            cursor.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(role))


@pytest.fixture(scope="session")
def django_db_setup(test_database_reader_role_dropped, django_db_setup):
    """The test database as migrate leaves it, views synced once.

    A transactional test ends with Django's flush, which truncates the tables and then sends
    post_migrate again; django-pgviews answers every post_migrate by re-creating each view and
    its grants and comments (some 0.07 s a time). A TRUNCATE leaves views as they are, so after
    the first migrate only the flush's other receivers (content types, permissions) stay.
    """
    sync_views = apps.get_app_config("django_pgviews").sync_pgviews
    post_migrate.disconnect(sync_views)
    yield
    post_migrate.connect(sync_views)


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """A password hashed for real takes 0.3 s (PBKDF2's iterations); users made or logged in by
    tests need none of that strength, as Django's testing documentation advises."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield
