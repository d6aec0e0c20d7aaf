"""Reads of the reports: each returns a `ReportQuery` that a view runs as JSON rows or streams.

Read `reports_as_of` before the rows: a refresh committing in between then makes the data newer
than its stated as_of, never older. Every read takes `using`, the database alias to read from
(project.replica.reports_db: a streaming replica or the primary); read an answer's as_of and its
rows from the same one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from psycopg import sql

from project.sqlfiles import read_sql

STREAM_CHUNK_ROWS = 2000
# A client that stops reading a CSV export must not hold its snapshot open for long.
STREAM_IDLE_TIMEOUT = "60s"
PRODUCT_RANKS = {"revenue": "revenue_rank", "units": "units_rank"}


@dataclass(frozen=True)
class ReportQuery:
    view: str
    sql: str | sql.Composed
    params: dict = field(default_factory=dict)


def reports_as_of(*, using: str = DEFAULT_DB_ALIAS) -> datetime.datetime | None:
    """The commit point the stored reports reflect: every write committed before it is in.

    On a replica it is the commit point of what the replica has replayed: its refresh_state
    row and the stored reports are replayed in the same transactions."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT as_of FROM reports_data.refresh_state")
        return cursor.fetchone()[0]


def report_rows(query: ReportQuery, *, using: str = DEFAULT_DB_ALIAS) -> list[dict]:
    with connections[using].cursor() as cursor:
        cursor.execute(query.sql, query.params)
        columns = [column.name for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


@contextmanager
def stream_transaction(*, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """The transaction a CSV stream's server-side cursor lives in (so it is never WITH HOLD,
    and stays on one server connection behind a pooler). A stalled download is cut after
    STREAM_IDLE_TIMEOUT idle, giving its connection back."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT set_config('idle_in_transaction_session_timeout', %s, true)",
            [STREAM_IDLE_TIMEOUT],
        )
        yield


def report_stream(query: ReportQuery, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[tuple]:
    """The column names, then the rows, read through a server-side cursor a chunk at a time."""
    with stream_transaction(using=using), connections[using].chunked_cursor() as cursor:
        cursor.execute(query.sql, query.params)
        rows = cursor.fetchmany(STREAM_CHUNK_ROWS)
        yield tuple(column.name for column in cursor.description)
        while rows:
            yield from rows
            rows = cursor.fetchmany(STREAM_CHUNK_ROWS)


def customer_stats_get(*, username: str, using: str = DEFAULT_DB_ALIAS) -> dict | None:
    query = ReportQuery(
        "customer_stats", read_sql("reports", "report_customer_stats.sql"), {"username": username}
    )
    rows = report_rows(query, using=using)
    return rows[0] if rows else None


def customer_ranking(*, limit: int | None, offset: int) -> ReportQuery:
    return ReportQuery(
        "customer_stats",
        read_sql("reports", "report_customer_ranking.sql"),
        {"limit": limit, "offset": offset},
    )


def customer_loyal(*, min_completed_orders: int, limit: int | None, offset: int) -> ReportQuery:
    return ReportQuery(
        "customer_stats",
        read_sql("reports", "report_customer_loyal.sql"),
        {"min_completed_orders": min_completed_orders, "limit": limit, "offset": offset},
    )


def product_top(*, by: str, limit: int | None) -> ReportQuery:
    statement = sql.SQL(read_sql("reports", "report_product_top.sql")).format(
        rank=sql.Identifier(PRODUCT_RANKS[by])
    )
    return ReportQuery("product_sales", statement, {"limit": limit})


def product_exists(*, sku: str, using: str = DEFAULT_DB_ALIAS) -> bool:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT FROM reports_data.product_sales WHERE sku = %s)", [sku]
        )
        return cursor.fetchone()[0]


def product_also_bought(*, sku: str, limit: int | None) -> ReportQuery:
    return ReportQuery(
        "also_bought",
        read_sql("reports", "report_also_bought.sql"),
        {"sku": sku, "limit": limit},
    )


def revenue_monthly(*, first: datetime.date | None, last: datetime.date | None) -> ReportQuery:
    return ReportQuery(
        "monthly_revenue",
        read_sql("reports", "report_revenue_monthly.sql"),
        {"first": first, "last": last},
    )


def revenue_by_channel(
    *, first: datetime.date | None, last: datetime.date | None, channel: str | None
) -> ReportQuery:
    return ReportQuery(
        "revenue_by_channel",
        read_sql("reports", "report_revenue_by_channel.sql"),
        {"first": first, "last": last, "channel": channel},
    )


def revenue_by_currency(
    *, first: datetime.date | None, last: datetime.date | None, currency: str | None
) -> ReportQuery:
    return ReportQuery(
        "revenue_by_currency",
        read_sql("reports", "report_revenue_by_currency.sql"),
        {"first": first, "last": last, "currency": currency},
    )


def revenue_daily(*, first: datetime.date, last: datetime.date) -> ReportQuery:
    return ReportQuery(
        "daily_order_stats",
        read_sql("reports", "report_revenue_daily.sql"),
        {"first": first, "last": last},
    )


def revenue_daily_last_day(*, using: str = DEFAULT_DB_ALIAS) -> datetime.date | None:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT max(day) FROM reports.daily_order_stats")
        return cursor.fetchone()[0]


def revenue_daily_range(
    *,
    first: datetime.date | None,
    last: datetime.date | None,
    default_days: int,
    not_before: datetime.date = datetime.date.min,
    using: str = DEFAULT_DB_ALIAS,
) -> tuple[datetime.date, datetime.date]:
    """The range asked for; by default the last `default_days` days with data, never before
    `not_before` (nor 0001-01-01 for days stored before that bound)."""
    last = last or revenue_daily_last_day(using=using) or datetime.datetime.now(datetime.UTC).date()
    if first is None:
        span = datetime.timedelta(days=default_days - 1)
        floor = not_before if last >= not_before else datetime.date.min
        first = last - span if last - floor >= span else floor
    return first, last


def status_count(*, status: str, using: str = DEFAULT_DB_ALIAS) -> int | None:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT orders_count FROM reports.status_counts WHERE status = %s", [status])
        row = cursor.fetchone()
        return row[0] if row else None


def status_count_as_of(
    *, status: str = "Cancelled", using: str = DEFAULT_DB_ALIAS
) -> tuple[int | None, datetime.datetime | None]:
    """How many orders have `status`, and the commit point that count reflects (one query)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT orders_count FROM reports.status_counts WHERE status = %s), "
            "(SELECT as_of FROM reports_data.refresh_state)",
            [status],
        )
        return cursor.fetchone()
