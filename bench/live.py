"""The live reports on the benchmark dataset: what keeping them current costs, and what it buys.

a. Incremental refresh after `changes` changed orders (status changes and refunds, item
   replacements, re-uploads through the upload service), a warm-up round then `rounds` timed
   rounds, against a full rebuild (`refresh_reports --full`).
b. The write path with the change capture on and off (`reports.capture`): a bulk status insert,
   an upload of new orders and re-uploads of existing ones, each in a transaction rolled back.
c. What the live machinery stores: the reports_data tables and orderitem_sku_newest_idx.
d. Freshness: `refresh_reports --follow` in a process of its own while another session commits
   small changes; the lag from each commit until `as_of` covers it.
e. The report endpoints answered from the stored reports.

Every change committed here is undone at the end of its part (and the undo applied), so the
dataset and its reports are left as they were; with `check`, check_reports then compares every
stored report with its definition.
"""

from __future__ import annotations

import datetime
import json
import os
import random
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
from decimal import Decimal
from pathlib import Path

from django.conf import settings as django_settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from bench.cancelled import endpoint_get
from bench.datasets import reports_vacuum, tables_vacuum
from bench.measure import (
    Measurement,
    MeasureSettings,
    Timing,
    is_timeout,
    measure,
    set_statement_timeout,
)
from bench.reporting import DAILY_DAYS, LOYAL_MIN_COMPLETED, RefreshError, refresh_checked
from bench.support import ApiClient, database_url, raw_connection
from bench.upload import make_batches
from bench.writes import status_batch_prepare
from orders.models import Status
from orders.schemas import UploadIn
from orders.services import order_upsert_many
from project.sqlfiles import read_sql, run_sql
from reports.consistency import reports_check
from reports.refresh import FOLLOW_INTERVAL_S, FULL, INCREMENTAL, reports_pending
from reports.selectors import product_top, report_rows, revenue_daily_last_day

SAMPLE_SEED = 20261122
SAMPLE_MARGIN = 5  # sample this many times the orders needed (Pending orders are the scarcest)
# The kinds of change in a round and their shares of it.
COMPLETE, REFUND, ITEMS, UPLOAD = "complete", "refund", "items", "upload"
CHANGE_KINDS = {
    COMPLETE: ("status: Pending → Complete", 0.25),
    REFUND: ("refund: Complete → Cancelled", 0.25),
    ITEMS: ("items replaced (2 other products), total updated", 0.30),
    UPLOAD: ("re-upload via order_upsert_many: total + status changed", 0.20),
}
NEW_ITEMS = 2
UPLOAD_CUSTOMERS_STEP = 10
UPLOAD_STATUS = {Status.COMPLETE: "refunded"}  # anything else: "paid" (Complete)
CAPTURE_OFF = "SELECT set_config('reports.capture', 'off', true)"
CARRIED_PLAN_TIMEOUT_S = 60.0
CARRIED_PLAN_NOTE = (
    "PL/pgSQL keeps the plan of a trigger's statement from its first call in a session; here "
    "that first call is a one-row write, as on a long-lived connection (a web worker), and "
    "the bulk insert then runs with the capture triggers' plans made for one-row transition "
    "tables. A capture trigger that joined new_rows to old_rows kept a nested loop and made "
    "this quadratic (over 60 s for 100,000 rows); comparing them with EXCEPT does not."
)
UPLOAD_RUNS = 7  # timed runs of each upload variant, on and off alternating
FOLLOW_START_S = 60.0
LAG_DEADLINE_S = 30.0  # a change not covered by as_of this long after its commit counts as missed
POLL_S = 0.005
RUN_LINE = re.compile(r"^incremental: .* in ([\d,]+) ms$")

TARGET_INCREMENTAL_S = 1.0
TARGET_SPEEDUP = 100
TARGET_CAPTURE_RATIO = 1.3
TARGET_LAG_P99_S = 2.0
TARGET_ENDPOINT_P50_S = 0.005

ERROR_SHORT = "the sample holds {found} {kind} orders, {needed} needed: use fewer --live-changes"
ERROR_FOLLOWER = "refresh_reports --follow {what}; its output:\n{output}"
ERROR_NOT_APPLIED = "the reports still have changes pending after the live benchmark"


class LiveError(RuntimeError):
    pass


