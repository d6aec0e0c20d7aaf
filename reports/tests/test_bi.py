"""BI access: a LOGIN role in this database's reader role reads every report view and nothing
else (a second database of the app: test_bi_databases.py)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

import psycopg
import psycopg.errors
import pytest
import sqlalchemy
from django.core.management import CommandError, call_command
from django.db import connection
from django_pgviews.management.operations.create import create_view
from django_pgviews.models import ViewSyncer
from psycopg import sql
from sqlalchemy.exc import NoSuchModuleError

from orders.models import Customer
from reports.management.commands.create_bi_user import SOCKET_ONLY
from reports.models import StatusCounts
from reports.refresh import reports_refresh
from reports.roles import LEGACY_READER_ROLE, reader_role
from reports.schema import report_view_classes, reports_views_document_and_grant
from reports.tests.conftest import assert_url_connects, other_connection

# Tests that only try what a reader may not do need no committed rows: they share one BI user
# and run in a transaction that is rolled back. Those whose BI session must see what the test
# wrote, or must see a role the test created, are transactional.
pytestmark = pytest.mark.django_db

PRIVATE_TABLES = [
    ("public", "orders_order"),
    ("public", "orders_customer"),
    ("public", "orders_orderitem"),
    ("public", "orders_apikey"),
    ("public", "auth_user"),
    ("reports_data", "refresh_log"),
    ("reports_data", "refresh_state"),
    ("reports_data", "order_change"),
    ("reports_data", "customer_stats"),
    ("reports_definition", "customer_stats"),
]


def committed(statement, params=None) -> None:
    """Run on a connection of its own: a role must outlive, or not wait for, the test's
    transaction."""
    other = other_connection()
    try:
        with other.cursor() as cursor:
            cursor.execute(statement, params)
    finally:
        other.close()


def drop_role(name: str) -> None:
    committed("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [name])
    committed(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def new_bi_user() -> tuple[str, str]:
    """A uniquely named BI user (roles are cluster-wide): its name and printed URL."""
    name = f"bi_test_{uuid.uuid4().hex[:12]}"
    out = io.StringIO()
    call_command("create_bi_user", name, "--statement-timeout", "7s", stdout=out, stderr=out)
    return name, out.getvalue().strip().splitlines()[-1]


@pytest.fixture
def bi_url(transactional_db) -> Iterator[str]:
    name, url = new_bi_user()
    yield url
    drop_role(name)


@pytest.fixture(scope="module")
def reader_url(django_db_setup, django_db_blocker) -> Iterator[str]:
    """One BI user, committed once, for the tests that only try what a reader may not do."""
    with django_db_blocker.unblock():
        name, url = new_bi_user()
    yield url
    with django_db_blocker.unblock():
        drop_role(name)


def query(url: str, statement, params=None, *, read_write: bool = False):
    bi = psycopg.connect(url)
    try:
        bi.autocommit = True
        with bi.cursor() as cursor:
            if read_write:  # a session may lift the read-only default; privileges still hold
                cursor.execute("SET default_transaction_read_only = off")
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else None
    finally:
        bi.close()


def views() -> list[sql.Composable]:
    return [sql.Identifier("reports", view.view_name()) for view in report_view_classes()]


def assert_reads_every_view(url: str) -> None:
    for view in views():
        assert query(url, sql.SQL("SELECT count(*) FROM {}").format(view))[0][0] > 0


@pytest.mark.django_db(transaction=True)
def test_the_printed_url_connects_a_reader_of_every_view(orders_data, bi_url):
    reports_refresh()
    assert bi_url.startswith("postgresql://bi_test_")
    assert_reads_every_view(bi_url)
    settings = dict(
        query(
            bi_url,
            "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)",
            [["statement_timeout", "default_transaction_read_only", "search_path"]],
        )
    )
    assert settings == {
        "statement_timeout": "7000",
        "default_transaction_read_only": "on",
        "search_path": "reports",
    }
    limit = query(bi_url, "SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user")
    assert limit == [(5,)]


def test_psql_and_sqlalchemy_take_the_printed_url(reader_url):
    name = reader_url.removeprefix("postgresql://").split(":")[0]
    assert_url_connects(reader_url, as_user=name)
    # What the URL used to start with, and why it no longer does.
    with pytest.raises(NoSuchModuleError, match="dialects:postgres"):
        sqlalchemy.create_engine(reader_url.replace("postgresql://", "postgres://", 1))


def test_without_a_tcp_listener_the_url_names_the_socket_and_says_so(reader_url):
    if not connection.settings_dict["HOST"].startswith("/"):
        pytest.skip("the suite's server is reached over TCP (DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('listen_addresses') = ''")
        (socket_only,) = cursor.fetchone()
    if not socket_only:
        pytest.skip("the embedded server has a TCP listener (EMBEDDED_PG_PORT)")
    socket_directory = connection.settings_dict["HOST"]
    assert reader_url.endswith(
        f"@/{connection.settings_dict['NAME']}?host={socket_directory}"
        f"&port={connection.settings_dict['PORT']}"
    )
    out = io.StringIO()  # a role of the test's transaction, rolled back with it
    call_command("create_bi_user", f"bi_test_{uuid.uuid4().hex[:12]}", stdout=out, stderr=out)
    assert SOCKET_ONLY in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_reader_can_read_every_relation_listed_in_schema_reports(bi_url):
    # What a BI tool lists in `reports` it can open: nothing private stays there (refresh_log
    # moved to reports_data).
    relations = query(
        bi_url,
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'reports' AND c.relkind IN ('r', 'v', 'm', 'p', 'f') ORDER BY 1",
    )
    assert ("freshness",) in relations
    assert ("refresh_log",) not in relations
    for (name,) in relations:
        query(bi_url, sql.SQL("SELECT 1 FROM {} LIMIT 1").format(sql.Identifier("reports", name)))


@pytest.mark.parametrize("table", PRIVATE_TABLES)
def test_a_reader_is_refused_everything_else(reader_url, table):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        query(reader_url, sql.SQL("SELECT 1 FROM {} LIMIT 1").format(sql.Identifier(*table)))


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO public.orders_customer (username) VALUES ('intruder')",
        "DELETE FROM public.orders_order",
        "CREATE TABLE reports.scratch (id int)",
        "CREATE TABLE public.scratch (id int)",
        "DROP VIEW reports.status_counts",
    ],
)
def test_a_reader_is_refused_any_write(reader_url, statement):
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        query(reader_url, statement)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        query(reader_url, statement, read_write=True)


@pytest.mark.parametrize("read_write", [False, True])
def test_a_reader_cannot_take_the_refresh_lock_or_move_the_state(reader_url, read_write):
    for statement in (
        "SELECT FROM reports_data.refresh_state FOR UPDATE",
        "UPDATE reports_data.refresh_state SET as_of = now()",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            query(reader_url, statement, read_write=read_write)


def test_the_reader_role_holds_select_on_the_views_and_nothing_more():
    with connection.cursor() as cursor:
        role = reader_role(cursor)
        cursor.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f', 'S') "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND (has_table_privilege(%(role)s, c.oid, 'SELECT') "
            "  OR has_table_privilege(%(role)s, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE'))",
            {"role": role},
        )
        readable = sorted(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [role])
        assert cursor.fetchone() == (False,)
    views = [f"reports.{view.view_name()}" for view in report_view_classes()]
    assert readable == sorted([*views, "reports.freshness"])


@pytest.mark.django_db(transaction=True)
def test_grants_survive_refreshes_and_the_re_creation_of_views(orders_data, bi_url):
    reports_refresh()
    reports_refresh(full=True)
    assert_reads_every_view(bi_url)
    # What migrate does to a view whose SQL changed: drop (CASCADE) and create again.
    ViewSyncer().run(
        force=True, update=True, using="default", materialized_views_check_sql_changed=False
    )
    assert_reads_every_view(bi_url)
    # Even without the re-grant after the sync, the schema's default privileges apply.
    with connection.cursor() as cursor:
        cursor.execute("DROP VIEW reports.status_counts")
    create_view(connection, StatusCounts._meta.db_table, StatusCounts.get_sql())
    assert query(bi_url, "SELECT count(*) FROM reports.status_counts") == [(3,)]
    reports_views_document_and_grant()  # the comments, which only the sync puts back


def test_bad_or_taken_names_are_refused():
    with pytest.raises(CommandError, match="not a valid role name"):
        call_command("create_bi_user", "Robert'); DROP TABLE orders_order;--")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_bi_user", LEGACY_READER_ROLE)
    with connection.cursor() as cursor:
        reader = reader_role(cursor)
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_bi_user", reader)
    with pytest.raises(CommandError, match="is reserved"):  # another database's, some day
        call_command("create_bi_user", "reports_reader_orders_next")


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TEMP TABLE scratch (id int)",
        "CREATE FUNCTION pg_temp.escape() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    ],
)
def test_a_reader_cannot_create_temporary_objects(reader_url, statement):
    """Issue 10: TEMPORARY was PostgreSQL's default grant to PUBLIC."""
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        query(reader_url, statement, read_write=True)


