"""A real streaming replica: report reads come from it, writes and read-your-writes do not.

One primary and its standby (bench/replica_pair.py: initdb, pg_basebackup -R, each on a free
loopback port) for the whole module, migrated and loaded through manage.py, and the app under
gunicorn with DATABASE_URL (the primary) and DATABASE_REPLICA_URL (the standby). Pausing the
standby's replay shows which server answered: a write refreshed into the reports on the primary
is missing from a report until replay resumes. Skipped, with the reason, where no PostgreSQL
binaries are found.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import dj_database_url
import psycopg
import pytest

from api.problems import PROBLEM_CONTENT_TYPE
from bench.replica_pair import BinariesMissingError, StreamingPair, pair_build
from orders.tests.test_faults import BASE_DIR, wait_for
from project.replica import SOURCE_HEADER
from project.tests.gunicorn import gunicorn_start
from project.tests.pgbouncer import MISSING as PGBOUNCER_MISSING
from project.tests.pgbouncer import POOL_SIZE, pgbouncer_find, pgbouncer_start
from project.tests.scrape import Scrape

CUSTOMER = "replica_shop"
ORDER = "REPLICA-1"
METRICS_TOKEN = "replica-metrics-token-0123456789"
REPORTS = [
    f"/api/orders/stats?user={CUSTOMER}",
    "/api/reports/customers/ranking",
    "/api/reports/customers/loyal?min_completed_orders=1",
    "/api/reports/products/top",
    "/api/reports/revenue/monthly",
    "/api/reports/revenue/daily",
    "/api/reports/",
    "/api/v1/orders/cancelled/",
]
EXPORTS = [
    "/api/reports/customers/ranking.csv?limit=5",
    "/api/reports/customers/loyal.csv?min_completed_orders=1&limit=5",
    "/api/reports/products/top.csv",
    "/api/reports/revenue/monthly.csv",
    "/api/reports/revenue/daily.csv",
    "/api/v1/orders/cancelled.csv",
]

WAITING_ON_A_LOCK = (
    "SELECT count(*) FROM pg_stat_activity "
    "WHERE wait_event_type = 'Lock' AND backend_type = 'client backend'"
)


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class App:
    pair: StreamingPair
    url: str
    key: str
    log: Path
    environment: dict

    def call(self, path: str, body: dict | None = None) -> Answer:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            self.url + path,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (loopback)
                return Answer(answer.status, dict(answer.headers), answer.read())
        except urllib.error.HTTPError as answer:
            return Answer(answer.code, dict(answer.headers), answer.read())

    def manage(self, *arguments: str, replica: bool = False) -> str:
        """A manage.py command against the primary (`replica`: DATABASE_REPLICA_URL set too)."""
        environment = {**self.environment}
        if replica:
            environment["DATABASE_REPLICA_URL"] = self.pair.standby.url()
        result = subprocess.run(  # noqa: S603 (fixed argv)
            [sys.executable, "manage.py", *arguments],
            cwd=BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def scrape(self) -> Scrape:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            self.url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (loopback)
            return Scrape(answer.read().decode())

    def as_of(self, node) -> datetime.datetime:
        """reports_data.refresh_state as `node` (the primary or the standby) has it."""
        as_of = "SELECT to_json(as_of) #>> '{}' FROM reports_data.refresh_state"
        return datetime.datetime.fromisoformat(self.pair.psql(node, as_of))


def instant(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def answering(app: App) -> bool:
    try:
        return app.call("/healthz").status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    try:
        pair = pair_build()
    except BinariesMissingError as error:
        pytest.skip(str(error))
    environment = {**os.environ, "DATABASE_URL": pair.primary.url(), "DJANGO_DEMO": "1"}
    for name in ("TEST_DATABASE_NAME", "DATABASE_REPLICA_URL", "LOG_FORMAT"):
        environment.pop(name, None)
    log = tmp_path_factory.mktemp("replica") / "gunicorn.log"
    process = None
    try:
        running = App(pair, "", "", log, environment)
        running.manage("migrate", "--no-input", "--verbosity", "0")
        running.manage("generateorders", "--orders", "3000", "--seed", "13")
        running.manage("refresh_reports")
        running.key = running.manage("create_api_key", "replica-test", "--scope", "write")
        running.key = running.key.strip().splitlines()[-1]
        server_environment = {
            **environment,
            "DATABASE_REPLICA_URL": pair.standby.url(),
            "DATABASE_REPLICA_RETRY_SECONDS": "1",
            "LOG_FORMAT": "plain",
            "METRICS_TOKEN": METRICS_TOKEN,
        }
        process, running.url = gunicorn_start(server_environment, log, workers=1, config=False)
        wait_for(lambda: answering(running), seconds=30)
        pair.replay_caught_up()
        yield running
    finally:
        if process is not None:
            process.terminate()
            process.wait(30)
        pair.close()


def replay_paused(app: App) -> None:
    app.pair.psql(app.pair.standby, "SELECT pg_wal_replay_pause()")
    wait_for(
        lambda: (
            app.pair.psql(app.pair.standby, "SELECT pg_get_wal_replay_pause_state()") == "paused"
        )
    )


def replay_resumed(app: App) -> None:
    app.pair.psql(app.pair.standby, "SELECT pg_wal_replay_resume()")


def replayed_lock(app: App) -> bool:
    """The standby's replay holds the primary's ACCESS EXCLUSIVE lock on customer_stats.

    The lock's WAL record waits in the primary's buffers (the pair commits asynchronously) until
    something flushes it: a transaction committed synchronously does."""
    app.pair.psql(app.pair.primary, "SET synchronous_commit = on; SELECT txid_current()")
    held = app.pair.psql(
        app.pair.standby,
        "SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock' "
        "AND relation = 'reports_data.customer_stats'::regclass",
    )
    return held == "1"


def upload(app: App, *, user: str, number: str, status: str = "paid") -> None:
    body = {
        "user": user,
        "orders": [
            {
                "order_number": number,
                "created_at": "2026-01-05T10:00:00Z",
                "total_amount": 120.5,
                "status": status,
                "items": [{"sku": "replica01", "name": "Replica", "quantity": 1, "price": 120.5}],
            }
        ],
    }
    answer = app.call("/api/orders/upload", body)
    assert answer.status == 200, answer.body


def test_reports_read_the_replica_and_writes_show_after_replay(app):
    before = app.as_of(app.pair.standby)
    answer = app.call("/api/reports/revenue/monthly")
    assert answer.status == 200
    assert answer.headers[SOURCE_HEADER] == "replica"
    replay_paused(app)
    try:
        # Writes go to the primary, and whatever reads its own write reads the primary.
        upload(app, user=CUSTOMER, number=ORDER)
        detail = app.call(f"/api/order?number={ORDER}")
        assert detail.status == 200, detail.body
        assert SOURCE_HEADER not in detail.headers
        refund = app.call(f"/api/order/status?number={ORDER}", {"status": "refunded"})
        assert refund.status == 201, refund.body
        assert refund.json()["current_status"] == "Cancelled"
        app.manage("refresh_reports")
        after = app.as_of(app.pair.primary)
        assert after > before

        # The reports still say what the paused replica has: the old as_of, not the new order.
        stats = app.call(f"/api/orders/stats?user={CUSTOMER}")
        assert (stats.status, stats.headers[SOURCE_HEADER]) == (404, "replica")
        for path in ("/api/reports/revenue/monthly", "/api/reports/customers/ranking"):
            answer = app.call(path)
            assert answer.headers[SOURCE_HEADER] == "replica"
            assert instant(answer.json()["as_of"]) == before
        export = app.call("/api/reports/revenue/monthly.csv")
        assert export.status == 200
        assert instant(export.headers["X-Report-As-Of"]) == before
        cancelled = app.call("/api/v1/orders/cancelled/?order=-cancelled_at").json()
        assert ORDER not in [row["order_number"] for row in cancelled["results"]]
        assert instant(cancelled["count_as_of"]) == before
        catalog = app.call("/api/reports/").json()["freshness"]
        assert instant(catalog["as_of"]) == before
        assert catalog["replay_lag_seconds"] > 0
        health = app.call("/healthz").json()
        assert instant(health["reports"]["as_of"]) == after  # the primary's
        assert health["replica"]["status"] == "ok"
        assert instant(health["replica"]["as_of"]) == before
        assert health["replica"]["replay_lag_seconds"] > 0
    finally:
        replay_resumed(app)

    # Replayed: the same endpoints state the new as_of and show the write. (The upload's
    # commit replays before the refresh's: in between, the customer is found, its figures
    # still those of the old as_of; so wait for the refresh.)
    wait_for(lambda: app.as_of(app.pair.standby) == after, seconds=30)
    stats = app.call(f"/api/orders/stats?user={CUSTOMER}").json()
    assert instant(stats["as_of"]) == after
    assert stats["cancelled_orders"] == 1
    assert instant(app.call("/api/reports/revenue/monthly").json()["as_of"]) == after
    cancelled = app.call("/api/v1/orders/cancelled/?order=-cancelled_at").json()
    assert cancelled["results"][0]["order_number"] == ORDER
    # Lag 0 means the standby has replayed all it received; a write of the primary's own in
    # between (autovacuum, say) makes it non-zero for a moment, so wait for that moment.
    health = {}

    def replayed_all() -> bool:
        health.update(app.call("/healthz").json()["replica"])
        return health["replay_lag_seconds"] == 0

    wait_for(replayed_all, seconds=10)
    assert (health["replay_lag_seconds"], health["stale"]) == (0, False)
    scraped = app.scrape()
    assert scraped.value("reports_replica_up") == 1
    assert scraped.value("reports_replica_as_of_timestamp_seconds") == after.timestamp()
    assert scraped.value("reports_replica_replay_lag_seconds") >= 0


def test_replica_gone_reads_fall_back_to_the_primary(app):
    # Lost in the middle of a request: a lock taken on the primary is replayed on the standby,
    # where the ranking's query (after the request's as_of) waits on it; the standby stops.
    locker = app.pair.session(app.pair.primary)
    try:
        locker.stdin.write("BEGIN; LOCK TABLE reports_data.customer_stats;\n")
        locker.stdin.flush()
        wait_for(lambda: replayed_lock(app), seconds=15)
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(app.call, "/api/reports/customers/ranking")
            wait_for(lambda: app.pair.psql(app.pair.standby, WAITING_ON_A_LOCK) == "1")
            app.pair.stop(app.pair.standby)
            cut = waiting.result(timeout=30)
    finally:
        locker.stdin.close()  # the lock's transaction ends
        locker.wait(10)
    assert cut.status == 503
    assert cut.headers["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert "Retry-After" in cut.headers

    # Away: every report reads the primary, which now has a write the replica never saw.
    upload(app, user=CUSTOMER, number="REPLICA-2")
    app.manage("refresh_reports")
    primary = app.as_of(app.pair.primary)
    try:
        for path in REPORTS:
            answer = app.call(path)
            assert (answer.status, answer.headers[SOURCE_HEADER]) == (200, "primary"), path
            body = answer.json()
            as_of = body.get("as_of") or body.get("count_as_of") or body["freshness"]["as_of"]
            assert instant(as_of) == primary, path
        for path in EXPORTS:
            answer = app.call(path)
            assert (answer.status, answer.headers[SOURCE_HEADER]) == (200, "primary"), path
        stats = app.call(f"/api/orders/stats?user={CUSTOMER}").json()
        assert stats["orders_count"] == 2
        health = app.call("/healthz")
        assert health.status == 200
        assert health.json()["replica"] == {"status": "unreachable", "reads_from": "primary"}
        scraped = app.scrape()
        assert scraped.value("reports_replica_up") == 0
        assert scraped.series("reports_replica_replay_lag_seconds") == []
    finally:
        app.pair.start(app.pair.standby)  # replay is not paused after a restart

    # Back: after DATABASE_REPLICA_RETRY_SECONDS the reads return to the replica.
    app.pair.replay_caught_up()
    wait_for(
        lambda: app.call("/api/reports/revenue/monthly").headers[SOURCE_HEADER] == "replica",
        seconds=15,
    )
    log = app.log.read_text()
    assert "read replica unreachable; report reads use the primary" in log
    assert "Traceback" not in log


def test_bi_user_made_on_the_primary_reads_the_replica(app):
    """create_bi_user runs on the primary; --replica prints the replica's address, where the
    role, its grants and its password arrive by replication."""
    url = app.manage("create_bi_user", "metabase", "--replica", replica=True).splitlines()[-1]
    assert url.startswith("postgresql://metabase:")
    assert url.endswith(f"@127.0.0.1:{app.pair.standby.port}/orders")
    app.pair.replay_caught_up()
    psql = ("psql", "--no-psqlrc", "-X", "-At", "-d", url, "-c")
    as_of = app.pair.run(*psql, "SELECT to_json(as_of) #>> '{}' FROM freshness").strip()
    assert instant(as_of) == app.as_of(app.pair.standby)
    refused = app.pair.completed(*psql, "SELECT count(*) FROM public.orders_order")
    assert refused.returncode != 0
    assert "permission denied" in refused.stderr
    wrong_password = url.replace("metabase:", "metabase:x", 1)
    wrong = app.pair.completed("psql", "--no-psqlrc", "-X", "-d", wrong_password, "-c", "SELECT 1")
    assert "password authentication failed" in wrong.stderr


@pytest.fixture(scope="module")
def replica_behind_a_pooler(app, tmp_path_factory):
    """PgBouncer (transaction mode, 2 server connections) in front of the standby, and a second
    app reading the replica only through it (DATABASE_REPLICA_POOLER=transaction)."""
    if pgbouncer_find() is None:
        pytest.skip(PGBOUNCER_MISSING)
    standby = dj_database_url.parse(app.pair.standby.url())
    pooler = pgbouncer_start(standby)
    environment = {
        **app.environment,
        "DATABASE_REPLICA_URL": pooler.url(),
        "DATABASE_REPLICA_POOLER": "transaction",
        "LOG_FORMAT": "plain",
    }
    log = tmp_path_factory.mktemp("replica-pooler") / "gunicorn.log"
    process, url = gunicorn_start(environment, log, workers=1, config=False)
    pooled = App(app.pair, url, app.key, log, environment)
    try:
        wait_for(lambda: answering(pooled), seconds=30)
        yield pooled, pooler
    finally:
        process.terminate()
        process.wait(30)
        pooler.stop()


def test_a_replica_behind_a_transaction_pooler_keeps_no_timeout_in_its_sessions(
    replica_behind_a_pooler,
):
    pooled, pooler = replica_behind_a_pooler
    pooled.pair.replay_caught_up()
    for path in [*REPORTS[1:], *EXPORTS]:  # (the customer of REPORTS[0] is an earlier test's)
        answer = pooled.call(path)
        assert (answer.status, answer.headers[SOURCE_HEADER]) == (200, "replica"), path
    # Both server connections at once, each held by a transaction: neither kept the request's
    # statement_timeout (set per transaction behind the pooler, not per session).
    clients = [
        psycopg.connect(**pooler.connect_kwargs(), connect_timeout=5) for _ in range(POOL_SIZE)
    ]
    try:
        backends = set()
        for client in clients:
            row = client.execute("SELECT pg_backend_pid(), current_setting('statement_timeout')")
            backend, timeout = row.fetchone()
            assert timeout == "0"
            backends.add(backend)
        assert len(backends) == POOL_SIZE
    finally:
        for client in clients:
            client.close()