@dataclass(frozen=True)
class RefreshSample:
    mode: str
    seconds: float  # wall time of reports_refresh(), its commit included
    orders_touched: int
    orders_changed: int
    customers_touched: int


@dataclass(frozen=True)
class IncrementalRound:
    number: int  # 0: the warm-up
    mix: dict[str, int]
    write_s: float
    refresh: RefreshSample

    @property
    def orders(self) -> int:
        return sum(self.mix.values())


@dataclass(frozen=True)
class WriteCost:
    label: str
    rows: str
    on: Timing
    off: Timing

    note: str = ""

    @property
    def ratio(self) -> float:
        """On ÷ off; a lower bound when the run with capture timed out."""
        return self.on.lower_bound / self.off.lower_bound

    @property
    def ratio_text(self) -> str:
        return f"{'≥ ' if self.on.timed_out else ''}{self.ratio:,.2f}x"


@dataclass(frozen=True)
class StoredSize:
    name: str
    kind: str
    rows: int
    bytes: int


@dataclass(frozen=True)
class Freshness:
    changes: int
    spacing_s: float
    follow_interval_s: float
    lags: Timing
    missed: int
    follower_runs: Timing  # the follower's runs that applied something, as it reports them
    follower_log: str


@dataclass(frozen=True)
class EndpointTiming:
    label: str
    path: str
    params: dict
    measurement: Measurement


@dataclass
class LiveResult:
    changes: int
    full: RefreshSample | None = None
    rounds: list[IncrementalRound] = field(default_factory=list)
    undo: RefreshSample | None = None
    storage: list[StoredSize] = field(default_factory=list)
    writes: list[WriteCost] = field(default_factory=list)
    freshness: Freshness | None = None
    endpoints: list[EndpointTiming] = field(default_factory=list)
    check_differences: int | None = None  # None: not checked
    check_s: float | None = None
    vacuum_s: float = 0.0

    @property
    def measured(self) -> list[IncrementalRound]:
        return [r for r in self.rounds if r.number > 0]

    @property
    def incremental_p50_s(self) -> float:
        return statistics.median(r.refresh.seconds for r in self.measured)

    @property
    def speedup(self) -> float:
        return self.full.seconds / self.incremental_p50_s

    @property
    def storage_bytes(self) -> int:
        return sum(s.bytes for s in self.storage if s.kind != ORDERS_KIND)


ORDERS_KIND = "orders_*"


# --- small helpers ----------------------------------------------------------------------------


