"""Load test: locust (headless, bounded in time) against the app under gunicorn on loopback,
while `manage.py refresh_reports` refreshes every report view in a loop.

    .venv/bin/python -m loadtest.run [--seconds 60] [--users 16] [--workers 3]
                                     [--orders 200000] [--database load_orders] [--no-doc]

1. Dataset: its own database (`load_orders`, never the one `make run` serves), migrated, with
   `--orders` generated orders the first time (reused afterwards; every run adds its uploads),
   and every report view refreshed once.
2. A fresh write key, gunicorn (`--workers` sync workers) on a free loopback port.
3. While locust runs: a thread runs plain `manage.py refresh_reports` (CONCURRENTLY, not
   --if-changed, so every run refreshes every view) back to back, and another samples
   pg_stat_activity ten times a second for queries waiting on a lock.
4. Locust (`loadtest/locustfile.py`) runs headless with `--run-time`, its CSVs in a temp dir and
   one line per request for the analysis below.
5. Prints the result and writes it to docs/LOAD.md (not with --no-doc, nor for runs shorter
   than 60 s): per-endpoint counts, failures and p50/p95/p99/max, throughput, the refresh
   loop, and whether any report read was blocked by a refresh. Exits 1 when a request failed,
   a refresh failed or a read was blocked (or could not be shown unblocked).
"""

from __future__ import annotations

import argparse
import bisect
import csv
import io
import math
import os
import platform
import re
import secrets
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.support import GunicornServer, database_url, setup_django
from loadtest import endpoints as lf

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "LOAD.md"
REFRESH_APP = "loadtest-refresh"  # application_name of the refresh loop's sessions
SERVER_APP = "loadtest-app"  # ... and of gunicorn's
SAMPLE_EVERY_S = 0.1
# A report read that starts this long before a refresh of its view commits is telling.
DEEP_INSIDE_MS = 1000
MIN_DOCUMENTED_S = 60  # the issue asks for at least 60 s

# Which report view each read endpoint reads (None: the refresh log, i.e. every view's row).
ENDPOINT_VIEWS = {
    lf.REPORT_CATALOG: None,
    lf.REPORT_RANKING: "customer_stats",
    lf.REPORT_LOYAL: "customer_stats",
    lf.STATS: "customer_stats",
    lf.REPORT_TOP: "product_sales",
    lf.REPORT_ALSO_BOUGHT: "also_bought",
    lf.REPORT_MONTHLY: "monthly_revenue",
    lf.REPORT_DAILY: "daily_order_stats",
    lf.CANCELLED_PAGE: "status_counts",
    lf.CANCELLED_CURSOR: "status_counts",
}
ENDPOINT_ORDER = [
    lf.REPORT_CATALOG,
    lf.REPORT_RANKING,
    lf.REPORT_LOYAL,
    lf.REPORT_TOP,
    lf.REPORT_ALSO_BOUGHT,
    lf.REPORT_MONTHLY,
    lf.REPORT_DAILY,
    lf.STATS,
    lf.CANCELLED_PAGE,
    lf.CANCELLED_CURSOR,
    lf.ORDER_DETAIL,
    lf.UPLOAD,
    lf.UPLOAD_AGAIN,
]
# A query of the app that reads schema reports (written reports.x or "reports"."x").
REPORT_QUERY = re.compile(r'\breports\.|"reports"\."', re.IGNORECASE)


# --- the dataset ---


def use_load_database(name: str) -> None:
    """Create (or reuse) database `name`, migrate it, and point Django at it."""
    from django.db import connection

    connection.close()
    connection.settings_dict["TEST"]["NAME"] = name
    # serialize=False: the test runner would otherwise read every row into one string.
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=True)


def prepare_dataset(*, orders: int, seed: int) -> tuple[int, int, int]:
    """Generate the orders once; refresh the reports. Returns (orders, GEN orders, customers)."""
    from django.core.management import call_command

    from orders.models import Customer, Order

    if not Order.objects.exists():
        print(f"Generating {orders:,} orders (once; later runs reuse them) ...", flush=True)
        call_command("generateorders", orders=orders, seed=seed)
    generated = Order.objects.filter(order_number__startswith="GEN-").count()
    customers = Customer.objects.filter(username__startswith="customer_").count()
    total = Order.objects.count()
    print(f"Dataset: {total:,} orders ({generated:,} generated), refreshing reports ...")
    call_command("refresh_reports", stdout=io.StringIO())
    return total, generated, customers


