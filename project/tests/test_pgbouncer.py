"""The app behind PgBouncer in transaction mode (DATABASE_POOLER=transaction), over real HTTP.

One PgBouncer (project/tests/pgbouncer.py, a pool of 2 server connections) in front of the test
database, and gunicorn with 2 workers reaching it only through the pooler; commands run through
it too. Checked: uploads (and the same upload again), every report with its CSV streamed to the
end, the cancelled list's deep pages, a status change, one refresh at a time, the follower, and
the request statement timeout: a 503, and nothing left in the pooled sessions afterwards.
The rows are committed once for the module and removed at its end.
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
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection, transaction

from orders.api_keys import api_key_create
from orders.generation import orders_generate
from orders.models import ApiKeyScope, Order, Status
from orders.tests.conftest import SEED_003_BODY, free_port, make_upload
from orders.tests.test_faults import BASE_DIR, backend_waiting_on_a_lock, wait_for
from project.tests.pgbouncer import MISSING, POOL_SIZE, PgBouncer, pgbouncer_find, pgbouncer_start
from reports.management.commands.refresh_reports import MESSAGE_LOCKED
from reports.refresh import reports_pending, reports_refresh
from reports.tests.conftest import END, live_reports_reset

pytestmark = pytest.mark.skipif(pgbouncer_find() is None, reason=MISSING)

# Small, so a request stuck behind a lock answers quickly; the module's queries take milliseconds.
REQUEST_TIMEOUT_MS = 1000
ORDERS, CUSTOMERS = 4000, 2500  # the ranking's CSV is more than one 2,000-row FETCH
WORKERS = 2


@dataclass
class App:
    url: str
    process: subprocess.Popen
    log: Path
    environment: dict[str, str]
    write_key: str
    read_key: str

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
    client = psycopg2.connect(**pooler.connect_kwargs(), connect_timeout=5)
    client.autocommit = True
    return client


@pytest.fixture(scope="module")
def rows(django_db_setup, django_db_blocker):
    """Orders, reports and keys committed for the module; gone at its end."""
    with django_db_blocker.unblock():
        live_reports_reset()
        orders_generate(orders=ORDERS, customers=CUSTOMERS, seed=13, end=END, workers=1)
        assert not reports_refresh(full=True).failed
        keys = {
            "write_key": api_key_create(name="pooled-writer", scope=ApiKeyScope.WRITE),
            "read_key": api_key_create(name="pooled-reader", scope=ApiKeyScope.READ),
        }
    yield keys
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
        live_reports_reset()


@pytest.fixture(scope="module")
def pooler(django_db_setup):
    running = pgbouncer_start(connection.settings_dict)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def app(rows, pooler, tmp_path_factory):
    log = tmp_path_factory.mktemp("pooled-app") / "gunicorn.log"
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": pooler.url(),
        "DATABASE_POOLER": "transaction",
        "DJANGO_DEMO": "1",
        "REQUEST_STATEMENT_TIMEOUT_MS": str(REQUEST_TIMEOUT_MS),
    }
    for name in ("TEST_DATABASE_NAME", "PROMETHEUS_MULTIPROC_DIR", "METRICS_TOKEN"):
        environment.pop(name, None)
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "project.wsgi", "-c", "project/gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS)]
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 (fixed argv)
            command, cwd=BASE_DIR, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    running = App(f"http://127.0.0.1:{port}", process, log, environment, **rows)

    def answering() -> bool:
        try:
            return running.call("GET", "/healthz")[0] == 200
        except OSError:
            return False

    try:
        wait_for(answering, seconds=30)
        yield running
    finally:
        process.terminate()
        process.wait(30)


@pytest.fixture
def database(django_db_blocker):
    """The test database, directly (not through the pooler), for what the test checks."""
    with django_db_blocker.unblock():
        yield
        connection.close()


def test_uploads_and_a_status_change_go_through_the_pooler(app, database):
    body = make_upload(30, user="pooled_shop", prefix="POOL")
    status, _headers, answer = app.call("POST", "/api/orders/upload", body)
    assert status == 200, answer
    assert json.loads(answer) | {"status_changes": None} == {
        "user": "pooled_shop",
        "received": 30,
        "created": 30,
        "updated": 0,
        "unchanged": 0,
        "status_changes": None,
    }
    status, _headers, again = app.call("POST", "/api/orders/upload", body)
    assert status == 200, again
    again = json.loads(again)
    assert (again["created"], again["unchanged"], again["status_changes"]) == (0, 30, 0)
    assert Order.objects.filter(customer__username="pooled_shop").count() == 30

    change = {"status": "refunded"}
    status, _headers, changed = app.call("POST", "/api/orders/POOL-1/status", change)
    assert status == 201, changed
    detail = app.get_json("/api/orders/POOL-1")  # read in one REPEATABLE READ snapshot
    assert detail["current_status"] == Status.CANCELLED
    history = [entry["status"] for entry in detail["status_history"]]
    assert history == [Status.PENDING, Status.COMPLETE, Status.CANCELLED]


REPORTS = [
    "/api/reports/customers/ranking",
    "/api/reports/customers/loyal?min_completed_orders=1",
    "/api/reports/products/top",
    "/api/reports/revenue/monthly",
    "/api/reports/revenue/daily",
]


def test_every_report_and_its_csv_stream_through_the_pooler(app, database):
    ranking = app.get_csv("/api/reports/customers/ranking.csv")
    # Every generated customer: more than one FETCH of the server-side cursor.
    assert len({row[1] for row in ranking[1:]}) == len(ranking) - 1 >= CUSTOMERS > 2000
    for path in REPORTS:
        page = app.get_json(path)
        assert page["results"], path
        base, _, query = path.partition("?")
        table = app.get_csv(f"{base}.csv" + (f"?{query}" if query else ""))
        assert len(table) - 1 >= len(page["results"]), path
    sku = app.get_json("/api/reports/products/top")["results"][0]["sku"]
    assert app.get_json(f"/api/reports/products/{sku}/also-bought")["results"]
    assert len(app.get_csv(f"/api/reports/products/{sku}/also-bought.csv")) > 1
    assert app.get_json("/api/orders/stats?user=" + ranking[1][2])["orders_count"] >= 1
    assert {entry["name"] for entry in app.get_json("/api/reports/")["reports"]}


def test_the_cancelled_list_pages_deep_and_streams_through_the_pooler(app, database):
    cancelled = Order.objects.filter(current_status=Status.CANCELLED).count()
    exported = app.get_csv("/api/v1/orders/cancelled.csv")
    assert len(exported) - 1 == cancelled
    seen, path = [], "/api/v1/orders/cancelled/?page_size=200"
    while path:
        page = app.get_json(path)
        seen += [row["order_number"] for row in page["results"]]
        path = page["next_cursor"] and page["next_cursor"].removeprefix(app.url)
    assert seen == [row[0] for row in exported[1:]]
    last = -(-cancelled // 50)
    assert len(app.get_json(f"/api/v1/orders/cancelled/?page={last}")["results"]) >= 1


def test_one_refresh_at_a_time_through_the_pooler(app, database):
    """A run holds the refresh lock (a row lock of its transaction) while it waits on a table
    another session locked; a second run through the pooler finds the lock taken."""
    assert app.call("POST", "/api/orders/upload", make_upload(3, user="pooled_refresh"))[0] == 200
    assert reports_pending()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE reports_data.order_change IN ACCESS EXCLUSIVE MODE")
        first = app.manage("refresh_reports")
        wait_for(backend_waiting_on_a_lock, seconds=30)
        second = app.manage("refresh_reports")
        second_out, second_err = second.communicate(timeout=60)
    first_out, first_err = first.communicate(timeout=60)
    assert (second.returncode, second_out.strip()) == (0, MESSAGE_LOCKED), second_err
    assert first.returncode == 0, first_err
    assert first_out.startswith("incremental:"), first_out
    assert not reports_pending()


def test_the_follower_applies_writes_through_the_pooler(app, database):
    follower = app.manage("refresh_reports", "--follow", "--interval", "0.05")
    try:
        body = {**SEED_003_BODY, "user": "pooled_follower"}
        assert app.call("POST", "/api/orders/upload", body)[0] == 200

        def stats_show_it() -> bool:
            status, _headers, answer = app.call("GET", "/api/orders/stats?user=pooled_follower")
            return status == 200 and json.loads(answer)["orders_count"] == 1

        wait_for(stats_show_it, seconds=30)
    finally:
        follower.terminate()
        _out, err = follower.communicate(timeout=30)
    assert follower.returncode == 0, err
    assert "failed" not in err


def test_the_statement_timeout_answers_503_and_stays_out_of_the_pooled_sessions(
    app, pooler, database
):
    order = Order.objects.filter(current_status=Status.CANCELLED).first()
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
        status, headers, body = app.call(
            "POST", f"/api/orders/{order.order_number}/status", {"status": "delivered"}
        )
    finally:
        release.set()
        holder.join()
    assert status == 503, body
    assert headers["Content-Type"] == "application/problem+json"
    assert Order.objects.get(pk=order.pk).current_status == Status.CANCELLED

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