def _rows(name: str, params: dict | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        run_sql(cursor, "bench", name, params)
        return cursor.fetchall() if cursor.description else []


def _json(rows: list[dict]) -> str:
    return json.dumps(rows, default=str)


def _refresh(*, full: bool = False) -> RefreshSample:
    started = time.perf_counter()
    run = refresh_checked(full=full)
    return RefreshSample(
        run.mode,
        time.perf_counter() - started,
        run.orders_touched,
        run.orders_changed,
        run.customers_touched,
    )


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def _timing_text(timing: Timing) -> str:
    if timing.timed_out:
        return f"> {timing.timed_out_after:,.0f} s (timeout)"
    return _ms(timing.p50)


# --- choosing the orders to change ------------------------------------------------------------


@dataclass
class UploadOrder:
    username: str
    id: int
    body: dict


@dataclass
class Plan:
    """Which orders each part changes; every id in at most one place."""

    rounds: list[dict[str, list]]  # per round: kind -> order ids (UPLOAD: list of UploadOrder)
    write_uploads: list[UploadOrder]
    lag_ids: list[int]


def _upload_orders(customers: list[int]) -> list[UploadOrder]:
    orders = []
    for username, id_, number, created, total, status, status_at, items in _rows(
        "live_customer_orders.sql", {"customers": customers}
    ):
        orders.append(
            UploadOrder(
                username,
                id_,
                {
                    "order_number": number,
                    "created_at": created.isoformat(),
                    "total_amount": total + Decimal("1.00"),
                    "status": UPLOAD_STATUS.get(status, "paid"),
                    "status_at": (status_at + datetime.timedelta(hours=1)).isoformat(),
                    "items": json.loads(items, parse_float=Decimal),
                },
            )
        )
    return orders


def _plan(*, orders: int, changes: int, rounds: int, upload_orders: int, lag: int) -> Plan:
    counts = {kind: round(changes * share) for kind, (_, share) in CHANGE_KINDS.items()}
    counts[ITEMS] += changes - sum(counts.values())
    total_rounds = rounds + 1
    needed = total_rounds * changes + upload_orders + lag
    per_million = min(1_000_000, round(1_000_000 * SAMPLE_MARGIN * needed / orders))
    sample = _rows("live_sample.sql", {"per_million": per_million, "seed": SAMPLE_SEED})
    random.Random(SAMPLE_SEED).shuffle(sample)  # noqa: S311 (a repeatable sample, not a secret)

    # Uploads first: they take whole customers, whose orders then go nowhere else.
    customers = list(dict.fromkeys(customer for _, customer, _ in sample))
    wanted_uploads = total_rounds * counts[UPLOAD] + upload_orders
    chosen: list[int] = []
    uploads: list[UploadOrder] = []
    while len(uploads) < wanted_uploads and len(chosen) < len(customers):
        more = customers[len(chosen) : len(chosen) + UPLOAD_CUSTOMERS_STEP]
        chosen += more
        uploads += _upload_orders(more)
    if len(uploads) < wanted_uploads:
        raise LiveError(
            ERROR_SHORT.format(found=len(uploads), kind="uploadable", needed=wanted_uploads)
        )
    taken = {order.id for order in uploads}
    chosen_set = set(chosen)
    free = [(id_, status) for id_, customer, status in sample if customer not in chosen_set]
    pools = {
        COMPLETE: [id_ for id_, status in free if status == Status.PENDING],
        REFUND: [id_ for id_, status in free if status == Status.COMPLETE],
    }
    for kind, pool in pools.items():
        if len(pool) < total_rounds * counts[kind]:
            raise LiveError(
                ERROR_SHORT.format(found=len(pool), kind=kind, needed=total_rounds * counts[kind])
            )
    plan_rounds = []
    for number in range(total_rounds):
        plan_round = {}
        for kind in (COMPLETE, REFUND):
            plan_round[kind] = pools[kind][number * counts[kind] : (number + 1) * counts[kind]]
            taken.update(plan_round[kind])
        plan_round[UPLOAD] = uploads[number * counts[UPLOAD] : (number + 1) * counts[UPLOAD]]
        plan_rounds.append(plan_round)
    rest = [id_ for id_, _ in free if id_ not in taken]
    for plan_round in plan_rounds:
        plan_round[ITEMS], rest = rest[: counts[ITEMS]], rest[counts[ITEMS] :]
    if len(rest) < lag or any(len(r[ITEMS]) < counts[ITEMS] for r in plan_rounds):
        raise LiveError(ERROR_SHORT.format(found=len(rest), kind="other", needed=lag))
    return Plan(
        rounds=plan_rounds,
        write_uploads=uploads[total_rounds * counts[UPLOAD] : wanted_uploads],
        lag_ids=rest[:lag],
    )


# --- the changes and their undo ---------------------------------------------------------------


def _upload(orders: list[UploadOrder]) -> None:
    """One order_upsert_many per customer, as the endpoint would run them."""
    by_user: dict[str, list[dict]] = {}
    for order in orders:
        by_user.setdefault(order.username, []).append(order.body)
    for username, bodies in by_user.items():
        order_upsert_many(
            upload=UploadIn.model_validate({"user": username, "orders": bodies}),
            received_at=timezone.now(),
        )


def _replace_items(ids: list[int], catalog: list[tuple]) -> None:
    items = [
        {
            "id": None,
            "order_id": order_id,
            "sku": catalog[(order_id * 7 + k * 31) % len(catalog)][0],
            "name": catalog[(order_id * 7 + k * 31) % len(catalog)][1],
            "quantity": 1 + (order_id + k) % 3,
            "price": catalog[(order_id * 7 + k * 31) % len(catalog)][2],
        }
        for order_id in ids
        for k in range(NEW_ITEMS)
    ]
    with transaction.atomic():
        _rows("live_items_delete.sql", {"ids": ids})
        _rows("live_items_insert.sql", {"items": _json(items)})
        _rows("live_totals_from_items.sql", {"ids": ids})


@dataclass
class Undo:
    """What the committed changes overwrote, to put back."""

    status_after: int
    totals: list[dict] = field(default_factory=list)
    items_orders: list[int] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)
    status_orders: list[int] = field(default_factory=list)

    def remember(self, ids: list[int], *, items: bool = False) -> None:
        self.status_orders += ids
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, total_amount FROM orders_order WHERE id = ANY(%s)", [ids])
            self.totals += [{"id": id_, "total_amount": total} for id_, total in cursor]
        if items:
            self.items_orders += ids
            self.items += [
                dict(zip(("id", "order_id", "sku", "name", "quantity", "price"), row, strict=True))
                for row in _rows("live_items_of.sql", {"ids": ids})
            ]

    def apply(self) -> None:
        with transaction.atomic():
            if self.items_orders:
                _rows("live_items_delete.sql", {"ids": self.items_orders})
                _rows("live_items_insert.sql", {"items": _json(self.items)})
            _rows("live_totals_restore.sql", {"orders": _json(self.totals)})
            _rows("live_statuses_undo.sql", {"after": self.status_after, "ids": self.status_orders})