def server_facts() -> tuple[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return version, f"{os.cpu_count()} cores, {memory:.0f} GiB RAM"


def connect_raw():
    import psycopg2
    from django.db import connection

    s = connection.settings_dict
    conn = psycopg2.connect(
        dbname=s["NAME"],
        user=s["USER"],
        password=s.get("PASSWORD") or None,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        application_name="loadtest-monitor",
    )
    conn.autocommit = True
    return conn


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of every core since boot, from /proc/stat (Linux)."""
    try:
        with open("/proc/stat") as handle:
            values = [int(v) for v in handle.readline().split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


# --- the refresh loop ---


@dataclass
class RefreshRun:
    started: float
    finished: float
    returncode: int
    output: str

    @property
    def locked(self) -> bool:
        return "holds the lock" in self.output

    @property
    def seconds(self) -> float:
        return self.finished - self.started


class RefreshLoop(threading.Thread):
    """`manage.py refresh_reports` (plain: every view, CONCURRENTLY) back to back until stopped."""

    def __init__(self, environment: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.environment = environment
        self.stopping = threading.Event()
        self.runs: list[RefreshRun] = []

    def run(self) -> None:
        command = [sys.executable, "manage.py", "refresh_reports"]
        while not self.stopping.is_set():
            started = time.time()
            done = subprocess.run(  # noqa: S603 (fixed argv, no shell)
                command, cwd=ROOT, env=self.environment, capture_output=True, text=True
            )
            self.runs.append(
                RefreshRun(started, time.time(), done.returncode, done.stdout + done.stderr)
            )

    def stop(self) -> None:
        """Let the refresh in progress finish (never kill one halfway), then return."""
        self.stopping.set()
        self.join()


# --- pg_stat_activity sampling ---


@dataclass
class LockWait:
    at: float
    application: str
    query: str
    wait_event: str
    blockers: str


@dataclass
class ActivityLog:
    samples: int = 0
    samples_refreshing: int = 0  # a REFRESH MATERIALIZED VIEW was running
    report_reads_seen: int = 0  # app queries on schema reports, any time
    report_reads_during_refresh: int = 0  # ... while a REFRESH was running
    lock_waits: list[LockWait] = field(default_factory=list)

    def report_read_waits(self) -> list[LockWait]:
        return [
            w
            for w in self.lock_waits
            if w.application == SERVER_APP and REPORT_QUERY.search(w.query)
        ]


ACTIVITY_SQL = """
SELECT application_name, wait_event_type, wait_event, query,
       (SELECT string_agg(b.application_name || ': ' || left(b.query, 120), ' | ')
          FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(a.pid)))
  FROM pg_stat_activity a
 WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
   AND application_name = ANY (%s)
"""


class ActivitySampler(threading.Thread):
    """Samples the active queries of the app and the refresh loop; keeps every lock wait."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stopping = threading.Event()
        self.log = ActivityLog()
        self.conn = connect_raw()

    def run(self) -> None:
        try:
            with self.conn.cursor() as cursor:
                while not self.stopping.wait(SAMPLE_EVERY_S):
                    cursor.execute(ACTIVITY_SQL, [[SERVER_APP, REFRESH_APP]])
                    self.record(cursor.fetchall())
        finally:
            self.conn.close()

    def record(self, rows: list[tuple]) -> None:
        log = self.log
        log.samples += 1
        refreshing = any(
            app == REFRESH_APP and query.lstrip().upper().startswith("REFRESH MATERIALIZED")
            for app, _, _, query, _ in rows
        )
        log.samples_refreshing += refreshing
        for app, wait_type, wait_event, query, blockers in rows:
            if app == SERVER_APP and REPORT_QUERY.search(query):
                log.report_reads_seen += 1
                log.report_reads_during_refresh += refreshing
            if wait_type == "Lock":
                log.lock_waits.append(
                    LockWait(time.time(), app, " ".join(query.split())[:160], wait_event, blockers)
                )

    def stop(self) -> ActivityLog:
        self.stopping.set()
        self.join()
        return self.log


