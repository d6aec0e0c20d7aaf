"""Read-replica figures (docs/DESIGN.md §8): replay lag after uploads and a refresh, and the report
endpoints' latency read from the primary and from the replica.

    python -m bench.replica [--base-orders 100000] [--upload-orders 10000] [--rounds 5]
                            [--requests 200]

Builds its own primary and streaming standby (bench/replica_pair.py: initdb and pg_basebackup
in /tmp, PostgreSQL's durable defaults, on loopback ports), migrates the primary and generates
`--base-orders`. Each round uploads `--upload-orders` new orders over HTTP (gunicorn on the
primary, 5,000 per request), then runs one incremental `refresh_reports`; it measures the WAL
each wrote and how long after each commit the standby had replayed it (polled every
millisecond). Then it serves the app twice under gunicorn (one worker each), one reading the
reports from the primary and one from the replica, and times each report endpoint, alternating
requests between the two. Prints the tables.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import time
import urllib.request

from bench.replica_pair import pair_build
from bench.support import GunicornServer, machine, percentiles, setup_django
from bench.upload import make_batches, upload_all

UPLOAD_ORDERS_PER_REQUEST = 5000
ENDPOINTS = [
    "/api/orders/stats?user={user}",
    "/api/reports/customers/ranking?limit=50",
    "/api/reports/products/top?by=revenue&limit=20",
    "/api/reports/revenue/monthly",
    "/api/reports/revenue/daily",
    "/api/v1/orders/cancelled/",
    "/api/reports/",
]


def replayed_after(lsn: str, *, poll: float = 0.001, limit: float = 120.0) -> float:
    """Seconds until the standby has replayed the primary's WAL up to `lsn`."""
    from django.db import connections

    started = time.perf_counter()
    with connections["replica"].cursor() as cursor:
        while time.perf_counter() - started < limit:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return time.perf_counter() - started
            time.sleep(poll)
    raise TimeoutError(f"the standby did not replay {lsn} within {limit} s")


def wal_position() -> str:
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def wal_bytes(start: str, end: str) -> int:
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(%s::pg_lsn, %s::pg_lsn)::bigint", [end, start])
        return cursor.fetchone()[0]


