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
def django_db_setup(django_db_setup):
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
