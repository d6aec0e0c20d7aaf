from __future__ import annotations

import csv
import datetime
import importlib.util
import io
import json
import shutil
import subprocess
import uuid
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy
from django.db import connection
from django.test import Client, override_settings

from orders.api_keys import api_key_create
from orders.generation import orders_generate
from orders.models import Customer, Order, Status
from orders.services import ItemData, order_create, order_status_add
from orders.tests.shared_rows import (
    share_module_rows,
    shared_rows,
    shared_rows_add,
    shared_rows_end,
    shared_rows_open,
)
from project.connections import raw_connection
from reports.models import RefreshLog
from reports.refresh import RefreshRun, reports_refresh

END = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
EDGE_DAY = datetime.datetime(2025, 6, 15, 23, 30, tzinfo=datetime.UTC)


def live_reports_reset() -> None:
    """The reports as a new database has them: never built, nothing logged or stored.

    refresh_log and reports_data live outside the search_path, so Django's flush between
    transactional tests does not truncate them.
    """
    RefreshLog.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE reports_data.order_change, reports_data.customer_change, "
            "reports_data.order_applied, reports_data.customer_stats, "
            "reports_data.product_sales, reports_data.also_bought_pair, "
            "reports_data.daily_order_stats, reports_data.customer_value_model, "
            "reports_data.customer_value_prediction, reports_data.customer_month, "
            "reports_data.cohort_month, reports_data.catalog_change, "
            "reports_data.category_sales, reports_data.category_product_applied, "
            "reports_data.category_tree_applied, reports_data.rate_change, "
            "reports_data.revenue_by_channel, reports_data.revenue_by_currency, "
            "currencies_exchangerate; "
            "UPDATE reports_data.status_counts SET orders_count = 0; "
            "UPDATE reports_data.refresh_state "
            "SET as_of = NULL, rebuild_required = true, rebuild_reason = 'never built'"
        )


@pytest.fixture(autouse=True)
def fresh_live_reports(request, db):
    if MODULE_ORDERS not in request.fixturenames:  # shared rows start from a reset of their own
        live_reports_reset()


def make_edge_cases() -> None:
    """Rows the generator never makes: a customer without orders, a sku on two lines of one
    order, an order without any history, a refund."""
    Customer.objects.create(username="no_orders")
    buyer = Customer.objects.create(username="edge_buyer")
    twice = order_create(
        customer=buyer,
        order_number="EDGE-1",
        created_at=EDGE_DAY,
        total_amount=Decimal("30.00"),
        items=[
            ItemData("EDGE-SKU", "Edge item", 1, Decimal("10.00")),
            ItemData("EDGE-SKU", "Edge item renamed", 2, Decimal("10.00")),
        ],
    )
    order_status_add(order=twice, status=Status.COMPLETE, created=EDGE_DAY)
    refunded = order_create(
        customer=buyer,
        order_number="EDGE-2",
        created_at=EDGE_DAY,
        total_amount=Decimal("5.50"),
        items=[ItemData("EDGE-SKU", "Edge item", 1, Decimal("5.50"))],
    )
    order_status_add(order=refunded, status=Status.COMPLETE, created=EDGE_DAY)
    order_status_add(
        order=refunded, status=Status.CANCELLED, created=EDGE_DAY + datetime.timedelta(hours=1)
    )
    Order.objects.create(
        customer=buyer,
        order_number="EDGE-3",
        created_at=EDGE_DAY,
        total_amount=Decimal("1.00"),
    )


def orders_data_build() -> None:
    orders_generate(orders=2000, customers=120, seed=7, end=END, chunk_size=1000, workers=1)
    make_edge_cases()


def refreshed_build() -> RefreshRun:
    run = reports_refresh()
    assert not run.failed
    return run


# 2,000 generated orders and a refresh cost about 0.3 s; some 60 tests ask for them. A module's
# non-transactional tests share one copy (orders/tests/shared_rows.py); transactional tests,
# which commit and flush, build their own.
MODULE_ORDERS = "module_orders_data"
MODULE_REFRESHED = "module_refreshed"


