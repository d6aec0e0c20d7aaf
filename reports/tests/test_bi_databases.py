"""Two databases of this app on one server (issue 19, item 5): a BI user reads the reports of
the database it was made for and cannot connect to the other.

The other database is created on the suite's server and migrated by `manage.py migrate` in a
process of its own, in two steps: first up to reports.0004 (a BI user is made there the way
create_bi_user made them before reports.0005: a member of the cluster-wide reports_reader),
then to the end. Roles are cluster-wide: every role and database made here is dropped at the end.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from psycopg import sql

from bench.support import database_url
from project.connections import raw_connection
from project.settings import BASE_DIR
from reports.roles import LEGACY_READER_ROLE, reader_role_name
from reports.tests.conftest import other_connection

pytestmark = pytest.mark.django_db

BEFORE_PER_DATABASE_ROLES = "0004_refresh_failures"
# A row per status, always. Not freshness: the test's own transaction truncates the change log
# (conftest's reset), which another session's read of freshness would wait for.
STATUS_COUNTS = "SELECT count(*) FROM reports.status_counts"


@dataclass
class OtherDatabase:
    name: str
    environment: dict[str, str]
    legacy_user_url: str  # a BI user made before reports.0005
    bi_user_url: str  # a BI user made by create_bi_user after it

    def manage(self, *arguments: str) -> str:
        done = subprocess.run(  # noqa: S603 (fixed argv)
            [sys.executable, "manage.py", *arguments],
            cwd=BASE_DIR,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout


def url_in(url: str, database: str) -> str:
    """The same user and server, another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def user_of(url: str) -> str:
    return urlsplit(url).username


def query(url: str, statement, params=None):
    with psycopg.connect(url, autocommit=True) as session, session.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def drop_roles(*names: str) -> None:
    with other_connection() as admin:
        for name in names:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [name]
            )
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def legacy_bi_user(database: str) -> str:
    """A BI user as create_bi_user made them before reports.0005; its URL."""
    name = f"bi_legacy_{uuid.uuid4().hex[:12]}"
    password = uuid.uuid4().hex
    with raw_connection(database=database) as admin:
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s IN ROLE {}").format(
                sql.Identifier(name), sql.Identifier(LEGACY_READER_ROLE)
            ),
            [password],
        )
        admin.execute(
            sql.SQL("ALTER ROLE {} SET search_path = reports").format(sql.Identifier(name))
        )
    settings = connection.settings_dict
    host = settings["HOST"] or "localhost"
    if host.startswith("/"):
        return f"postgresql://{name}:{password}@/{database}?host={host}&port={settings['PORT']}"
    return f"postgresql://{name}:{password}@{host}:{settings['PORT'] or 5432}/{database}"


@pytest.fixture(scope="module")
def here_url(django_db_setup, django_db_blocker) -> Iterator[str]:
    """A BI user made for the test database."""
    name = f"bi_here_{uuid.uuid4().hex[:12]}"
    out = io.StringIO()
    with django_db_blocker.unblock():
        call_command("create_bi_user", name, stdout=out, stderr=io.StringIO())
    yield out.getvalue().strip().splitlines()[-1]
    with django_db_blocker.unblock():
        drop_roles(name)


@pytest.fixture(scope="module")
def other(django_db_setup, django_db_blocker) -> Iterator[OtherDatabase]:
    with django_db_blocker.unblock():
        name = f"{connection.settings_dict['NAME']}_other_{uuid.uuid4().hex[:8]}"
        with other_connection() as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        made = OtherDatabase(
            name=name,
            environment={
                **os.environ,
                "DATABASE_URL": url_in(database_url(), name),
                "DJANGO_DEMO": "1",
            },
            legacy_user_url="",
            bi_user_url="",
        )
        try:
            made.manage("migrate", "reports", BEFORE_PER_DATABASE_ROLES, "--verbosity", "0")
            made.legacy_user_url = legacy_bi_user(name)
            made.manage("migrate", "--verbosity", "0")
            there = f"bi_there_{uuid.uuid4().hex[:12]}"
            made.bi_user_url = made.manage("create_bi_user", there).strip().splitlines()[-1]
            yield made
        finally:
            with other_connection() as admin:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
            users = [user_of(url) for url in (made.legacy_user_url, made.bi_user_url) if url]
            drop_roles(*users, reader_role_name(name))


