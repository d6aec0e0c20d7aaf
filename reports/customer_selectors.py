"""Reads of the customer reports: lifetime value (exact and predicted), cohorts, and the seed-002
customer questions. Each returns a `ReportQuery` (reports.selectors) or rows, read from `using`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS
from django.db.models import F, Q

from orders.models import Customer
from project.sqlfiles import read_sql
from reports.selectors import ReportQuery, report_rows

# Where a keyset walk starts: before the highest value there can be.
KEYSET_START = (Decimal("Infinity"), 0)
VALUE_ORDERINGS = {
    "revenue": "report_customer_value_by_revenue.sql",
    "predicted": "report_customer_value_by_predicted.sql",
}


def customer_value_get(*, username: str, using: str = DEFAULT_DB_ALIAS) -> dict | None:
    query = ReportQuery(
        "customer_value", read_sql("reports", "report_customer_value.sql"), {"username": username}
    )
    rows = report_rows(query, using=using)
    return rows[0] if rows else None


def customer_value_ranking(
    *, by: str, after: tuple[Decimal, int] | None, limit: int | None
) -> ReportQuery:
    """Customers by `by` (revenue or predicted value), highest first, after the position
    (value, customer_id) of the previous page's last row."""
    after_value, after_id = after or KEYSET_START
    return ReportQuery(
        "customer_value",
        read_sql("reports", VALUE_ORDERINGS[by]),
        {"after_value": after_value, "after_id": after_id, "limit": limit},
    )


def customer_value_model(*, using: str = DEFAULT_DB_ALIAS) -> dict | None:
    """The fit behind the predicted values, or None before the first fit_clv."""
    query = ReportQuery("customer_value", read_sql("reports", "report_customer_value_model.sql"))
    rows = report_rows(query, using=using)
    return rows[0] if rows else None


def value_cursor_position(row: dict, *, by: str) -> tuple[Decimal, int]:
    return row["total_revenue" if by == "revenue" else "predicted_value"], row["customer_id"]


def customer_premium(
    *, more_than: Decimal, after: tuple[Decimal, int] | None, limit: int | None
) -> ReportQuery:
    """Seed 002's premium customers (`Customer.objects.top_spenders`), after a position."""
    spenders = Customer.objects.top_spenders(more_than=more_than)
    if after is not None:
        value, customer_id = after
        spenders = spenders.filter(stored_stats__total_revenue__lte=value).filter(
            Q(stored_stats__total_revenue__lt=value) | Q(id__gt=customer_id)
        )
    rows = spenders.values(
        customer_id=F("id"),
        user=F("username"),
        total_revenue=F("stored_stats__total_revenue"),
        completed_orders=F("stored_stats__completed_orders"),
        last_order_at=F("stored_stats__last_order_at"),
    )
    statement, params = (rows if limit is None else rows[:limit]).query.sql_with_params()
    return ReportQuery("customer_stats", statement, params)


def orders_recent(
    *,
    days: int,
    more_than_items: int,
    before: tuple[datetime.datetime, int] | None,
    limit: int | None,
) -> ReportQuery:
    before_at, before_id = before or (datetime.datetime.max.replace(tzinfo=datetime.UTC), 0)
    return ReportQuery(
        "orders",
        read_sql("reports", "report_orders_recent.sql"),
        {
            "days": days,
            "more_than_items": more_than_items,
            "before_at": before_at,
            "before_id": before_id if before else 2**63 - 1,
            "limit": limit,
        },
    )


def customer_last_order(*, after_id: int | None, limit: int | None) -> ReportQuery:
    return ReportQuery(
        "customer_stats",
        read_sql("reports", "report_customer_last_order.sql"),
        {"after_id": after_id or 0, "limit": limit},
    )


def cohorts(*, first: datetime.date | None, last: datetime.date | None) -> ReportQuery:
    return ReportQuery(
        "cohort_month", read_sql("reports", "report_cohorts.sql"), {"first": first, "last": last}
    )