# --- locust ---


def run_locust(args, *, url: str, key: str, run: str, generated: int, customers: int, tmp: Path):
    environment = {
        **os.environ,
        "LOADTEST_KEY": key,
        "LOADTEST_RUN": run,
        "LOADTEST_ORDERS": str(generated),
        "LOADTEST_CUSTOMERS": str(customers),
        "LOADTEST_SAMPLES": str(tmp / "requests.csv"),
    }
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(ROOT / "loadtest" / "locustfile.py"),
        "--headless",
        "--host",
        url,
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.users),
        "--run-time",
        f"{args.seconds}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(tmp / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    return subprocess.run(command, cwd=ROOT, env=environment, check=False).returncode  # noqa: S603


@dataclass
class Request:
    start: float
    name: str
    ms: float
    error: str

    @property
    def failed(self) -> bool:
        return bool(self.error)

    @property
    def end(self) -> float:
        return self.start + self.ms / 1000


def read_requests(path: Path) -> list[Request]:
    with path.open(newline="") as handle:
        return [
            Request(float(r["start"]), r["name"], float(r["ms"]), r["error"])
            for r in csv.DictReader(handle)
        ]


# --- analysis ---


def pct(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted samples."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


@dataclass
class Window:
    view: str
    start: float
    end: float

    @property
    def ms(self) -> float:
        return (self.end - self.start) * 1000


def refresh_windows(since: float) -> tuple[list[Window], int]:
    """The loop's view refreshes (from reports.refresh_log) and how many of them failed."""
    from reports.models import RefreshLog

    rows = RefreshLog.objects.filter(started_at__gte=datetime.fromtimestamp(since, UTC))
    windows, failed = [], 0
    for row in rows.order_by("started_at"):
        if not row.ok or row.finished_at is None:
            failed += 1
            continue
        windows.append(Window(row.view, row.started_at.timestamp(), row.finished_at.timestamp()))
    return windows, failed


def overlapping(request: Request, windows: list[Window], starts: list[float]) -> bool:
    """Did the request run while one of the (start-sorted) windows was open?"""
    index = bisect.bisect_left(starts, request.end)
    return any(w.end > request.start for w in windows[max(0, index - 50) : index])


def enclosing(request: Request, windows: list[Window], starts: list[float]) -> Window | None:
    """The (start-sorted) window open when the request started, if any."""
    index = bisect.bisect_right(starts, request.start)
    for w in reversed(windows[max(0, index - 50) : index]):
        if w.end > request.start:
            return w
    return None


@dataclass
class Result:
    lines: list[str]
    ok: bool


def analyse(
    *,
    args,
    command: str,
    machine: str,
    version: str,
    dataset: int,
    requests: list[Request],
    locust_rc: int,
    loop: RefreshLoop,
    windows: list[Window],
    refresh_failures: int,
    activity: ActivityLog,
    began: float,
    cpu_busy: float | None,
    load_before: float,
) -> Result:
    out: list[str] = []
    add = out.append
    by_name: dict[str, list[Request]] = {}
    for r in requests:
        by_name.setdefault(r.name, []).append(r)
    names = [n for n in ENDPOINT_ORDER if n in by_name] + sorted(set(by_name) - set(ENDPOINT_ORDER))
    failed = sum(r.failed for r in requests)
    first = min((r.start for r in requests), default=began)
    last = max((r.end for r in requests), default=began)
    span = max(last - first, 1e-9)

    add("# Load test")
    add("")
    add(
        "Generated by `loadtest/run.py` (the users are in `loadtest/locustfile.py`); everything "
        "below is the output of its last run. The first run generates the orders into its own "
        f"database `{args.database}` (about half a minute); later runs reuse them, plus the "
        "orders earlier runs uploaded."
    )
    add("")
    add("```sh")
    add(command)
    add("```")
    add("")
    add("(`make loadtest` installs `loadtest/requirements.txt` into `.venv` and runs the same.)")
    add("")
    add(f"- **Machine**: {machine}, PostgreSQL {version}, Python {platform.python_version()}")
    add(f"- **Date**: {datetime.fromtimestamp(began, UTC):%Y-%m-%d %H:%M UTC}")
    add(
        f"- **Load**: {args.users} locust users (FastHttpUser, {lf.THINK_TIME_S[0]:g}-"
        f"{lf.THINK_TIME_S[1]:g} s think time, task weights below), "
        f"{args.seconds} s (`--run-time`), gunicorn {args.workers} sync workers on 127.0.0.1, "
        f"database `{args.database}` with {dataset:,} orders"
    )
    if cpu_busy is not None:
        add(
            f"- **CPU**: {cpu_busy:.0%} of all cores busy during the run (every process on the "
            f"machine, which is shared with other work: 1-minute load average "
            f"{load_before:.1f} just before the run, {os.getloadavg()[0]:.1f} at its end)"
        )
    add(
        "- **Meanwhile**: `manage.py refresh_reports` (all six views, CONCURRENTLY) back to back "
        "for the whole run; pg_stat_activity sampled every "
        f"{SAMPLE_EVERY_S * 1000:.0f} ms"
    )
    add("")
    add("## Requests")
    add("")
    add("| endpoint | weight | requests | failures | p50 ms | p95 ms | p99 ms | max ms |")
    add("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in names:
        group = by_name[name]
        ordered = sorted(r.ms for r in group)
        add(
            f"| `{name}` | {lf.WEIGHTS.get(name, '')} | {len(group):,} | "
            f"{sum(r.failed for r in group)} | "
            f"{ms(pct(ordered, 50))} | {ms(pct(ordered, 95))} | {ms(pct(ordered, 99))} | "
            f"{ms(ordered[-1])} |"
        )
    if requests:
        ordered = sorted(r.ms for r in requests)
        add(
            f"| **all** | | **{len(requests):,}** | **{failed}** | {ms(pct(ordered, 50))} | "
            f"{ms(pct(ordered, 95))} | {ms(pct(ordered, 99))} | {ms(ordered[-1])} |"
        )
    add("")
    add(
        f"Throughput: **{len(requests) / span:.1f} requests/s** over {span:.0f} s; "
        f"locust's exit code {locust_rc} (1 when any request failed). Percentiles are "
        "nearest-rank over every request, from locust's request events (its CSV rounds them). "
        "Each upload carries 10 orders of 1-3 items; the changed re-upload updates all 10 and "
        "appends a status to each."
    )
    if failed:
        add("")
        add("Failures:")
        add("")
        errors: dict[tuple[str, str], int] = {}
        for r in requests:
            if r.failed:
                errors[r.name, r.error] = errors.get((r.name, r.error), 0) + 1
        for (name, error), count in sorted(errors.items(), key=lambda e: -e[1]):
            add(f"- {count} x `{name}`: {error}")
    add("")

    # The refresh loop.
    runs = loop.runs
    refreshed = [r for r in runs if r.returncode == 0 and not r.locked]
    add("## The refresh loop")
    add("")
    seconds = sorted(r.seconds for r in refreshed)
    summary = (
        f"min {seconds[0]:.1f} s, median {statistics.median(seconds):.1f} s, "
        f"max {seconds[-1]:.1f} s"
        if seconds
        else "none completed"
    )
    add(
        f"{len(runs)} runs of `refresh_reports`, {len(refreshed)} refreshed every view "
        f"(wall time per run, including the command's start-up: {summary}); "
        f"{sum(r.returncode != 0 for r in runs)} exited non-zero, "
        f"{sum(r.locked for r in runs)} found the lock held; {refresh_failures} failed view "
        "refreshes in reports.refresh_log. The last run, started under load, is allowed to "
        "finish after locust stops (a refresh is never killed halfway)."
    )
    add("")
    add("| view | refreshes | median ms | max ms |")
    add("|---|---:|---:|---:|")
    per_view: dict[str, list[float]] = {}
    for w in windows:
        per_view.setdefault(w.view, []).append(w.ms)
    for view, durations in per_view.items():
        add(
            f"| `{view}` | {len(durations)} | {ms(statistics.median(durations))} | "
            f"{ms(max(durations))} |"
        )
    add("")

    # Blocked reads?
    deep_s = DEEP_INSIDE_MS / 1000
    add("## Were report reads blocked by a refresh?")
    add("")
    add(
        "`REFRESH MATERIALIZED VIEW CONCURRENTLY` holds an EXCLUSIVE lock on its view until "
        "its transaction commits. A read blocked by it would wait in pg_stat_activity "
        "(`wait_event_type = 'Lock'`) until that commit, so it could not end before the "
        "refresh did. Each report read is matched with the refresh windows of the view it "
        "reads (start and end of each refresh, from reports.refresh_log; successful reads "
        "only); the telling reads "
        f"are those that started at least {DEEP_INSIDE_MS:,} ms before the end of a refresh "
        "of their view: blocked, they would have lasted at least that long."
    )
    add("")
    add(
        "| endpoint | view | median refresh ms | reads overlapping its refreshes | their "
        f"p50 / max ms | started >= {deep_s:g} s before a refresh ended | of those, ended "
        "after it | reads outside any refresh: p50 / max ms |"
    )
    add("|---|---|---:|---:|---:|---:|---:|---:|")
    all_windows = sorted(windows, key=lambda w: w.start)
    all_starts = [w.start for w in all_windows]
    overlapped = deep_reads = outlasted = 0

    def cell(values: list[float]) -> str:
        return f"{ms(pct(values, 50))} / {ms(values[-1])}" if values else "-"

    for name in names:
        if name not in ENDPOINT_VIEWS:
            continue
        view = ENDPOINT_VIEWS[name]
        reads = [r for r in by_name[name] if not r.failed]  # a failed read proves nothing
        own = [w for w in all_windows if view is None or w.view == view]
        own_starts = [w.start for w in own]
        during = sorted(r.ms for r in reads if overlapping(r, own, own_starts))
        outside = sorted(r.ms for r in reads if not overlapping(r, all_windows, all_starts))
        deep = late = 0
        for r in reads:
            w = enclosing(r, own, own_starts)
            if w is not None and w.end - r.start >= deep_s:
                deep += 1
                late += r.end >= w.end
        overlapped += len(during)
        deep_reads += deep
        outlasted += late
        view_ms = statistics.median([w.ms for w in own]) if own else 0.0
        add(
            f"| `{name}` | {view or 'all (catalog)'} | {ms(view_ms)} | {len(during):,} | "
            f"{cell(during)} | {deep:,} | {late} | {cell(outside)} |"
        )
    add("")
    report_waits = activity.report_read_waits()
    add(
        f"pg_stat_activity, sampled every {SAMPLE_EVERY_S * 1000:.0f} ms (a read blocked for "
        f"{DEEP_INSIDE_MS:,} ms would be caught about {DEEP_INSIDE_MS / 1000 / SAMPLE_EVERY_S:.0f} "
        f"times): {activity.samples:,} samples, {activity.samples_refreshing:,} of them while a "
        f"`REFRESH MATERIALIZED VIEW CONCURRENTLY` ran; {activity.report_reads_seen:,} report "
        f"queries of the app caught running, {activity.report_reads_during_refresh:,} of them "
        f"during a refresh; **{len(report_waits)} report queries waiting on a lock**; "
        f"{len(activity.lock_waits)} lock waits of any query of the app or the refresh loop."
    )
    for wait in activity.lock_waits[:10]:
        add(
            f"- {wait.application} waited on {wait.wait_event}: `{wait.query}` "
            f"(blocked by: {wait.blockers or '?'})"
        )
    add("")

    # Verdict.
    no_errors = failed == 0 and locust_rc == 0 and bool(requests)
    refresh_ok = bool(refreshed) and refresh_failures == 0 and all(r.returncode == 0 for r in runs)
    not_blocked = not report_waits and outlasted == 0 and deep_reads > 0
    add("## Verdict")
    add("")
    add(
        f"- Errors: **{'none' if no_errors else 'YES'}** "
        f"({failed} failed of {len(requests):,} requests)."
    )
    add(
        f"- Refresh loop: **{'every run succeeded' if refresh_ok else 'FAILURES'}** "
        f"({len(refreshed)} full refreshes, all started during the load)."
    )
    if not_blocked:
        add(
            "- Report reads blocked by a refresh: **none**. "
            f"{overlapped:,} report reads overlapped a refresh of the view they read; "
            f"{deep_reads:,} of them started at least {DEEP_INSIDE_MS:,} ms before that "
            "refresh committed and every one of them ended before it did (a blocked read "
            "cannot), and pg_stat_activity never showed a report query waiting on a lock."
        )
    else:
        add(
            f"- Report reads blocked by a refresh: **SUSPECTED or not shown**: "
            f"{len(report_waits)} report queries seen waiting on a lock, {outlasted} of "
            f"{deep_reads} reads that started {DEEP_INSIDE_MS:,} ms or more before the end of "
            "a refresh of their view outlasted it (none such reads: not exercised)."
        )
    add("")
    return Result(out, no_errors and refresh_ok and not_blocked)


# --- main ---


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="locust --run-time")
    parser.add_argument("--users", type=int, default=16, help="concurrent locust users")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--orders", type=int, default=200_000, help="generated once")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="load_orders")
    parser.add_argument(
        "--doc", type=Path, default=DOC, help="where to write the result (runs of 60 s or more)"
    )
    parser.add_argument("--no-doc", dest="doc", action="store_const", const=None)
    parser.add_argument(
        "--keep", type=Path, help="keep locust's CSVs and the per-request log in this directory"
    )
    args = parser.parse_args()
    command = shlex.join([".venv/bin/python", "-m", "loadtest.run", *sys.argv[1:]])

    setup_django()
    use_load_database(args.database)
    from orders.api_keys import api_key_create
    from orders.models import ApiKey, ApiKeyScope

    dataset, generated, customers = prepare_dataset(orders=args.orders, seed=args.seed)
    version, machine = server_facts()
    run = f"LT{int(time.time())}{secrets.token_hex(2)}"
    key_name = f"loadtest-{run}"
    key = api_key_create(name=key_name, scope=ApiKeyScope.WRITE)
    refresh_env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_DEMO": os.environ.get("DJANGO_DEMO", "1"),
        "PGAPPNAME": REFRESH_APP,
    }
    try:
        with (
            tempfile.TemporaryDirectory(prefix="loadtest-") as tmp,
            GunicornServer(workers=args.workers, environment={"PGAPPNAME": SERVER_APP}) as server,
        ):
            tmp_path = Path(tmp)
            if args.keep is not None:
                args.keep.mkdir(parents=True, exist_ok=True)
                tmp_path = args.keep
            print(
                f"gunicorn ({args.workers} workers) at {server.url}; {args.users} users for "
                f"{args.seconds} s with refresh_reports in a loop ...",
                flush=True,
            )
            began = time.time()
            cpu_before, load_before = cpu_times(), os.getloadavg()[0]
            sampler = ActivitySampler()
            loop = RefreshLoop(refresh_env)
            sampler.start()
            loop.start()
            try:
                locust_rc = run_locust(
                    args,
                    url=server.url,
                    key=key,
                    run=run,
                    generated=generated,
                    customers=customers,
                    tmp=tmp_path,
                )
            finally:
                cpu_after = cpu_times()  # before the last refresh finishes without load
                loop.stop()
                activity = sampler.stop()
            windows, refresh_failures = refresh_windows(began)
            total = cpu_after[1] - cpu_before[1]
            cpu_busy = (cpu_after[0] - cpu_before[0]) / total if total > 0 else None
            samples = tmp_path / "requests.csv"
            result = analyse(
                args=args,
                command=command,
                machine=machine,
                version=version,
                dataset=dataset,
                requests=read_requests(samples) if samples.exists() else [],
                locust_rc=locust_rc,
                loop=loop,
                windows=windows,
                refresh_failures=refresh_failures,
                activity=activity,
                began=began,
                cpu_busy=cpu_busy,
                load_before=load_before,
            )
    finally:
        ApiKey.objects.filter(name=key_name).delete()
    text = "\n".join(result.lines)
    print()
    print(text)
    if args.doc is not None and args.seconds < MIN_DOCUMENTED_S:
        print(f"Not written to {args.doc}: runs shorter than {MIN_DOCUMENTED_S} s are trials.")
    elif args.doc is not None:
        args.doc.parent.mkdir(parents=True, exist_ok=True)
        args.doc.write_text(text + "\n")
        print(f"Written to {args.doc}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
