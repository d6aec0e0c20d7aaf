"""The app behind PgBouncer in transaction mode (DATABASE_POOLER=transaction), over real HTTP.

One PgBouncer (project/tests/pgbouncer.py, a pool of 2 server connections) in front of the test
database, and gunicorn with 2 workers reaching it only through the pooler; commands run through
it too. Checked: uploads (and the same upload again), every report with its CSV streamed to the
end, the cancelled list's deep pages, a status change, one refresh at a time, the follower, and
the request statement timeout: a 503, and nothing left in the pooled sessions afterwards.
PgBouncer and gunicorn are started once for the module; each test commits its own rows.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg
import pytest
from django.db import connection, transaction

from orders.api_keys import api_key_create
from orders.generation import orders_generate
from orders.models import ApiKeyScope, Order, OrderStatus, Status
from orders.tests.conftest import SEED_003_BODY, make_upload
from orders.tests.test_faults import BASE_DIR, backend_waiting_on_a_lock, wait_for
from project.tests.gunicorn import gunicorn_start
from project.tests.pgbouncer import MISSING, POOL_SIZE, PgBouncer, pgbouncer_find, pgbouncer_start
from reports.management.commands.refresh_reports import MESSAGE_LOCKED
from reports.refresh import reports_pending, reports_refresh
from reports.tests.conftest import END, live_reports_reset

pytestmark = pytest.mark.skipif(pgbouncer_find() is None, reason=MISSING)

# Small, so a request stuck behind a lock answers quickly; the module's queries take milliseconds.
REQUEST_TIMEOUT_MS = 1000
# The ranking's and the cancelled list's CSV: more than one FETCH of 2,000 rows each.
ORDERS, CUSTOMERS = 7000, 2100
WORKERS = 2


@dataclass
class App:
    url: str
    process: subprocess.Popen
    environment: dict[str, str]
    write_key: str = ""
    read_key: str = ""

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, bytes]:
        key = self.write_key if method == "POST" else self.read_key
        request = urllib.request.Request(  # noqa: S310 (loopback)
            self.url + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (loopback)
                return answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as answer:
            return answer.code, dict(answer.headers), answer.read()

    def get_json(self, path: str) -> dict:
        status, _headers, body = self.call("GET", path)
        assert status == 200, (path, status, body[:500])
        return json.loads(body)

    def get_csv(self, path: str) -> list[list[str]]:
        status, headers, body = self.call("GET", path)
        assert status == 200, (path, status, body[:500])
        assert headers["Content-Type"].startswith("text/csv")
        return list(csv.reader(io.StringIO(body.decode())))

    def manage(self, *args: str) -> subprocess.Popen:
        """A management command through the pooler, as the app's own processes run them."""
        return subprocess.Popen(  # noqa: S603 (our own command line)
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def pooler_connect(pooler: PgBouncer):
    return psycopg.connect(**pooler.connect_kwargs(), connect_timeout=5, autocommit=True)


@pytest.fixture(scope="module")
def pooler(django_db_setup):
    running = pgbouncer_start(connection.settings_dict)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def app(pooler, tmp_path_factory):
    """gunicorn reaching the test database only through the pooler."""
    log = tmp_path_factory.mktemp("pooled-app") / "gunicorn.log"
    environment = {
        **os.environ,
        "DATABASE_URL": pooler.url(),
        "DATABASE_POOLER": "transaction",
        "DJANGO_DEMO": "1",
        "REQUEST_STATEMENT_TIMEOUT_MS": str(REQUEST_TIMEOUT_MS),
    }
    for name in ("TEST_DATABASE_NAME", "PROMETHEUS_MULTIPROC_DIR", "METRICS_TOKEN"):
        environment.pop(name, None)
    process, url = gunicorn_start(environment, log, workers=WORKERS)
    running = App(url, process, environment)

    def database_reached() -> bool:
        try:
            _status, _headers, body = running.call("GET", "/healthz")
        except OSError:
            return False
        return json.loads(body).get("database") == "ok"  # the reports may be stale: a 503

    try:
        try:
            wait_for(database_reached, seconds=30)
        except AssertionError:
            raise AssertionError(
                f"the app behind the pooler did not reach the database:\n"
                f"{log.read_text()[-3000:]}\npgbouncer:\n{pooler.log()[-3000:]}"
            ) from None
        yield running
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture
def api(app, transactional_db) -> App:
    """The app with a write and a read key; what the test commits is flushed after it."""
    live_reports_reset()
    app.write_key = api_key_create(name="pooled-writer", scope=ApiKeyScope.WRITE)
    app.read_key = api_key_create(name="pooled-reader", scope=ApiKeyScope.READ)
    return app


def test_uploads_and_a_status_change_go_through_the_pooler(api):
    body = make_upload(30, user="pooled_shop", prefix="POOL")
    status, _headers, answer = api.call("POST", "/api/orders/upload", body)
    assert status == 200, answer
    assert json.loads(answer) | {"status_changes": None} == {
        "user": "pooled_shop",
        "received": 30,
        "created": 30,
        "updated": 0,
        "unchanged": 0,
        "status_changes": None,
    }
    status, _headers, again = api.call("POST", "/api/orders/upload", body)
    assert status == 200, again
    again = json.loads(again)
    assert (again["created"], again["unchanged"], again["status_changes"]) == (0, 30, 0)
    assert Order.objects.filter(customer__username="pooled_shop").count() == 30

    change = {"status": "refunded"}
    status, _headers, changed = api.call("POST", "/api/orders/POOL-1/status", change)
    assert status == 201, changed
    detail = api.get_json("/api/orders/POOL-1")  # read in one REPEATABLE READ snapshot
    assert detail["current_status"] == Status.CANCELLED
    history = [entry["status"] for entry in detail["status_history"]]
    assert history == [Status.PENDING, Status.COMPLETE, Status.CANCELLED]


def test_identical_webhooks_at_once_through_the_pooler_record_one_row(api):
    """Issue 19, item 3, as it was seen through PgBouncer: each delivery answers 201 alike."""
    status, _headers, answer = api.call("POST", "/api/orders/upload", make_upload(1, prefix="HOOK"))
    assert status == 200, answer
    path = "/api/order/status?number=HOOK-0"
    for minute in range(10):
        event = {"status": "paid", "created": f"2025-06-02T00:{minute:02d}:00Z"}
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda _, event=event: api.call("POST", path, event), range(6)))
        assert [status for status, _headers, _body in answers] == [201] * 6, answers
        assert len({body for _status, _headers, body in answers}) == 1
    paid = OrderStatus.objects.filter(order__order_number="HOOK-0", status=Status.COMPLETE)
    assert paid.count() == 10


