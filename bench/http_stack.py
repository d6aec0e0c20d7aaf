"""The API endpoints through the whole HTTP stack: Django's test Client and gunicorn on loopback.

    python -m bench.http_stack --database bench_orders_10m --label after --json /tmp/after.json
    python -m bench.http_stack --compare /tmp/before.json /tmp/after.json

Only URLs, query strings and headers, no view imported: the same script measures any version
of the API (copy it into an older checkout's bench/). The database (bench/datasets.py makes them)
must be migrated by the code under test; it is only read here, never migrated, so an older
checkout cannot put its views and triggers back. A read key, unbound to a customer, is created
for the run and deleted at the end. gunicorn runs one worker of its default (sync) class, as
deployed: it closes the connection after each answer, so the one HTTPConnection reconnects.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import re
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from bench.support import GunicornServer, machine, setup_django

WARMUPS = 30
PAGE_SIZE = 50
DEEP_PAGE = 1_000  # about row 50,000; a smaller dataset gets its last page but one
CANCELLED = "/api/v1/orders/cancelled/"
NEWEST_CANCELLED_FIRST = {"order": "-cancelled_at"}
PAGE_KEYS, CURSOR_KEYS = ("count", "results", "next_cursor"), ("results",)
LIST_KEYS = ("report", "as_of", "results")
REPORTS = [  # key, label, path ({name}: a pick below, quoted), keys its answer must have
    ("stats", "customer stats", "/api/orders/stats?user={username}", ("user", "orders_count")),
    ("ranking", "customer ranking", "/api/reports/customers/ranking?limit=50", LIST_KEYS),
    ("loyal", "loyal customers", "/api/reports/customers/loyal", LIST_KEYS),
    ("top", "top products", "/api/reports/products/top?by=revenue", LIST_KEYS),
    ("also_bought", "also bought", "/api/reports/products/{sku}/also-bought", LIST_KEYS),
    ("monthly", "monthly revenue", "/api/reports/revenue/monthly", LIST_KEYS),
    ("daily", "daily revenue", "/api/reports/revenue/daily", LIST_KEYS),
    ("catalog", "reports catalog", "/api/reports/", ("freshness", "reports")),
    ("detail", "order detail", "/api/orders/{order_number}", ("order_number", "items")),
]
# One cheap index read each at any size: the newest cancelled order (it has a status history),
# its customer, and the sku of the first order line.
PICKS = {
    "order_number": "SELECT order_number FROM orders_order WHERE current_status = %(cancelled)s "
    "ORDER BY created_at DESC, id DESC LIMIT 1",
    "username": "SELECT c.username FROM orders_order o JOIN orders_customer c ON c.id = "
    "o.customer_id WHERE o.current_status = %(cancelled)s ORDER BY o.created_at DESC, o.id DESC "
    "LIMIT 1",
    "sku": "SELECT sku FROM orders_orderitem ORDER BY id LIMIT 1",
}

ERROR_NO_DATABASE = "There is no database {name!r} on this server; make it with bench/datasets.py."
ERROR_NOT_MIGRATED = (
    "{name} lacks this code's migrations ({missing}); run `manage.py migrate` against it first "
    "(after any run of older code: an older checkout's migrate would reinstall its views)."
)
ERROR_NO_ORDERS = "{name} has no cancelled order (or no order line) to take the parameters from."
ERROR_STATUS = "{case} ({mode}): GET {path} answered {status}, not 200: {body}"
ERROR_KEYS = "{case} ({mode}): GET {path} answered without {missing}: {body}"
ERROR_NO_CURSOR = "GET {path} has no next_cursor: the list ends there."

Get = Callable[[str], tuple[int, bytes]]


class BenchError(Exception):
    pass


@dataclass
class Case:
    key: str
    label: str
    path: str
    keys: tuple[str, ...]
    skipped: str | None = None  # why the case is "n/a"


def checked(status: int, body: bytes, *, case: str, mode: str, path: str, keys=()) -> dict:
    """The JSON answer of a 200 that has `keys`; BenchError otherwise."""
    fields = {"case": case, "mode": mode, "path": path, "body": body[:300]}
    if status != 200:
        raise BenchError(ERROR_STATUS.format(**fields, status=status))
    answer = json.loads(body)
    if missing := [key for key in keys if key not in answer]:
        raise BenchError(ERROR_KEYS.format(**fields, missing=", ".join(missing)))
    return answer


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_timed(case: Case, mode: str, get: Get, repeat: int) -> dict:
    """Warm-ups (the first answer checked for the expected keys), then `repeat` timed GETs."""
    samples, cpu = [], []
    for run in range(WARMUPS + repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        status, body = get(case.path)
        elapsed, elapsed_cpu = time.perf_counter() - started, time.process_time() - started_cpu
        if status != 200 or run == 0:
            keys = case.keys if run == 0 else ()
            checked(status, body, case=case.label, mode=mode, path=case.path, keys=keys)
        if run >= WARMUPS:
            samples.append(elapsed)
            cpu.append(elapsed_cpu)
    ordered = sorted(samples)
    figures = {f"p{q}": percentile(ordered, q / 100) * 1000 for q in (50, 90, 99)}
    # This process's CPU per request: with the test client, the whole Django side (driver
    # included), and far less moved by other load on the machine than wall time.
    figures["cpu_p50"] = percentile(sorted(cpu), 0.5) * 1000
    return {**figures, "samples_ms": [round(s * 1000, 3) for s in samples]}


def database_use(name: str) -> None:
    """Point Django at the existing database `name` (as bench.support does, minus migrating)."""
    from django.conf import settings
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            raise BenchError(ERROR_NO_DATABASE.format(name=name))
    connection.close()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name
    executor = MigrationExecutor(connection)
    if plan := executor.migration_plan(executor.loader.graph.leaf_nodes()):
        missing = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in plan)
        raise BenchError(ERROR_NOT_MIGRATED.format(name=name, missing=missing))


def picks_get() -> dict[str, str]:
    from django.db import connection

    from orders.models import Status

    picks = {}
    with connection.cursor() as cursor:
        for name, statement in PICKS.items():
            cursor.execute(statement, {"cancelled": Status.CANCELLED})
            row = cursor.fetchone()
            if row is None:
                raise BenchError(ERROR_NO_ORDERS.format(name=connection.settings_dict["NAME"]))
            picks[name] = row[0]
    return picks


def cursor_path(next_cursor: str, order: dict) -> str:
    """A next_cursor is a link (its path and query are kept) or a bare cursor."""
    if "?" in next_cursor:
        parts = urlsplit(next_cursor)
        return f"{parts.path}?{parts.query}"
    return f"{CANCELLED}?{urlencode({'page_size': PAGE_SIZE, **order, 'cursor': next_cursor})}"


def cancelled_cases(get: Get) -> list[Case]:
    """Page 1, a deep page and the cursor after it, in the default order and newest-cancelled."""

    def answer(path: str, keys=()) -> dict:
        return checked(*get(path), case="cancelled list", mode="setup", path=path, keys=keys)

    count = answer(f"{CANCELLED}?page_size={PAGE_SIZE}").get("count")
    deep = min(DEEP_PAGE, max(1, (count - 1) // PAGE_SIZE)) if count else DEEP_PAGE
    cases = []
    for key, suffix, order in (
        ("cancelled", "", {}),
        ("cancelled_by_cancelled_at", " order=-cancelled_at", NEWEST_CANCELLED_FIRST),
    ):
        first = f"{CANCELLED}?{urlencode({'page_size': PAGE_SIZE, **order})}"
        deep_path, cursor, skipped = f"{first}&page={deep}", f"{first}&cursor=…", None
        status, body = get(first)
        if order and 400 <= status < 500:  # a version without this ordering
            skipped = f"{status}: no such ordering"
        elif order and status == 200:  # ... or one that ignores the parameter
            stamps = [row.get("cancelled_at") for row in json.loads(body).get("results", [])]
            if None in stamps or stamps != sorted(stamps, reverse=True):
                skipped = "order= ignored"
        if skipped is None:
            if not (next_cursor := answer(deep_path, PAGE_KEYS)["next_cursor"]):
                raise BenchError(ERROR_NO_CURSOR.format(path=deep_path))
            cursor = cursor_path(next_cursor, order)
        row = f"{deep * PAGE_SIZE:,}"
        for case in (
            Case(f"{key}_page1", f"cancelled{suffix}, page 1", first, PAGE_KEYS),
            Case(f"{key}_deep", f"cancelled{suffix}, page {deep:,}", deep_path, PAGE_KEYS),
            Case(f"{key}_cursor", f"cancelled{suffix}, cursor at row {row}", cursor, CURSOR_KEYS),
        ):
            case.skipped = skipped
            cases.append(case)
    return cases


def measure(*, database: str, repeat: int) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from orders.models import ApiKey

    database_use(database)
    name, out = f"bench-http-stack-{secrets.token_hex(4)}", io.StringIO()
    call_command("create_api_key", name, "--scope", "read", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip().splitlines()[-1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="127.0.0.1")

    def client_get(path: str) -> tuple[int, bytes]:
        response = client.get(path)
        return response.status_code, response.content

    hosts = {"DJANGO_DEMO": "1", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server, results = GunicornServer(workers=1, environment=hosts), {}
    served = {"requests": 0, "connections": 0}
    try:
        picks = picks_get()
        quoted = {pick: quote(value, safe="") for pick, value in picks.items()}
        reports = [Case(k, label, path.format(**quoted), keys) for k, label, path, keys in REPORTS]
        cases = [*cancelled_cases(client_get), *reports]
        for case in cases:
            results[case.key] = {"skipped": case.skipped} if case.skipped else {}
            if not case.skipped:
                print(f"test client: {case.label}", file=sys.stderr)
                with CaptureQueriesContext(connection) as captured:
                    client_get(case.path)
                results[case.key]["queries"] = len(captured)  # the next request clears the log
                results[case.key]["client"] = run_timed(case, "test client", client_get, repeat)
        server.__enter__()  # in the try: an interrupt while gunicorn boots still stops it
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        headers = {"Authorization": f"Bearer {key}", "Host": f"127.0.0.1:{server.port}"}

        def http_get(path: str) -> tuple[int, bytes]:
            served["requests"] += 1
            served["connections"] += conn.sock is None  # closed by the server after an answer
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()

        for case in cases:
            if not case.skipped:
                print(f"gunicorn: {case.label}", file=sys.stderr)
                results[case.key]["gunicorn"] = run_timed(case, "gunicorn", http_get, repeat)
        conn.close()
    finally:
        server.__exit__()
        ApiKey.objects.filter(name=name).delete()
    return {
        "database": database,
        "repeat": repeat,
        "warmups": WARMUPS,
        "machine": machine(),
        "gunicorn": served,
        "picks": picks,
        "cases": [
            {"key": c.key, "label": c.label, "path": c.path, **results[c.key]} for c in cases
        ],
    }


def _cell(figures: dict | None) -> str:
    return " / ".join(f"{figures[p]:.2f}" for p in ("p50", "p90", "p99")) if figures else "n/a"


def table(run: dict) -> str:
    served = run["gunicorn"]
    lines = [
        f"**{run['label'] or 'run'}**: `{run['database']}`, {run['repeat']} timed requests per "
        f"case after {run['warmups']} warm-ups, ms p50 / p90 / p99; gunicorn: 1 sync worker, "
        f"loopback, {served['connections']:,} TCP connections for {served['requests']:,} "
        f"requests; {run['machine']}",
        "",
        "| case | request | test client | gunicorn | SQL queries |",
        "|---|---|---:|---:|---:|",
    ]
    for case in run["cases"]:
        path = re.sub(r"cursor=[^&]+", "cursor=…", case["path"])
        lines.append(
            f"| {case['label']} | `{path}` | {_cell(case.get('client'))} "
            f"| {_cell(case.get('gunicorn'))} | {case.get('queries', case.get('skipped'))} |"
        )
    return "\n".join(lines) + "\n"


def comparison(before: dict, after: dict) -> str:
    b, a = before["label"] or "before", after["label"] or "after"
    old_cases = {case["key"]: case for case in before["cases"]}
    lines = [
        f"p50 in ms, `{before['database']}` ({b}) and `{after['database']}` ({a}); "
        f"ratio = {a} / {b}; client CPU: the benchmark process's CPU time per request",
        "",
        f"| case | client {b} | client {a} | ratio | gunicorn {b} | gunicorn {a} | ratio "
        f"| client CPU {b} | client CPU {a} | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case in after["cases"]:
        cells = [case["label"]]
        for mode, figure in (("client", "p50"), ("gunicorn", "p50"), ("client", "cpu_p50")):
            old = old_cases.get(case["key"], {}).get(mode, {}).get(figure)
            new = case.get(mode, {}).get(figure)
            cells += [f"{v:.2f}" if v is not None else "n/a" for v in (old, new)]
            cells.append(f"{new / old:.2f}" if old and new is not None else "n/a")
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_stack", description=__doc__)
    parser.add_argument("--database", help="an existing benchmark database, e.g. bench_orders_10m")
    parser.add_argument("--repeat", type=int, default=300, help="timed requests per case")
    parser.add_argument("--label", default="", help="names the run in the table (before/after)")
    parser.add_argument("--out", help="write the Markdown table to this file")
    parser.add_argument("--json", help="write the raw figures to this file")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"), help="two --json files")
    args = parser.parse_args(argv)
    if args.compare:
        output = comparison(*(json.loads(Path(path).read_text()) for path in args.compare))
    else:
        if not args.database or args.repeat < 1:
            parser.error("--database is required (and --repeat at least 1) unless --compare")
        os.environ["DJANGO_DEBUG"] = "0"  # DEBUG keeps every query: not what production times
        setup_django()
        try:
            run = {"label": args.label, **measure(database=args.database, repeat=args.repeat)}
        except BenchError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        if args.json:
            Path(args.json).write_text(json.dumps(run, indent=1))
        output = table(run)
    print(output)
    if args.out:
        Path(args.out).write_text(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