def _status_max_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM orders_orderstatus")
        return cursor.fetchone()[0]


def _round_changes(plan_round: dict[str, list], catalog: list[tuple]) -> tuple[dict, float]:
    """Commit one round's changes: each kind in its own transaction(s), as separate writers."""
    started = time.perf_counter()
    with transaction.atomic():
        _rows("live_status_change.sql", {"ids": plan_round[COMPLETE] + plan_round[REFUND]})
    _replace_items(plan_round[ITEMS], catalog)
    _upload(plan_round[UPLOAD])
    mix = {kind: len(plan_round[kind]) for kind in CHANGE_KINDS}
    return mix, time.perf_counter() - started


def incremental_measure(
    result: LiveResult, plan: Plan, *, log: Callable[[str], None] = print
) -> None:
    catalog = _rows("live_catalog.sql")
    undo = Undo(status_after=_status_max_id())
    try:
        for number, plan_round in enumerate(plan.rounds):
            undo.remember(
                plan_round[COMPLETE] + plan_round[REFUND] + [o.id for o in plan_round[UPLOAD]]
            )
            undo.remember(plan_round[ITEMS], items=True)
            mix, write_s = _round_changes(plan_round, catalog)
            refresh = _refresh()
            if refresh.mode != INCREMENTAL:
                raise LiveError(f"expected an incremental refresh, got {refresh.mode}")
            name = "warm-up" if number == 0 else f"round {number}"
            log(
                f"  live: {name}: {sum(mix.values()):,} orders changed (written in "
                f"{_ms(write_s)}); incremental refresh {_ms(refresh.seconds)} "
                f"({refresh.orders_touched:,} touched, {refresh.orders_changed:,} changed, "
                f"{refresh.customers_touched:,} customers)"
            )
            result.rounds.append(IncrementalRound(number, mix, write_s, refresh))
    finally:  # also after a failure: the dataset goes back to how it was
        undo.apply()
        result.undo = _refresh()
    log(
        f"  live: incremental p50 {_ms(result.incremental_p50_s)} vs full "
        f"{_ms(result.full.seconds)}: {result.speedup:,.0f}x"
    )
    log(
        f"  live: undo of {result.undo.orders_touched:,} orders applied in "
        f"{_ms(result.undo.seconds)}"
    )


# --- b. the write path with and without capture -----------------------------------------------


def _timed_rolled_back(action: Callable[[], None], *, capture: bool) -> float:
    """`action` timed in a transaction rolled back, with fresh trigger plans (DISCARD PLANS)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DISCARD PLANS")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if not capture:
            cursor.execute(CAPTURE_OFF)
        started = time.perf_counter()
        action()
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def _on_off(action: Callable[[], None], *, runs: int) -> tuple[Timing, Timing]:
    """A warm-up of each, then `runs` of each alternating (which goes first alternates too)."""
    on, off = Timing(), Timing()
    for number in range(runs + 1):
        order = (True, False) if number % 2 == 0 else (False, True)
        for capture in order:
            elapsed = _timed_rolled_back(action, capture=capture)
            if number:
                (on if capture else off).samples.append(elapsed)
    return on, off


def _after_one_row_write(statement: str, *, capture: bool, timeout_s: float) -> Timing:
    """The bulk insert once, in a transaction whose first write was one row.

    PL/pgSQL plans a trigger's statement at its first call in a session and keeps the plan: a
    capture trigger first called with one-row transition tables keeps a plan for one row.
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DISCARD PLANS")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true)", [f"{round(timeout_s * 1000)}ms"]
            )
            if not capture:
                cursor.execute(CAPTURE_OFF)
            run_sql(cursor, "bench", "live_status_insert_one.sql")
            started = time.perf_counter()
            cursor.execute(statement)
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
    except DatabaseError as error:
        if not is_timeout(error):
            raise
        return Timing(timed_out_after=timeout_s)
    return Timing([elapsed])


