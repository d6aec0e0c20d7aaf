"""Reads of the customer reports: lifetime value (exact and predicted), cohorts, and the seed-002
customer questions. Each returns a `ReportQuery` (reports.selectors) or rows, read from `using`.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS

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
