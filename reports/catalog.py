"""The catalog of reports and their freshness: one truth for the catalog, /healthz and BI.

Freshness is `reports.freshness` (view_freshness.sql), the same view BI users read: the reports
are stale when never built, when a full rebuild is due, or when a committed change has waited
longer than `REPORTS_STALE_AFTER_SECONDS` to be applied.
"""

from __future__ import annotations

from django.db import connection
from psycopg import sql

from reports.models import DATA_SCHEMA, SCHEMA, RefreshLog
from reports.refresh import FULL, INCREMENTAL
from reports.schema import report_view_classes


def reports_freshness() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT as_of, pending_changes, oldest_pending_at, lag, rebuild_required, "
            "stale_after, stale FROM reports.freshness"
        )
        columns = [column.name for column in cursor.description]
        row = dict(zip(columns, cursor.fetchone(), strict=True))
    row["lag_seconds"] = round(row.pop("lag").total_seconds(), 3)
    row["stale_after_seconds"] = row.pop("stale_after").total_seconds()
    return row


# Above this many rows (by the planner's statistics) a report's size is the estimate: an exact
# count(*) of millions of rows cost the catalog tens of milliseconds.
EXACT_COUNT_BELOW = 100_000


def _row_count(view) -> tuple[int, bool]:
    """(rows, exact). The stored table is counted where there is one (views rank on read)."""
    name = view.view_name()
    table = sql.Identifier(DATA_SCHEMA, name) if view.stored else sql.Identifier(SCHEMA, name)
    schema = DATA_SCHEMA if view.stored else SCHEMA
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [f'"{schema}"."{name}"'],
        )
        row = cursor.fetchone()
        if row is not None and row[0] >= EXACT_COUNT_BELOW:
            return row[0], False
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(table))
        return cursor.fetchone()[0], True


def _last_run(**filters) -> RefreshLog | None:
    return (
        RefreshLog.objects.filter(view__in=(INCREMENTAL, FULL), **filters)
        .order_by("-started_at", "-id")
        .first()
    )


def report_catalog() -> dict:
    """The freshness of the reports, their last refresh, and each report with its row count."""
    freshness = reports_freshness()
    last_good, last_attempt = _last_run(ok=True), _last_run()
    return {
        "freshness": freshness,
        "last_refresh": None
        if last_good is None
        else {
            "mode": last_good.view,
            "finished_at": last_good.finished_at,
            "duration_ms": last_good.duration_ms,
            "orders_changed": last_good.rows,
        },
        "last_attempt": None
        if last_attempt is None
        else {
            "mode": last_attempt.view,
            "finished_at": last_attempt.finished_at,
            "ok": last_attempt.ok,
            "error": last_attempt.error,
        },
        "reports": [
            {
                "name": view.view_name(),
                "description": view._meta.db_table_comment,
                "as_of": freshness["as_of"],
                **dict(zip(("rows", "rows_exact"), _row_count(view), strict=True)),
                "pending_changes": freshness["pending_changes"],
                "lag_seconds": freshness["lag_seconds"],
                "stale": freshness["stale"],
            }
            for view in report_view_classes()
        ],
    }
