"""Keeping the stored reports current: apply what changed, or rebuild from the definitions.

Writers append the ids of what they touched to a change log (statement-level triggers on the
orders tables, `orders.models.capture_trigger`). A run (`reports_refresh`) is one REPEATABLE
READ transaction, so everything it reads is one snapshot:

- **One at a time.** Its first statement locks the single `reports_data.refresh_state` row
  (`FOR UPDATE NOWAIT`): a second run finds it taken and returns at once. The row lives in a
  schema BI users cannot read, so no BI session can take the lock, and it is a transaction lock,
  so it holds behind a transaction-mode pooler too.
- **Incremental** (`live_apply.sql`): consumes the change log rows visible in the snapshot and
  moves every report by the difference between what the touched orders contributed (as last
  applied) and what they contribute now. The cost follows the number of touched orders.
- **Full** (`full=True`, or when the state says a rebuild is due: never built, a TRUNCATE, or
  `generateorders` writing without capture; or when the log holds so many orders that applying
  them would cost more than rebuilding, `backlog_large`): every stored table is merged from its
  definition, changing only rows that differ, so readers never wait and see the old rows until
  it commits.
- **as_of** becomes the snapshot's time: every write committed before it is in the reports.
- A failure rolls everything back (the last good contents stay), is recorded in
  `reports_data.refresh_log`, counted in `reports_data.refresh_failures` (never pruned: a
  counter for /metrics) and returned; runs that applied something are logged too.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from project.sqlfiles import run_sql
from reports.category import category_apply, category_rebuild_start
from reports.models import RefreshLog
from reports.stored import STORED_TABLES, stored_merge

logger = logging.getLogger(__name__)

INCREMENTAL, FULL = "incremental", "full"
# NOWAIT found the row locked; or a run committed between this snapshot and the lock.
LOCK_TAKEN = {"55P03", "40001"}
ERROR_TEXT_LIMIT = 1000
LOG_KEEP = datetime.timedelta(days=7)
# ... and at most this many rows of each kind: a follower under sustained writes logs tens of
# runs a second, millions a day. Counted every LOG_PRUNE_EVERY rows (the count walks an index).
LOG_KEEP_ROWS = 10_000
LOG_PRUNE_EVERY = 100
# The follower's poll of the change log: at most this long between a commit and the run that
# applies it. Each poll is one query that stops at the log's first row; at 50 a second an idle
# follower costs about 2 % of a core (its process and its server session together), and no
# writer pays anything (LISTEN/NOTIFY would put a lock on every notifying commit).
FOLLOW_INTERVAL_S = 0.02
# A deep change log's batches (reports_follow, next_batch).
QUICK_RUN_MS, SLOW_RUN_MS = 250, 1000
MIN_BATCH_ORDERS = 100


@dataclass(frozen=True)
class RefreshRun:
    lock_acquired: bool
    mode: str | None = None
    as_of: datetime.datetime | None = None
    orders_touched: int = 0
    orders_changed: int = 0
    customers_touched: int = 0
    duration_ms: int = 0
    error: str = ""
    # A bounded batch left changes in the log: the follower runs again without waiting.
    more_pending: bool = False

    @property
    def failed(self) -> bool:
        return bool(self.error)

    def as_dict(self) -> dict:
        return {**self.__dict__, "as_of": self.as_of.isoformat() if self.as_of else None}


def _error_text(error: Exception) -> str:
    text = " ".join(str(error).split())  # PostgreSQL's messages span lines (DETAIL, HINT)
    return text[:ERROR_TEXT_LIMIT] or type(error).__name__


def _lock_taken(error: DatabaseError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) in LOCK_TAKEN


@dataclass(frozen=True)
class Applied:
    orders_touched: int = 0
    orders_changed: int = 0
    customers_touched: int = 0
    # The oldest change left in the log for a later run (the batch was full), or None.
    oldest_left: datetime.datetime | None = None


def apply_pending(cursor, *, batch: int | None = None) -> Applied:
    """The incremental step, in the caller's refresh_snapshot: at most `batch` orders (None:
    every pending one), those changed longest ago first."""
    run_sql(cursor, "reports", "live_pending.sql")
    if not cursor.fetchone()[0]:
        return Applied()  # only as_of moves: no temporary tables for nothing
    rates_expand(cursor)
    working_tables_ensure(cursor)
    run_sql(cursor, "reports", "live_apply.sql", {"batch": batch})
    applied = Applied(*cursor.fetchone())
    run_sql(cursor, "reports", "live_apply_cohorts.sql")  # from live_apply.sql's live_delta
    run_sql(cursor, "reports", "live_apply_money.sql")  # the same
    category_apply(cursor, orders_drained=applied.oldest_left is None)
    return applied


def rates_expand(cursor) -> int:
    """Logged exchange rate changes into the change log as the orders they convert (in the
    caller's snapshot; live_rates.sql). Returns the order changes logged."""
    run_sql(cursor, "reports", "live_rates.sql")
    return cursor.rowcount


def working_tables_ensure(cursor) -> None:
    """The apply's temporary tables, made when this session has none yet (one query a run)."""
    cursor.execute(
        "SELECT to_regclass('pg_temp.live_level') IS NULL, "
        "to_regclass('pg_temp.live_cohort_cell') IS NULL"
    )
    missing, cohorts_missing = cursor.fetchone()
    if missing:
        run_sql(cursor, "reports", "live_tables.sql")
    if cohorts_missing:
        run_sql(cursor, "reports", "live_tables_cohorts.sql")


def backlog_threshold(cursor) -> int:
    """The changed orders above which a full rebuild costs less than applying them: a share
    (REPORTS_FULL_REBUILD_PERCENT) of the orders table's estimated size, never below
    REPORTS_FULL_REBUILD_MIN_ORDERS (docs/DESIGN.md §6, "When a rebuild is cheaper")."""
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'orders_order'::regclass")
    estimated_orders = max(cursor.fetchone()[0], 0)
    return max(
        settings.REPORTS_FULL_REBUILD_MIN_ORDERS,
        round(estimated_orders * settings.REPORTS_FULL_REBUILD_PERCENT / 100),
    )


def backlog_large(cursor) -> bool:
    """Whether the change log holds at least backlog_threshold orders."""
    threshold = backlog_threshold(cursor)
    run_sql(cursor, "reports", "live_backlog.sql", {"limit": threshold})
    return cursor.fetchone()[0] >= threshold


def mark_applied(
    cursor, *, as_of: datetime.datetime, applied: Applied | None = None
) -> datetime.datetime:
    """Everything committed before `as_of` is in the stored reports now, except what a full
    batch left: then only what was committed before the oldest change left. A write committed
    before that change was logged earlier still, so it was in this batch (oldest first). as_of
    never goes back: what an earlier run applied stays applied. Returns the as_of stored."""
    if applied is not None and applied.oldest_left is not None:
        as_of = min(as_of, applied.oldest_left)
    cursor.execute(
        "UPDATE reports_data.refresh_state "
        "SET as_of = greatest(as_of, %s), rebuild_required = false, rebuild_reason = '', "
        "stale_after = %s RETURNING as_of",
        [as_of, datetime.timedelta(seconds=settings.REPORTS_STALE_AFTER_SECONDS)],
    )
    return cursor.fetchone()[0]


def rebuild_steps() -> list[tuple[str, Callable]]:
    """The full rebuild's steps in order, each a function of the cursor (bench.rebuild_profile
    times them one by one)."""

    def contributions(cursor) -> int:
        run_sql(cursor, "reports", "live_rebuild.sql")
        orders = cursor.rowcount
        cursor.execute("RESET max_parallel_workers_per_gather")  # its SET LOCAL, for the rest
        return orders

    def merge(stored):
        return lambda cursor: stored_merge(stored, rebuilding=True)

    return [
        ("order_applied (every order's contribution)", contributions),
        ("catalog_change (consumed)", category_rebuild_start),
        *((stored.name, merge(stored)) for stored in STORED_TABLES),
    ]


def _rebuild(cursor) -> Applied:
    (_, contributions), *merges = rebuild_steps()
    orders = contributions(cursor)
    for _, step in merges:
        step(cursor)
    return Applied(orders, orders, 0)


def _log(*, mode: str, duration_ms: int, error: str = "", **counts) -> None:
    """One refresh_log row for a run that did something, or failed; old rows pruned."""
    now = timezone.now()
    entry = RefreshLog.objects.create(
        view=mode,
        started_at=now - datetime.timedelta(milliseconds=duration_ms),
        finished_at=now,
        duration_ms=duration_ms,
        ok=not error,
        error=error,
        **counts,
    )
    cutoff = now - LOG_KEEP
    if entry.pk % LOG_PRUNE_EVERY == 0:
        kept = RefreshLog.objects.filter(view=mode).order_by("-started_at")
        oldest_kept = kept.values_list("started_at", flat=True)[LOG_KEEP_ROWS - 1 : LOG_KEEP_ROWS]
        cutoff = max([cutoff, *oldest_kept])
    RefreshLog.objects.filter(view=mode, started_at__lt=cutoff).delete()


@contextmanager
def refresh_snapshot() -> Iterator[tuple | None]:
    """A transaction holding the refresh lock, in one REPEATABLE READ snapshot.

    Yields the snapshot's (statement_timestamp, rebuild_required), or None when another run
    holds the lock. Inside a caller's transaction (tests) it shares that transaction.
    """
    own_transaction = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if own_transaction:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        try:
            with transaction.atomic():
                cursor.execute(
                    "SELECT statement_timestamp(), rebuild_required "
                    "FROM reports_data.refresh_state FOR UPDATE NOWAIT"
                )
        except DatabaseError as error:
            if not _lock_taken(error):
                raise
            yield None
            return
        state = cursor.fetchone()
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, true)",
            [str(settings.REFRESH_STATEMENT_TIMEOUT_MS)],
        )
        yield state