REPORTS = [
    "/api/reports/customers/ranking",
    "/api/reports/customers/loyal?min_completed_orders=1",
    "/api/reports/products/top",
    "/api/reports/revenue/monthly",
    "/api/reports/revenue/daily",
]


def test_every_report_and_its_csv_and_the_cancelled_list_through_the_pooler(api):
    orders_generate(orders=ORDERS, customers=CUSTOMERS, seed=13, end=END, workers=1)
    assert not reports_refresh(full=True).failed

    ranking = api.get_csv("/api/reports/customers/ranking.csv")
    # Every customer, and more than one FETCH of the server-side cursor.
    assert len({row[1] for row in ranking[1:]}) == len(ranking) - 1 == CUSTOMERS > 2000
    for path in REPORTS:
        page = api.get_json(path)
        assert page["results"], path
        base, _, query = path.partition("?")
        table = api.get_csv(f"{base}.csv" + (f"?{query}" if query else ""))
        assert len(table) - 1 >= len(page["results"]), path
    sku = api.get_json("/api/reports/products/top")["results"][0]["sku"]
    assert api.get_json(f"/api/reports/products/{sku}/also-bought")["results"]
    assert len(api.get_csv(f"/api/reports/products/{sku}/also-bought.csv")) > 1
    assert api.get_json(f"/api/orders/stats?user={ranking[1][2]}")["revenue_rank"] == 1
    assert len(api.get_json("/api/reports/")["reports"]) > 1

    cancelled = Order.objects.filter(current_status=Status.CANCELLED).count()
    exported = api.get_csv("/api/v1/orders/cancelled.csv")  # QuerySet.iterator() in a transaction
    assert len(exported) - 1 == cancelled > 2000
    seen, path = [], "/api/v1/orders/cancelled/?page_size=200"
    while path:  # by cursor, to the end
        page = api.get_json(path)
        seen += [row["order_number"] for row in page["results"]]
        path = page["next_cursor"] and page["next_cursor"].removeprefix(api.url)
    assert seen == [row[0] for row in exported[1:]]
    last = -(-cancelled // 50)
    assert api.get_json(f"/api/v1/orders/cancelled/?page={last}")["results"]


def test_one_refresh_at_a_time_through_the_pooler(api):
    """A run holds the refresh lock (a row lock of its transaction) while it waits on a table
    another session locked; a second run through the pooler finds the lock taken."""
    assert not reports_refresh().failed  # built: the runs below are incremental
    assert api.call("POST", "/api/orders/upload", make_upload(3, user="pooled_refresh"))[0] == 200
    assert reports_pending()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE reports_data.order_change IN ACCESS EXCLUSIVE MODE")
        first = api.manage("refresh_reports")
        wait_for(backend_waiting_on_a_lock, seconds=30)
        second = api.manage("refresh_reports")
        second_out, second_err = second.communicate(timeout=60)
    first_out, first_err = first.communicate(timeout=60)
    assert (second.returncode, second_out.strip()) == (0, MESSAGE_LOCKED), second_err
    assert first.returncode == 0, first_err
    assert first_out.startswith("incremental:"), first_out
    assert not reports_pending()


def test_the_follower_applies_writes_through_the_pooler(api):
    follower = api.manage("refresh_reports", "--follow", "--interval", "0.05")
    try:
        body = {**SEED_003_BODY, "user": "pooled_follower"}
        assert api.call("POST", "/api/orders/upload", body)[0] == 200

        def stats_show_it() -> bool:
            status, _headers, answer = api.call("GET", "/api/orders/stats?user=pooled_follower")
            return status == 200 and json.loads(answer)["orders_count"] == 1

        wait_for(stats_show_it, seconds=30)
    finally:
        follower.terminate()
        _out, err = follower.communicate(timeout=30)
    assert follower.returncode == 0, err
    assert "failed" not in err


def test_the_statement_timeout_answers_503_and_stays_out_of_the_pooled_sessions(api, pooler):
    assert api.call("POST", "/api/orders/upload", make_upload(1, prefix="SLOW"))[0] == 200
    locked = threading.Event()
    release = threading.Event()

    def hold_the_history_table() -> None:
        holder = pooler_connect(pooler)  # a pooler client: one server connection for the lock
        try:
            holder.autocommit = False
            with holder.cursor() as cursor:
                cursor.execute("LOCK TABLE orders_orderstatus IN EXCLUSIVE MODE")
                locked.set()
                release.wait(30)
            holder.rollback()
        finally:
            holder.close()

    holder = threading.Thread(target=hold_the_history_table)
    holder.start()
    try:
        assert locked.wait(10)
        status, headers, body = api.call(
            "POST", "/api/orders/SLOW-0/status", {"status": "delivered"}
        )
    finally:
        release.set()
        holder.join()
    assert status == 503, body
    assert headers["Content-Type"] == "application/problem+json"
    assert Order.objects.get(order_number="SLOW-0").current_status == Status.PENDING

    # Every server connection of the pool, each pinned by a transaction of its own at once:
    # none kept the request's timeout, and a statement longer than it runs to the end.
    clients = [pooler_connect(pooler) for _ in range(POOL_SIZE)]
    try:
        for client in clients:
            client.autocommit = False
            with client.cursor() as cursor:
                cursor.execute("SELECT current_setting('statement_timeout')")
                assert cursor.fetchone()[0] == "0"

        def sleep_past_the_timeout(client) -> int:
            with client.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid(), pg_sleep(%s)", [REQUEST_TIMEOUT_MS / 800])
                return cursor.fetchone()[0]

        with ThreadPoolExecutor(POOL_SIZE) as sleepers:
            backends = set(sleepers.map(sleep_past_the_timeout, clients))
        assert len(backends) == POOL_SIZE
    finally:
        for client in clients:
            client.close()