@pytest.hookimpl(trylast=True)  # after pytest-django has put transactional tests apart
def pytest_collection_modifyitems(items):
    share_module_rows(
        items,
        shared={"orders_data": (MODULE_ORDERS,), "refreshed": (MODULE_ORDERS, MODULE_REFRESHED)},
        directory=Path(__file__).parent,
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if MODULE_ORDERS not in item.fixturenames:  # e.g. the module's transactional tests
        shared_rows_end()


def module_orders_data_build() -> None:
    live_reports_reset()
    orders_data_build()


@pytest.fixture(scope="module")
def module_orders_data(django_db_setup, django_db_blocker):
    with shared_rows(django_db_blocker, module_orders_data_build):
        yield


@pytest.fixture(scope="module")
def module_refreshed(module_orders_data, django_db_blocker) -> RefreshRun:
    return shared_rows_add(django_db_blocker, refreshed_build)


@pytest.fixture
def orders_data(request, db):
    if MODULE_ORDERS in request.fixturenames:
        # Gone only if a reordering plugin (--ff) ran another test of the module in between.
        assert shared_rows_open(), "the module's shared rows were rolled back: run in file order"
    else:
        orders_data_build()


@pytest.fixture
def refreshed(request, orders_data) -> RefreshRun:
    if MODULE_REFRESHED in request.fixturenames:
        return request.getfixturevalue(MODULE_REFRESHED)
    return refreshed_build()


def api_client(*, customer: str | None = None) -> Client:
    key = api_key_create(
        name=f"test-{uuid.uuid4().hex}",
        scope="read",
        customer_username=customer,
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def client_all(db) -> Client:
    return api_client()


def other_connection(**options):
    """A connection of its own to the test database, autocommit."""
    return raw_connection(**options)


def assert_url_connects(url: str, *, as_user: str) -> None:
    """Connect with a URL create_bi_user printed, the way each tool takes it: psql (when
    installed) as it is, SQLAlchemy as `postgresql+<driver>://` with every driver installed."""
    assert url.startswith("postgresql://")
    psql = shutil.which("psql")
    if psql:
        result = subprocess.run(  # noqa: S603 (fixed argv)
            [psql, "--no-psqlrc", f"--dbname={url}", "-Atc", "SELECT current_user"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert (result.returncode, result.stdout.strip()) == (0, as_user), result.stderr
    drivers = [name for name in ("psycopg", "psycopg2") if importlib.util.find_spec(name)]
    assert drivers, "neither psycopg nor psycopg2 is installed"
    for driver in drivers:
        engine = sqlalchemy.create_engine(
            url.replace("postgresql://", f"postgresql+{driver}://", 1),
            poolclass=sqlalchemy.pool.NullPool,
        )
        try:
            with engine.connect() as bi:
                assert bi.execute(sqlalchemy.text("SELECT current_user")).scalar_one() == as_user
        finally:
            engine.dispose()


@contextmanager
def refresh_times_out():
    """A refresh run inside this block fails on its statement timeout, every time.

    The run's first statement (emptying the change log) waits for another session's lock until
    the timeout cancels it. Left to run freely, a 1 ms limit that ran out just as a short
    statement ended was reported by PostgreSQL against the next statement, as "canceling
    statement due to user request". Should the run wait regardless, the server ends the
    holder's session after 5 s. Only for transactional tests: the holder waits for no
    uncommitted write of the test's own (`lock_timeout` turns such a wait into an error).
    """
    holder = other_connection(
        options="-c idle_in_transaction_session_timeout=5s -c lock_timeout=5s"
    )
    holder.autocommit = False
    try:
        with holder.cursor() as cursor:
            cursor.execute("LOCK TABLE reports_data.order_change IN SHARE MODE")
        with override_settings(REFRESH_STATEMENT_TIMEOUT_MS=50):
            yield
    finally:
        holder.close()  # its transaction ends with it


def flush_table_statistics() -> None:
    """Make this session's counts visible in pg_stat_* now (PostgreSQL 15+ batches them)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")


def json_body(response) -> dict:
    """The JSON of a response, numbers with a fraction read as Decimal (money)."""
    return json.loads(response.content, parse_float=Decimal)


def csv_rows(response) -> list[dict]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))