def rounds_measure(*, rounds: int, orders: int, key: str, port: int) -> list[dict]:
    from reports.refresh import reports_refresh

    figures = []
    for number in range(rounds):
        requests = max(1, orders // UPLOAD_ORDERS_PER_REQUEST)
        batches = make_batches(f"R{number}", requests, orders // requests, 3)
        for batch in batches:
            batch["user"] = f"replica_{number}_{batch['user']}"
        bodies = [json.dumps(batch).encode() for batch in batches]
        start = wal_position()
        started = time.perf_counter()
        upload_all(port, key, bodies, clients=1)
        upload_seconds = time.perf_counter() - started
        uploaded = wal_position()
        upload_replay = replayed_after(uploaded)
        started = time.perf_counter()
        result = reports_refresh()
        refresh_seconds = time.perf_counter() - started
        if result.failed:
            raise RuntimeError(f"refresh failed: {result}")
        refreshed = wal_position()
        refresh_replay = replayed_after(refreshed)
        figures.append(
            {
                "upload_s": upload_seconds,
                "upload_wal": wal_bytes(start, uploaded),
                "upload_replay_s": upload_replay,
                "refresh_s": refresh_seconds,
                "refresh_wal": wal_bytes(uploaded, refreshed),
                "refresh_replay_s": refresh_replay,
            }
        )
    return figures


def latency_measure(*, primary: str, replica: str, requests: int, key: str, user: str) -> dict:
    """{endpoint: {"primary": (p50, p99), "replica": (p50, p99)}} in milliseconds.

    Two servers run side by side, one reading the reports from the primary, one from the
    replica; their requests alternate, so a busy moment of the machine falls on both."""
    environments = {
        "primary": {"DATABASE_URL": primary, "DATABASE_REPLICA_URL": "", "LOG_LEVEL": "WARNING"},
        "replica": {
            "DATABASE_URL": primary,
            "DATABASE_REPLICA_URL": replica,
            "LOG_LEVEL": "WARNING",
        },
    }
    results: dict[str, dict] = {path: {} for path in ENDPOINTS}
    with contextlib.ExitStack() as stack:
        servers = {
            source: stack.enter_context(GunicornServer(workers=1, environment=environment))
            for source, environment in environments.items()
        }
        for path in ENDPOINTS:
            samples: dict[str, list[float]] = {source: [] for source in servers}
            for attempt in range(requests + 10):  # ten warm-up requests each
                for source, server in servers.items():
                    elapsed, served_by = timed_get(server.url + path.format(user=user), key)
                    if served_by != source:
                        raise RuntimeError(f"{path} was read from the {served_by}, not {source}")
                    if attempt >= 10:
                        samples[source].append(elapsed)
            for source, values in samples.items():
                results[path][source] = percentiles(values)
    return results


def timed_get(url: str, key: str) -> tuple[float, str]:
    """(milliseconds, which database answered) for one GET."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})  # noqa: S310
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (loopback)
        answer.read()
        served_by = answer.headers["X-Reports-Database"]
    return (time.perf_counter() - started) * 1000, served_by


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-orders", type=int, default=100_000)
    parser.add_argument("--upload-orders", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200, help="per endpoint and server")
    args = parser.parse_args(argv)

    pair = pair_build(durable=True, shared_buffers="256MB")
    try:
        os.environ["DATABASE_URL"] = pair.primary.url()
        os.environ["DATABASE_REPLICA_URL"] = pair.standby.url()
        os.environ.pop("TEST_DATABASE_NAME", None)
        os.environ.setdefault("LOG_LEVEL", "WARNING")  # migrate's and the servers' lines
        setup_django()
        from django.core.management import call_command

        from orders.api_keys import api_key_create
        from orders.models import ApiKeyScope, Customer

        call_command("migrate", verbosity=0)
        call_command("generateorders", orders=args.base_orders, seed=13, verbosity=0)
        call_command("refresh_reports", verbosity=0)
        key = api_key_create(name="bench-replica", scope=ApiKeyScope.WRITE)
        pair.replay_caught_up(seconds=300)

        writer = {"DATABASE_URL": pair.primary.url(), "LOG_LEVEL": "WARNING"}
        with GunicornServer(workers=2, environment=writer) as app:
            rounds = rounds_measure(
                rounds=args.rounds, orders=args.upload_orders, key=key, port=app.port
            )
        user = Customer.objects.order_by("id").values_list("username", flat=True).first()
        latency = latency_measure(
            primary=pair.primary.url(),
            replica=pair.standby.url(),
            requests=args.requests,
            key=key,
            user=user,
        )
        print(f"machine: {machine()}")
        print(
            f"pair: primary and streaming standby on this machine, {args.base_orders:,} "
            f"generated orders, then {args.rounds} rounds of {args.upload_orders:,} uploaded "
            "orders + one incremental refresh_reports"
        )
        print(rounds_table(rounds))
        print()
        print(
            f"report endpoints, two gunicorn servers of 1 worker, {args.requests} requests each, "
            "alternating"
        )
        print(latency_table(latency))
    finally:
        pair.close()


def rounds_table(rounds: list[dict]) -> str:
    def cell(name: str, scale: float = 1000.0, unit: str = "ms") -> str:
        values = [r[name] * scale for r in rounds]
        return f"{statistics.median(values):,.1f} {unit} (max {max(values):,.1f})"

    def mib(name: str) -> str:
        values = [r[name] / 2**20 for r in rounds]
        return f"{statistics.median(values):,.1f} MiB"

    lines = [
        "| step (median of rounds) | on the primary | WAL written "
        "| replayed on the standby after |",
        "|---|---:|---:|---:|",
        f"| upload | {cell('upload_s')} | {mib('upload_wal')} | {cell('upload_replay_s')} |",
        f"| incremental refresh | {cell('refresh_s')} | {mib('refresh_wal')} | "
        f"{cell('refresh_replay_s')} |",
    ]
    return "\n".join(lines)


def latency_table(latency: dict) -> str:
    lines = [
        "| endpoint | primary p50 / p99 ms | replica p50 / p99 ms |",
        "|---|---:|---:|",
    ]
    for path, figures in latency.items():
        p, r = figures["primary"], figures["replica"]
        lines.append(f"| `{path}` | {p[0]:.2f} / {p[1]:.2f} | {r[0]:.2f} / {r[1]:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
