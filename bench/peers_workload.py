"""bench.peers' measurements: one pgbench run of the write mix, the follower beside it, a
freshness probe and a change-log sampler.

The mix (bench/sql/peers_*.sql): a status change 50 %, an order upsert replacing its items with
3 new ones 30 %, a new order with 3 items 20 %. Latency percentiles come from pgbench's
per-transaction log; freshness from a probe that commits one empty order every `probe_every_s`
and polls, every `poll_s`, until the stored report covers it.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from project.sqlfiles import BASE_DIR, read_sql

SCRIPTS = (("peers_status.sql", 50), ("peers_upsert.sql", 30), ("peers_new_order.sql", 20))
CAPTURE_OFF = "-c reports.capture=off"
TPS_LINE = re.compile(r"^tps = ([0-9.]+) \(without initial connection time\)", re.MULTILINE)
FAILED_LINE = re.compile(r"number of failed transactions: (\d+)")
MAX_TRIES = 10  # a deadlock or serialization failure is retried, then counted as failed
LAG_DEADLINE_S = 60.0  # a probe commit not covered this long after it counts as missed
FOLLOW_START_S = 300.0


@dataclass
class Cell:
    mode: str
    clients: int
    tps: float = 0.0
    transactions: int = 0
    failed: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    lags_ms: list[float] = field(default_factory=list)
    probes: int = 0
    depth: list[tuple[float, int]] = field(default_factory=list)  # (seconds in, change-log rows)
    drain_s: float | None = None
    full_runs: int = 0  # the follower's runs that rebuilt (a backlog past the threshold)

    @property
    def missed(self) -> int:
        return self.probes - len(self.lags_ms)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def connect(conninfo: str, *, capture: bool = True) -> psycopg.Connection:
    options = {} if capture else {"options": CAPTURE_OFF}
    return psycopg.connect(conninfo, autocommit=True, **options)


def pgbench_run(
    *, params: dict, clients: int, seconds: int, capture: bool, variables: dict[str, int]
) -> tuple[float, int, int, list[float]]:
    """(tps, transactions, failed, latencies in ms) of one pgbench run of the mix."""
    env = {**os.environ, "PGHOST": params["host"], "PGPORT": str(params.get("port") or 5432)}
    env |= {"PGUSER": params["user"], "PGDATABASE": params["dbname"]}
    if params.get("password"):
        env["PGPASSWORD"] = params["password"]
    if params.get("pooled"):  # PgBouncer refuses the options parameter; its connect_query sets it
        env.pop("PGOPTIONS", None)
    else:
        env["PGOPTIONS"] = "" if capture else CAPTURE_OFF
    command = ["pgbench", "-n", "-c", str(clients), "-j", str(min(clients, 2))]
    command += ["-T", str(seconds), "-l", "--max-tries", str(MAX_TRIES)]
    for name, value in variables.items():
        command += ["-D", f"{name}={value}"]
    for script, weight in SCRIPTS:
        command += ["-f", f"{BASE_DIR / 'bench' / 'sql' / script}@{weight}"]
    with tempfile.TemporaryDirectory(prefix="peers-pgbench-") as logs:
        command += ["--log-prefix", f"{logs}/tx"]
        done = subprocess.run(  # noqa: S603 (fixed argv, no shell)
            command, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode or not TPS_LINE.search(done.stdout):
            raise RuntimeError(f"pgbench failed: {done.stderr[-2000:]}\n{done.stdout[-1000:]}")
        latencies = []
        for path in Path(logs).iterdir():
            for line in path.read_text().splitlines():
                fields = line.split()
                if len(fields) >= 3 and fields[2].isdigit():  # "failed"/"skipped" otherwise
                    latencies.append(int(fields[2]) / 1000)
    tps = float(TPS_LINE.search(done.stdout).group(1))
    failed = FAILED_LINE.search(done.stdout)
    return tps, len(latencies), int(failed.group(1)) if failed else 0, latencies


class Follower:
    """`manage.py refresh_reports --follow` against the copy, its output in a temporary file."""

    def __init__(self, *, url: str, interval_s: float | None) -> None:
        self.url = url
        self.interval_s = interval_s
        self.output = tempfile.NamedTemporaryFile("w+", prefix="peers-follow-", suffix=".log")  # noqa: SIM115
        self.process: subprocess.Popen | None = None

    def start(self, cursor) -> None:
        """Start it and wait until its as_of passes now (it drained what was waiting)."""
        cursor.execute("SELECT clock_timestamp()")
        started_at = cursor.fetchone()[0]
        command = [sys.executable, str(BASE_DIR / "manage.py"), "refresh_reports", "--follow"]
        if self.interval_s is not None:
            command += ["--interval", str(self.interval_s)]
        self.process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            command,
            env={**os.environ, "DATABASE_URL": self.url},
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + FOLLOW_START_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None or "refresh failed" in self.text():
                self._fail("failed")
            cursor.execute("SELECT as_of >= %s FROM reports_data.refresh_state", [started_at])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.1)
        self._fail(f"did not catch up in {FOLLOW_START_S} s")

    def _fail(self, what: str) -> None:
        """Stop it (no follower outlives the benchmark) and raise with its output."""
        output = self.text()
        self.stop()
        raise RuntimeError(f"the follower {what}: {output}")

    def text(self) -> str:
        self.output.flush()
        return Path(self.output.name).read_text()[-3000:]

    def full_runs(self) -> int:
        """Its runs that rebuilt every report (refresh_reports prints "full: ..." for each)."""
        self.output.flush()
        lines = Path(self.output.name).read_text().splitlines()
        return sum(line.startswith("full:") for line in lines)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()


class Probe(threading.Thread):
    """Commits an empty order for the probe customer every `every_s`; a poller times how long
    until `covered(cursor, committed_at, count)` says the report holds it."""

    def __init__(
        self,
        *,
        conninfo: str,
        capture: bool,
        customer: int,
        covered: Callable[[object, object, int], bool],
        every_s: float,
        poll_s: float,
    ) -> None:
        super().__init__(daemon=True)
        self.writer = connect(conninfo, capture=capture)
        self.reader = connect(conninfo, capture=capture)
        self.customer, self.covered = customer, covered
        self.every_s, self.poll_s = every_s, poll_s
        self.pending: list[tuple[object, int, float]] = []
        self.lags_ms: list[float] = []
        self.commits = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def run(self) -> None:
        statement = read_sql("bench", "peers_probe_order.sql")
        next_at = time.perf_counter()
        with self.writer.cursor() as cursor:
            while not self.stopping.is_set():
                try:
                    cursor.execute(statement, {"customer": self.customer})  # autocommit
                except psycopg.errors.DeadlockDetected:
                    continue  # pg_ivm's view locks: the next attempt is the next probe
                committed = time.perf_counter()
                cursor.execute("SELECT clock_timestamp()")
                self.commits += 1
                with self.lock:
                    self.pending.append((cursor.fetchone()[0], self.commits, committed))
                next_at += self.every_s
                time.sleep(max(0.0, next_at - time.perf_counter()))

    def poll_until(self, stop_at: float) -> None:
        """Poll in the caller's thread until `stop_at` (perf_counter), then until nothing is
        pending or the oldest pending commit is LAG_DEADLINE_S old."""
        with self.reader.cursor() as cursor:
            while True:
                now = time.perf_counter()
                if now >= stop_at:
                    self.stopping.set()
                with self.lock:
                    pending = list(self.pending)
                done = 0
                for committed_at, count, committed in pending:
                    if not self.covered(cursor, committed_at, count):
                        break
                    self.lags_ms.append((time.perf_counter() - committed) * 1000)
                    done += 1
                with self.lock:
                    del self.pending[:done]
                    left = list(self.pending)
                settled = not left or time.perf_counter() - left[0][2] > LAG_DEADLINE_S
                if self.stopping.is_set() and not self.is_alive() and settled:
                    return
                time.sleep(self.poll_s)

    def close(self) -> None:
        self.stopping.set()
        self.join()
        self.writer.close()
        self.reader.close()


class DepthSampler(threading.Thread):
    """The change log's depth (reports_data.order_change rows) every `every_s`."""

    def __init__(self, *, conninfo: str, every_s: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.conn = connect(conninfo)
        self.every_s = every_s
        self.samples: list[tuple[float, int]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        started = time.perf_counter()
        with self.conn.cursor() as cursor:
            while not self.stopping.wait(self.every_s if self.samples else 0):
                cursor.execute("SELECT count(*) FROM reports_data.order_change")
                self.samples.append((time.perf_counter() - started, cursor.fetchone()[0]))

    def close(self) -> list[tuple[float, int]]:
        self.stopping.set()
        self.join()
        self.conn.close()
        return self.samples


def change_log_depth(conninfo: str) -> int:
    with connect(conninfo) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_data.order_change")
        return cursor.fetchone()[0]


def latency_fill(cell: Cell, latencies: list[float]) -> None:
    cell.transactions = len(latencies)
    if latencies:
        cell.p50_ms = statistics.median(latencies)
        cell.p99_ms = percentile(latencies, 0.99)