def test_a_role_that_is_not_a_reader_cannot_connect_to_this_database(reader_url):
    """Issue 10: CONNECT was PostgreSQL's default grant to PUBLIC."""
    stranger = f"stranger_{uuid.uuid4().hex[:12]}"
    committed(sql.SQL("CREATE ROLE {} LOGIN PASSWORD %s").format(sql.Identifier(stranger)), ["x"])
    try:
        credentials = reader_url.split("://", 1)[1].split("@", 1)[0]
        url = reader_url.replace(credentials, f"{stranger}:x", 1)
        with pytest.raises(psycopg.OperationalError, match="permission denied"):
            psycopg.connect(url).close()
    finally:
        drop_role(stranger)


@pytest.mark.django_db(transaction=True)
def test_a_bi_transaction_left_open_holds_no_refresh(orders_data, bi_url):
    """Issue 10: a BI session must not stop the refresher for longer than its own timeouts."""
    reports_refresh()
    bi = psycopg.connect(bi_url)  # not autocommit: its transaction stays open, idle
    try:
        with bi.cursor() as cursor:
            for view in views():
                cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(view))
        Customer.objects.create(username="while_bi_reads")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # a wait on the BI session fails the run
        try:
            assert reports_refresh().customers_touched == 1
            assert reports_refresh(full=True).error == ""
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    finally:
        bi.close()