def writes_measure(
    *,
    status_rows: int,
    repeat: int,
    upload_orders: int,
    reuploads: list[UploadOrder],
    timeout_s: float,
    log: Callable[[str], None] = print,
) -> list[WriteCost]:
    with connection.cursor() as cursor:
        set_statement_timeout(cursor, timeout_s)
    costs = []
    try:
        inserted = status_batch_prepare(rows=status_rows)
        statement = read_sql("bench", "writes_status_insert.sql")

        def insert() -> None:
            with connection.cursor() as cursor:
                cursor.execute(statement)

        log(f"  live: bulk insert of {inserted:,} status rows, capture on / off")
        on, off = _on_off(insert, runs=repeat)
        costs.append(
            WriteCost("bulk status insert (INSERT … SELECT)", f"{inserted:,} rows", on, off)
        )
        carried_timeout = min(timeout_s, CARRIED_PLAN_TIMEOUT_S)
        log(f"  live: the same after a one-row write in the session (timeout {carried_timeout} s)")
        on = _after_one_row_write(statement, capture=True, timeout_s=carried_timeout)
        off = _after_one_row_write(statement, capture=False, timeout_s=carried_timeout)
        costs.append(
            WriteCost(
                "the same, after a one-row write in the same session (n=1)",
                f"{inserted:,} rows",
                on,
                off,
                note=CARRIED_PLAN_NOTE,
            )
        )
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_status_batch")

        batch = json.loads(
            json.dumps(make_batches(f"L{int(time.time())}", 1, upload_orders, 3)[0]),
            parse_float=Decimal,
        )
        new_upload = UploadIn.model_validate(batch)

        def upload_new() -> None:
            order_upsert_many(upload=new_upload, received_at=timezone.now())

        log(f"  live: upload of {upload_orders:,} new orders, capture on / off")
        on, off = _on_off(upload_new, runs=UPLOAD_RUNS)
        costs.append(
            WriteCost(
                "order_upsert_many: new orders x 3 items (1 upload)",
                f"{upload_orders:,} orders",
                on,
                off,
            )
        )
        customers = len({o.username for o in reuploads})
        log(f"  live: re-upload of {len(reuploads):,} existing orders, capture on / off")
        on, off = _on_off(lambda: _upload(reuploads), runs=UPLOAD_RUNS)
        costs.append(
            WriteCost(
                "order_upsert_many: existing orders, total + status changed "
                f"({customers} upload{'s' if customers != 1 else ''})",
                f"{len(reuploads):,} orders",
                on,
                off,
            )
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
    for cost in costs:
        log(
            f"  live: {cost.label}: on {_timing_text(cost.on)}, off {_timing_text(cost.off)}: "
            f"{cost.ratio_text}"
        )
    return costs


# --- c. storage -------------------------------------------------------------------------------


def storage_measure() -> list[StoredSize]:
    rank = {"reports_data table": 0, "index on orders_orderitem": 1}
    sizes = [StoredSize(*row) for row in _rows("live_storage.sql")]
    return sorted(sizes, key=lambda s: (rank.get(s.kind, 2), -s.bytes))


# --- d. freshness -----------------------------------------------------------------------------


def _server_now(cursor) -> datetime.datetime:
    cursor.execute("SELECT clock_timestamp()")
    return cursor.fetchone()[0]


def _as_of(cursor) -> datetime.datetime | None:
    cursor.execute("SELECT as_of FROM reports_data.refresh_state")
    return cursor.fetchone()[0]


class Follower:
    """`manage.py refresh_reports --follow` in a process of its own, on the same database."""

    def __init__(self, *, interval_s: float) -> None:
        self.interval_s = interval_s
        name = f"bench_follow_{connection.settings_dict['NAME']}.log"
        self.path = Path(tempfile.gettempdir()) / name
        self.output = self.path.open("w+")
        self.process: subprocess.Popen | None = None

    def start(self, reader) -> None:
        started_at = _server_now(reader)
        environment = {**os.environ, "DATABASE_URL": database_url()}
        manage = str(django_settings.BASE_DIR / "manage.py")
        command = [sys.executable, manage, "refresh_reports", "--follow"]
        self.process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            [*command, "--interval", str(self.interval_s)],
            env=environment,
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + FOLLOW_START_S
        while time.monotonic() < deadline:  # its first run moves as_of past started_at
            if self.process.poll() is not None:
                raise LiveError(ERROR_FOLLOWER.format(what="exited", output=self.text()))
            as_of = _as_of(reader)
            if as_of is not None and as_of >= started_at:
                return
            time.sleep(0.05)
        raise LiveError(ERROR_FOLLOWER.format(what="did not start", output=self.text()))

    def text(self) -> str:
        if not self.output.closed:
            self.output.flush()
        return self.path.read_text()[-3000:]

    def stop(self) -> list[float]:
        """SIGTERM and wait; the durations of its runs that applied something (it prints them)."""
        if self.process is None:
            return []
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.returncode not in (0, -signal.SIGTERM):
            raise LiveError(
                ERROR_FOLLOWER.format(
                    what=f"ended with {self.process.returncode}", output=self.text()
                )
            )
        self.output.flush()
        return [
            int(match.group(1).replace(",", "")) / 1000
            for match in map(RUN_LINE.search, self.path.read_text().splitlines())
            if match
        ]

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.output.close()


def freshness_measure(
    ids: list[int], *, spacing_s: float, log: Callable[[str], None] = print
) -> Freshness:
    """Commit one status change every `spacing_s` while a poller watches as_of catch up."""
    writer = raw_connection()
    reader = raw_connection()
    follower = Follower(interval_s=FOLLOW_INTERVAL_S)
    pending: list[tuple[datetime.datetime, float]] = []
    lags: list[float] = []
    lock = threading.Lock()
    writing_done = threading.Event()
    status_after = _status_max_id()

    def poll() -> None:
        with reader.cursor() as cursor:
            while True:
                as_of = _as_of(cursor)
                seen = time.perf_counter()
                with lock:
                    while pending and as_of is not None and pending[0][0] <= as_of:
                        lags.append(seen - pending.pop(0)[1])
                    if writing_done.is_set() and (
                        not pending or seen - pending[0][1] > LAG_DEADLINE_S
                    ):
                        return
                time.sleep(POLL_S)

    try:
        with reader.cursor() as cursor:
            follower.start(cursor)
        log(f"  live: refresh_reports --follow started; {len(ids)} commits {spacing_s}s apart")
        poller = threading.Thread(target=poll)
        poller.start()
        try:
            statement = read_sql("bench", "live_status_change.sql")
            with writer.cursor() as cursor:
                next_at = time.perf_counter()
                for order_id in ids:
                    cursor.execute(statement, {"ids": [order_id]})  # autocommit: committed
                    committed = time.perf_counter()
                    # The server's clock after the commit: a snapshot as_of at or after it sees it.
                    committed_at = _server_now(cursor)
                    with lock:
                        pending.append((committed_at, committed))
                    next_at += spacing_s
                    time.sleep(max(0.0, next_at - time.perf_counter()))
        finally:
            writing_done.set()
            poller.join()
        runs = Timing(follower.stop())
    finally:
        follower.close()
        writer.close()
        reader.close()
        with transaction.atomic():
            _rows("live_statuses_undo.sql", {"after": status_after, "ids": ids})
        _refresh()
    result = Freshness(
        changes=len(ids),
        spacing_s=spacing_s,
        follow_interval_s=FOLLOW_INTERVAL_S,
        lags=Timing(lags),
        missed=len(ids) - len(lags),
        follower_runs=runs,
        follower_log=str(follower.path),
    )
    if not lags:
        raise LiveError(ERROR_FOLLOWER.format(what="never caught up", output=follower.text()))
    log(
        f"  live: freshness lag p50 {_ms(result.lags.p50)}, p99 {_ms(result.lags.p99)}, "
        f"max {_ms(max(lags))} ({result.missed} missed); {len(runs.samples)} follower runs "
        f"that applied something, p50 {_ms(runs.p50 or 0)} (its output: {follower.path})"
    )
    return result


# --- e. endpoints -----------------------------------------------------------------------------


def _stats_users() -> tuple[tuple[str, int], tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "(SELECT username, orders_count FROM reports_data.customer_stats "
            " ORDER BY orders_count DESC, customer_id LIMIT 1) "
            "UNION ALL "
            "(SELECT username, orders_count FROM reports_data.customer_stats "
            " WHERE orders_count > 0 ORDER BY orders_count, customer_id LIMIT 1)"
        )
        many, few = cursor.fetchall()
    return many, few


def endpoints_measure(
    *, settings: MeasureSettings, log: Callable[[str], None] = print
) -> list[EndpointTiming]:
    (many, many_n), (few, few_n) = _stats_users()
    top_sku = report_rows(product_top(by="revenue", limit=1))[0]["sku"]
    last = revenue_daily_last_day()
    first = last - datetime.timedelta(days=DAILY_DAYS - 1)
    cases = [
        (f"stats, most orders ({many_n})", "/api/orders/stats", {"user": many}),
        (f"stats, fewest orders ({few_n})", "/api/orders/stats", {"user": few}),
        ("customers ranking", "/api/reports/customers/ranking", {"limit": 50}),
        (
            "customers loyal",
            "/api/reports/customers/loyal",
            {"min_completed_orders": LOYAL_MIN_COMPLETED, "limit": 50},
        ),
        ("products top", "/api/reports/products/top", {"by": "revenue", "limit": 10}),
        ("also bought", f"/api/reports/products/{top_sku}/also-bought", {"limit": 10}),
        ("revenue monthly", "/api/reports/revenue/monthly", {}),
        (
            f"revenue daily ({DAILY_DAYS} days)",
            "/api/reports/revenue/daily",
            {"from": first.isoformat(), "to": last.isoformat()},
        ),
    ]
    timings = []
    with ApiClient(name="benchmark-live") as client:
        for label, path, params in cases:
            measured = measure(
                lambda p=path, q=params: endpoint_get(client, p, q),
                settings=settings,
                explain=False,
            )
            log(f"  live: endpoint {label}: p50 {_ms(measured.timing.p50)}")
            timings.append(EndpointTiming(label, path, params, measured))
    return timings


# --- the section ------------------------------------------------------------------------------


def live_measure(
    *,
    orders: int,
    changes: int,
    rounds: int,
    status_rows: int,
    write_repeat: int,
    upload_orders: int,
    lag_changes: int,
    lag_spacing_s: float,
    check: bool,
    settings: MeasureSettings,
    log: Callable[[str], None] = print,
) -> LiveResult:
    result = LiveResult(changes=changes)
    _refresh()  # anything left pending by an earlier section
    log("  live: full refresh (refresh_reports --full)")
    result.full = _refresh(full=True)
    if result.full.mode != FULL:
        raise RefreshError(f"expected a full refresh, got {result.full.mode}")
    log(f"  live: full refresh {_ms(result.full.seconds)} ({result.full.orders_changed:,} orders)")
    result.vacuum_s = reports_vacuum()
    result.storage = storage_measure()
    log(f"  live: storage {result.storage_bytes / 2**20:,.1f} MB")
    plan = _plan(
        orders=orders,
        changes=changes,
        rounds=rounds,
        upload_orders=upload_orders,
        lag=lag_changes,
    )
    incremental_measure(result, plan, log=log)
    result.writes = writes_measure(
        status_rows=min(status_rows, orders),
        repeat=write_repeat,
        upload_orders=upload_orders,
        reuploads=plan.write_uploads,
        timeout_s=settings.timeout_s,
        log=log,
    )
    result.freshness = freshness_measure(plan.lag_ids, spacing_s=lag_spacing_s, log=log)
    tables_vacuum()
    reports_vacuum()
    result.endpoints = endpoints_measure(settings=settings, log=log)
    if reports_pending():
        raise LiveError(ERROR_NOT_APPLIED)
    if check:
        log("  live: check_reports (every stored report against its definition)")
        started = time.perf_counter()
        checked = reports_check()
        if not checked.lock_acquired:
            raise LiveError("check_reports: another refresh_reports run holds the lock")
        result.check_s = time.perf_counter() - started
        result.check_differences = sum(len(keys) for keys in checked.differences.values())
        log(f"  live: check_reports: {result.check_differences} differences")
    return result