def assert_refused(url: str) -> None:
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        psycopg.connect(url).close()


def test_a_bi_user_reads_the_reports_of_its_own_database_only(here_url, other):
    here = connection.settings_dict["NAME"]
    assert query(here_url, STATUS_COUNTS) == [(3,)]
    assert query(other.bi_user_url, STATUS_COUNTS) == [(3,)]
    assert_refused(url_in(here_url, other.name))
    assert_refused(url_in(other.bi_user_url, here))


def test_a_bi_user_made_before_the_migration_keeps_reading_its_database(other):
    assert query(other.legacy_user_url, STATUS_COUNTS) == [(3,)]
    # The shared role no longer opens this database (the user was made after it migrated).
    assert_refused(url_in(other.legacy_user_url, connection.settings_dict["NAME"]))


def database_privileges(role: str, database: str) -> tuple[bool, bool]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_database_privilege(%(role)s, %(database)s, 'CONNECT'), "
            "has_database_privilege(%(role)s, %(database)s, 'TEMPORARY')",
            {"role": role, "database": database},
        )
        return cursor.fetchone()


def test_each_database_has_a_reader_role_of_its_own(other):
    here = connection.settings_dict["NAME"]
    assert database_privileges(reader_role_name(here), here) == (True, False)
    assert database_privileges(reader_role_name(other.name), other.name) == (True, False)
    assert database_privileges(reader_role_name(here), other.name) == (False, False)
    assert database_privileges(reader_role_name(other.name), here) == (False, False)
    assert database_privileges(LEGACY_READER_ROLE, here) == (False, False)
    assert database_privileges(LEGACY_READER_ROLE, other.name) == (False, False)


def legacy_role_holdings() -> dict[str, list[str]]:
    """What the cluster-wide role still holds in the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.oid::regclass::text FROM pg_class c "
            "WHERE has_table_privilege(%(role)s, c.oid, 'SELECT, INSERT, UPDATE, DELETE') "
            "AND c.relnamespace NOT IN ('pg_catalog'::regnamespace, "
            "'information_schema'::regnamespace) ORDER BY 1",
            {"role": LEGACY_READER_ROLE},
        )
        relations = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE has_schema_privilege(%s, oid, 'USAGE') "
            "AND nspname NOT IN ('pg_catalog', 'information_schema', 'public') ORDER BY 1",
            [LEGACY_READER_ROLE],
        )
        schemas = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT d.defaclnamespace::regnamespace::text FROM pg_default_acl d, "
            "aclexplode(d.defaclacl) a WHERE a.grantee = %s::regrole",
            [LEGACY_READER_ROLE],
        )
        defaults = [row[0] for row in cursor.fetchall()]
    return {"relations": relations, "schemas": schemas, "default privileges": defaults}


def test_the_shared_role_keeps_nothing_in_a_migrated_database():
    assert legacy_role_holdings() == {"relations": [], "schemas": [], "default privileges": []}


def test_migrating_back_gives_the_shared_role_its_grants_again(other):
    """reports.0005's reverse: the shared role opens the database again, and BI users made on
    either side of the migration keep reading; then forward again."""
    other.manage("migrate", "reports", BEFORE_PER_DATABASE_ROLES, "--verbosity", "0")
    assert database_privileges(LEGACY_READER_ROLE, other.name) == (True, False)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_roles WHERE rolname = %s", [reader_role_name(other.name)]
        )
        assert cursor.fetchone() == (0,)
    for url in (other.legacy_user_url, other.bi_user_url):
        assert query(url, STATUS_COUNTS) == [(3,)]
    other.manage("migrate", "--verbosity", "0")
    assert database_privileges(LEGACY_READER_ROLE, other.name) == (False, False)
    for url in (other.legacy_user_url, other.bi_user_url):
        assert query(url, STATUS_COUNTS) == [(3,)]
