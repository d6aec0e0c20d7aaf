"""The catalog of reports and their freshness: one truth for the catalog, /healthz and BI.

Freshness is `reports.freshness` (view_freshness.sql), the same view BI users read: the reports
are stale when never built, when a full rebuild is due, or when a committed change has waited
longer than `REPORTS_STALE_AFTER_SECONDS` to be applied.
"""

from __future__ import annotations

import datetime

from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import sql

from currencies.conf import base_currency
from reports.models import DATA_SCHEMA, SCHEMA, RefreshLog
from reports.refresh import FULL, INCREMENTAL
from reports.schema import report_view_classes


def reports_freshness(*, using: str = DEFAULT_DB_ALIAS) -> dict:
    """The reports' freshness as the server `using` sees it.

    On a streaming replica (project.replica) the change log it reads is what it has replayed, so
    a write the primary committed and the replica has not replayed is not counted there:
    `replay_lag_seconds` (None on the primary) is how far its replay is behind (0 when it has
    replayed all it received, else the time since the last commit it replayed), and it counts
    in `lag_seconds` and `stale` as a change waiting that long would.
    """
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT as_of, pending_changes, oldest_pending_at, lag, rebuild_required, "
            "stale_after, stale, "
            "CASE WHEN NOT pg_is_in_recovery() THEN NULL "
            "WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() "
            "THEN interval '0' "
            "ELSE greatest(clock_timestamp() - pg_last_xact_replay_timestamp(), interval '0') "
            "END AS replay_lag "
            "FROM reports.freshness"
        )
        columns = [column.name for column in cursor.description]
        row = dict(zip(columns, cursor.fetchone(), strict=True))
    replay_lag = row.pop("replay_lag")
    lag = max(row.pop("lag"), replay_lag or datetime.timedelta(0))
    row["lag_seconds"] = round(lag.total_seconds(), 3)
    row["replay_lag_seconds"] = None if replay_lag is None else round(replay_lag.total_seconds(), 3)
    row["stale"] = row["stale"] or lag > row["stale_after"]
    row["stale_after_seconds"] = row.pop("stale_after").total_seconds()
    return row


def unconverted_orders_count(*, using: str = DEFAULT_DB_ALIAS) -> int:
    """The orders waiting for a rate, as of the stored reports: orders (any status, month and
    currency) with no rate on or before their day, so in no money sum yet."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(unconverted_orders), 0)::bigint "
            "FROM reports_data.revenue_by_currency"
        )
        return cursor.fetchone()[0]


# Above this many rows (by the planner's statistics) a report's size is the estimate: an exact
# count(*) of millions of rows cost the catalog tens of milliseconds.
EXACT_COUNT_BELOW = 100_000


# A report computed on read is counted only while the table it reads is this small: counting it
# computes it (also-bought ranks every pair: 0.7 s at 100,000 orders); past it, the planner's
# estimate of its rows.
EXACT_COMPUTED_BELOW = 10_000


def _row_count(view, *, using: str) -> tuple[int, bool]:
    """(rows, exact). The stored table is counted where there is one (views rank on read)."""
    stored = view.stored or view.stored_as is not None
    name = (view.stored_as or view.view_name()) if stored else view.computed_from
    table = sql.Identifier(DATA_SCHEMA, view.stored_as or view.view_name())
    with connections[using].cursor() as cursor:
        # A table never analyzed yet has reltuples -1: the live rows the statistics collector
        # counted as they were written tell its size then.
        cursor.execute(
            "SELECT CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint "
            "ELSE coalesce(s.n_live_tup, 0) END FROM pg_class AS c "
            "LEFT JOIN pg_stat_user_tables AS s ON s.relid = c.oid "
            "WHERE c.oid = to_regclass(%s)",
            [f'"{DATA_SCHEMA}"."{name}"'],
        )
        (size,) = cursor.fetchone() or (0,)
        if not stored:
            table = sql.Identifier(SCHEMA, view.view_name())
            if size >= EXACT_COMPUTED_BELOW:
                cursor.execute(sql.SQL("EXPLAIN (FORMAT JSON) SELECT * FROM {}").format(table))
                return int(cursor.fetchone()[0][0]["Plan"]["Plan Rows"]), False
        elif size >= EXACT_COUNT_BELOW:
            return size, False
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(table))
        return cursor.fetchone()[0], True


def _last_run(*, using: str, **filters) -> RefreshLog | None:
    return (
        RefreshLog.objects.using(using)
        .filter(view__in=(INCREMENTAL, FULL), **filters)
        .order_by("-started_at", "-id")
        .first()
    )


def report_catalog(*, using: str = DEFAULT_DB_ALIAS) -> dict:
    """The base currency, the orders waiting for a rate, the freshness of the reports, their
    last refresh, and each report with its row count."""
    freshness = reports_freshness(using=using)
    last_good, last_attempt = _last_run(using=using, ok=True), _last_run(using=using)
    return {
        "base_currency": base_currency(),
        "unconverted_orders": unconverted_orders_count(using=using),
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
                **dict(zip(("rows", "rows_exact"), _row_count(view, using=using), strict=True)),
                "pending_changes": freshness["pending_changes"],
                "lag_seconds": freshness["lag_seconds"],
                "stale": freshness["stale"],
            }
            for view in report_view_classes()
        ],
    }