def _run(*, full: bool, batch: int | None) -> RefreshRun | None:
    """The run in its transaction; None when another run holds the lock."""
    started = time.perf_counter()
    with refresh_snapshot() as state, connection.cursor() as cursor:
        if state is None:
            return None
        snapshot_at, rebuild_required = state
        if not (full or rebuild_required):
            rates_expand(cursor)  # before backlog_large: a month's correction counts there
        mode = FULL if full or rebuild_required or backlog_large(cursor) else INCREMENTAL
        applied = _rebuild(cursor) if mode == FULL else apply_pending(cursor, batch=batch)
        as_of = mark_applied(cursor, as_of=snapshot_at, applied=applied)
        duration_ms = round((time.perf_counter() - started) * 1000)
        touched, customers = applied.orders_touched, applied.customers_touched
        if touched or customers or mode == FULL:
            _log(
                mode=mode,
                duration_ms=duration_ms,
                rows=applied.orders_changed,
                watermark=touched + customers,
            )
    return RefreshRun(
        lock_acquired=True,
        mode=mode,
        as_of=as_of,
        orders_touched=touched,
        orders_changed=applied.orders_changed,
        customers_touched=customers,
        duration_ms=duration_ms,
        more_pending=applied.oldest_left is not None,
    )


def _count_failure() -> None:
    """reports_refresh_failures_total on /metrics: refresh_log's failures are pruned."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE reports_data.refresh_failures SET total = total + 1")


def _record_failure(*, mode: str, started: float, error: Exception) -> RefreshRun:
    message = _error_text(error)
    duration_ms = round((time.perf_counter() - started) * 1000)
    if connection.connection is None or not connection.is_usable():
        connection.close()  # the next query opens a new session
    try:
        with transaction.atomic():
            _log(mode=mode, duration_ms=duration_ms, error=message)
            _count_failure()
    except DatabaseError:
        logger.exception("could not record the failed refresh in reports_data.refresh_log")
        connection.close()
    return RefreshRun(lock_acquired=True, mode=mode, duration_ms=duration_ms, error=message)


def reports_refresh(*, full: bool = False, batch: int | None = None) -> RefreshRun:
    """Bring the stored reports up to date once; see the module docstring. With `batch`, an
    incremental run applies at most that many orders (`more_pending` says whether it left
    some)."""
    started = time.perf_counter()
    try:
        run = _run(full=full, batch=batch)
    except DatabaseError as error:
        return _record_failure(mode=FULL if full else INCREMENTAL, started=started, error=error)
    return run if run is not None else RefreshRun(lock_acquired=False)


def reports_pending() -> bool:
    """Whether a run has anything to do (a change not applied yet, or a rebuild due)."""
    with connection.cursor() as cursor:
        run_sql(cursor, "reports", "live_pending.sql")
        return cursor.fetchone()[0]


def reports_follow(
    *,
    stop: threading.Event,
    interval: float = FOLLOW_INTERVAL_S,
    heartbeat: float = 5.0,
    on_run: Callable[[RefreshRun], None] = lambda run: None,
) -> None:
    """Apply changes as they commit until `stop` is set: a cheap poll every `interval` seconds.

    Each run applies a batch of orders, oldest changes first; one that leaves some is followed
    by the next at once (`next_batch`: batches grow while runs are quick and shrink when one is
    slow, and start again from REPORTS_APPLY_BATCH_ORDERS once the log is empty). With nothing
    pending a run still happens every `heartbeat` seconds, moving `as_of` forward.
    After a failure (the database away, a statement timeout) it waits longer each time, up to
    a minute, and goes on: the changes stay in the log until a run applies them.
    """
    last_run = 0.0
    failures = 0
    batch = settings.REPORTS_APPLY_BATCH_ORDERS
    while not stop.is_set():
        try:
            due = time.monotonic() - last_run >= heartbeat or reports_pending()
        except DatabaseError:
            connection.close()
            due = True  # the run records the failure and backs off
        if due:
            run = reports_refresh(batch=batch)
            last_run = time.monotonic()
            on_run(run)
            failures = failures + 1 if run.failed else 0
            if failures:
                stop.wait(min(60.0, interval * 2**failures))
                continue
            if run.more_pending:
                batch = next_batch(batch, duration_ms=run.duration_ms)
                continue
            batch = settings.REPORTS_APPLY_BATCH_ORDERS
        stop.wait(interval)


def next_batch(batch: int, *, duration_ms: int) -> int:
    """The next batch while the log is deep: a fixed cost per run (its statements, its commit)
    makes bigger batches cheaper per order (2,000 changed orders in 0.52 s, 10,000 in 1.66 s at
    10M), but one client's wide orders make a batch slow, and a run must stay short enough that
    a change made after them waits little. So: double after a quick run, halve after a slow
    one, between MIN_BATCH_ORDERS and REPORTS_APPLY_BATCH_ORDERS_MAX."""
    if duration_ms < QUICK_RUN_MS:
        return min(batch * 2, settings.REPORTS_APPLY_BATCH_ORDERS_MAX)
    if duration_ms > SLOW_RUN_MS:
        return max(batch // 2, MIN_BATCH_ORDERS)
    return batch
