"""Refreshing the report views: in dependency order, CONCURRENTLY, one run at a time.

- One run at a time: a session-level `pg_try_advisory_lock`; a second run returns at once.
- CONCURRENTLY by default with pgviews-redux's `strict=True`, so a view without a unique index
  fails instead of silently taking a blocking refresh; `concurrently=False` is explicit.
- Each view refreshes in its own transaction, so a failure leaves that view's previous contents
  in place. Its `refresh_log` row is committed before the refresh starts (as "did not finish")
  and completed in the refresh's transaction, or afterwards with the error, on a new connection
  if the old one died: even a killed process leaves a failed row behind.
- `if_changed` skips a view whose source tables' change counter (`source_watermark.sql`, read
  from pg_stat_all_tables) equals the one stored by its last successful refresh. The counter
  is read before the refresh takes its snapshot: a write it misses is seen by the next run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg2
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_pgviews.dependencies import reorder_by_dependencies
from django_pgviews.exceptions import ConcurrentIndexNotDefinedError
from psycopg2 import sql

from project.sqlfiles import read_sql
from reports.models import SCHEMA, RefreshLog, ReportView
from reports.schema import report_view_by_name, report_view_classes

# Any fixed bigint shared by every refresh_reports run on the database.
REFRESH_LOCK_KEY = 4_711_000_004

ERROR_UNKNOWN_VIEW = "Unknown report view(s): {names}. Choose from: {choices}."
ERROR_DID_NOT_FINISH = "did not finish: the refreshing process or its connection died"
ERROR_TEXT_LIMIT = 1000
REASON_UNCHANGED = "unchanged since the last successful refresh"
REASON_DEPENDENCY_FAILED = "not refreshed: it reads {names}, which did not refresh"
REASON_CONNECTION_LOST = "not refreshed: the database connection was lost earlier in this run"

REFRESHED, SKIPPED, FAILED, NOT_ATTEMPTED = "refreshed", "skipped", "failed", "not attempted"


class UnknownViewError(ValueError):
    pass


@dataclass(frozen=True)
class ViewOutcome:
    view: str
    status: str
    rows: int | None = None
    duration_ms: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class RefreshRun:
    lock_acquired: bool
    outcomes: tuple[ViewOutcome, ...] = ()

    @property
    def failed(self) -> list[ViewOutcome]:
        return [o for o in self.outcomes if o.status in (FAILED, NOT_ATTEMPTED)]

    def as_dict(self) -> dict:
        return {
            "lock_acquired": self.lock_acquired,
            "views": [o.__dict__ for o in self.outcomes],
        }


def _dependencies(view: type[ReportView]) -> list[type[ReportView]]:
    return [apps.get_model(label) for label in view._dependencies]


def report_views_to_refresh(*, only: Sequence[str] = ()) -> list[type[ReportView]]:
    """The named views (all when none), what they read and what reads them, dependencies first."""
    by_name = report_view_by_name()
    unknown = sorted(set(only) - by_name.keys())
    if unknown:
        raise UnknownViewError(
            ERROR_UNKNOWN_VIEW.format(names=", ".join(unknown), choices=", ".join(by_name))
        )
    selected = {by_name[name] for name in only} if only else set(by_name.values())
    everything = report_view_classes()
    while True:
        grown = set(selected)
        for view in everything:
            if view in selected:
                grown.update(_dependencies(view))
            elif any(dependency in selected for dependency in _dependencies(view)):
                grown.add(view)
        if grown == selected:
            break
        selected = grown
    return reorder_by_dependencies(selected)


class _SessionLock:
    """The advisory lock of this run, held as long as the session that took it lives."""

    def __init__(self, acquired: bool) -> None:
        self.acquired = acquired
        self._session = connection.connection

    @property
    def held(self) -> bool:
        return self.acquired and connection.connection is self._session


@contextmanager
def _refresh_lock() -> Iterator[_SessionLock]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [REFRESH_LOCK_KEY])
        lock = _SessionLock(cursor.fetchone()[0])
    try:
        yield lock
    finally:
        # A session that died took its lock with it; never unlock from a new session.
        if lock.held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [REFRESH_LOCK_KEY])


def source_watermark(view: type[ReportView]) -> int | None:
    with connection.cursor() as cursor:
        # Statistics are cached per transaction (stats_fetch_consistency): read them afresh.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(read_sql("reports", "source_watermark.sql"), {"view": view._meta.db_table})
        return cursor.fetchone()[0]


def _last_good_watermark(view: type[ReportView]) -> int | None:
    return (
        RefreshLog.objects.filter(view=view.view_name(), ok=True)
        .order_by("-started_at", "-id")
        .values_list("watermark", flat=True)
        .first()
    )


def _row_count(view: type[ReportView]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(SCHEMA, view.view_name()))
        )
        return cursor.fetchone()[0]


def _error_text(error: Exception) -> str:
    text = " ".join(str(error).split())  # PostgreSQL's messages span lines (DETAIL, HINT)
    return text[:ERROR_TEXT_LIMIT] or type(error).__name__


def _connection_lost() -> bool:
    return connection.connection is None or not connection.is_usable()


def _refresh_view(
    view: type[ReportView], *, concurrently: bool, watermark: int | None
) -> ViewOutcome:
    name = view.view_name()
    log = RefreshLog.objects.create(
        view=name, started_at=timezone.now(), ok=False, error=ERROR_DID_NOT_FINISH
    )
    started = time.perf_counter()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:  # this refresh's own limit, not the web's
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true)",
                    [str(settings.REFRESH_STATEMENT_TIMEOUT_MS)],
                )
            view.refresh(concurrently=concurrently, strict=True)
            rows = _row_count(view)
            duration_ms = round((time.perf_counter() - started) * 1000)
            RefreshLog.objects.filter(pk=log.pk).update(
                ok=True,
                error="",
                finished_at=timezone.now(),
                duration_ms=duration_ms,
                rows=rows,
                watermark=watermark,
            )
    # pgviews-redux refreshes through the raw psycopg2 cursor: its errors are not Django's.
    except (DatabaseError, psycopg2.Error, ConcurrentIndexNotDefinedError) as error:
        duration_ms = round((time.perf_counter() - started) * 1000)
        message = _error_text(error)
        if _connection_lost():
            connection.close()  # the next query opens a new session
        RefreshLog.objects.filter(pk=log.pk).update(
            finished_at=timezone.now(), duration_ms=duration_ms, error=message
        )
        return ViewOutcome(name, FAILED, duration_ms=duration_ms, detail=message)
    return ViewOutcome(name, REFRESHED, rows=rows, duration_ms=duration_ms)


def reports_refresh(
    *, only: Sequence[str] = (), if_changed: bool = False, concurrently: bool = True
) -> RefreshRun:
    """Refresh the report views; see the module docstring. Returns what happened to each."""
    views = report_views_to_refresh(only=only)
    with _refresh_lock() as lock:
        if not lock.acquired:
            return RefreshRun(lock_acquired=False)
        outcomes: list[ViewOutcome] = []
        refreshed: set[str] = set()
        broken: set[str] = set()
        for view in views:
            name = view.view_name()
            reads = {dependency.view_name() for dependency in _dependencies(view)}
            if not lock.held:
                # The session (and its lock) died: another run may have started since.
                outcome = ViewOutcome(name, NOT_ATTEMPTED, detail=REASON_CONNECTION_LOST)
            elif reads & broken:
                names = ", ".join(sorted(reads & broken))
                outcome = ViewOutcome(
                    name, NOT_ATTEMPTED, detail=REASON_DEPENDENCY_FAILED.format(names=names)
                )
            else:
                watermark = source_watermark(view)
                unchanged = watermark is not None and watermark == _last_good_watermark(view)
                if if_changed and unchanged and not reads & refreshed:
                    outcome = ViewOutcome(name, SKIPPED, detail=REASON_UNCHANGED)
                else:
                    outcome = _refresh_view(view, concurrently=concurrently, watermark=watermark)
            outcomes.append(outcome)
            if outcome.status == REFRESHED:
                refreshed.add(name)
            elif outcome.status != SKIPPED:
                broken.add(name)
        return RefreshRun(lock_acquired=True, outcomes=tuple(outcomes))
