"""DATABASE_POOLER=transaction on a direct connection: its settings, the per-transaction
statement timeout and the server-side cursor guard. What it sends does not depend on a pooler
being there (project/tests/test_pgbouncer.py runs the app behind a real one)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, ProgrammingError, connection, transaction
from django.test import Client, override_settings

from api.problems import PROBLEM_CONTENT_TYPE
from orders.api_keys import api_key_create
from orders.models import ApiKeyScope, Order
from orders.tests.conftest import Api, make_upload
from orders.tests.test_faults import refund_behind_a_lock
from project import settings as project_settings
from project.settings import ERROR_POOLER_MODE, ERROR_POOLER_WITH_POOL, ERROR_POOLER_WITHOUT_URL
from project.snapshots import one_snapshot
from project.statement_timeout import ERROR_CURSOR_OUTSIDE_TRANSACTION, transaction_timeout_set


def scalar(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def setting(name: str) -> str:
    return scalar("SELECT current_setting(%s)", [name])


@pytest.fixture
def behind_a_pooler():
    """This thread's connection as DATABASE_POOLER=transaction makes it; a new session after."""
    connection.close()
    with override_settings(DATABASE_POOLER="transaction"):
        connection.ensure_connection()  # connection_created installs the wrapper
        assert transaction_timeout_set in connection.execute_wrappers
        yield
    connection.request_statement_timeout_ms = None
    connection.execute_wrappers.remove(transaction_timeout_set)
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_request_timeout_starts_each_transaction_and_ends_with_it(behind_a_pooler):
    connection.request_statement_timeout_ms = 200
    assert setting("statement_timeout") == "200ms"  # autocommit: a transaction of its own
    assert connection.get_autocommit()
    with one_snapshot():  # SET TRANSACTION first, then the timeout
        assert setting("transaction_isolation") == "repeatable read"
        assert setting("statement_timeout") == "200ms"
    with pytest.raises(OperationalError, match="statement timeout"):
        scalar("SELECT pg_sleep(0.5)")
    with transaction.atomic(), connection.cursor() as cursor:  # a transaction goes on after one
        cursor.execute("SELECT count(*) FROM orders_order")
        assert setting("statement_timeout") == "200ms"

    connection.request_statement_timeout_ms = None  # what request_finished does
    assert setting("statement_timeout") == "0"  # nothing stayed in the session


@pytest.mark.django_db(transaction=True)
def test_a_server_side_cursor_needs_a_transaction(behind_a_pooler):
    Order.objects.all().delete()
    with pytest.raises(ProgrammingError, match="outside a transaction") as refused:
        list(Order.objects.iterator())
    assert str(refused.value) == ERROR_CURSOR_OUTSIDE_TRANSACTION
    with transaction.atomic():
        assert list(Order.objects.iterator()) == []


@pytest.mark.django_db(transaction=True)
def test_a_request_behind_a_pooler_answers_503_and_leaves_the_session_alone(behind_a_pooler):
    api = Api(Client(), api_key_create(name="pooled-writer", scope=ApiKeyScope.WRITE))
    with override_settings(REQUEST_STATEMENT_TIMEOUT_MS=300):
        assert api.upload(make_upload(1)).status_code == 200
        assert setting("statement_timeout") == "0"
        response, waited = refund_behind_a_lock(api)
    assert (response.status_code, response["Content-Type"]) == (503, PROBLEM_CONTENT_TYPE)
    assert waited < 5
    assert setting("statement_timeout") == "0"


@pytest.mark.parametrize(
    ("environment", "options", "error"),
    [
        ({"DATABASE_POOLER": "session"}, {}, ERROR_POOLER_MODE.format(mode="session")),
        ({"DATABASE_POOLER": "transaction", "DATABASE_URL": ""}, {}, ERROR_POOLER_WITHOUT_URL),
        ({"DATABASE_POOLER": "transaction"}, {"pool": {"max_size": 4}}, ERROR_POOLER_WITH_POOL),
    ],
)
def test_a_pooler_setting_that_cannot_work_is_refused(monkeypatch, environment, options, error):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@pgbouncer:6432/orders")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured) as refused:
        project_settings._database_pooler({"OPTIONS": options})
    assert str(refused.value) == error


def test_the_pooler_setting_is_explicit(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@pgbouncer:6432/orders")
    monkeypatch.delenv("DATABASE_POOLER", raising=False)
    assert project_settings._database_pooler({"OPTIONS": {}}) == ""
    monkeypatch.setenv("DATABASE_POOLER", " Transaction ")
    database = {"OPTIONS": {}}
    assert project_settings._database_pooler(database) == "transaction"
    assert database["OPTIONS"] == {"prepare_threshold": None}  # no prepared statements
