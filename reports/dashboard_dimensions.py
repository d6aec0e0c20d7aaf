"""The dashboard's panels over the marketplace's dimensions (issue 21): revenue by category and
month with a drill-down and the category's top products, customers' lifetime value (its
distribution and the top customers), and the cohort heatmap; and (issue 23) revenue by sales
channel and by currency. Each reads a stored report or an index, as the other panels
(reports.dashboard), in the caller's snapshot.
"""

from __future__ import annotations

from api.errors import query_problem
from api.problems import FieldError, pointer
from currencies.conf import base_currency
from project.sqlfiles import read_sql
from reports.category import category_exists, category_sales, category_top_products
from reports.customer_selectors import cohorts, customer_value_model, customer_value_ranking
from reports.selectors import ReportQuery, report_rows, revenue_by_channel, revenue_by_currency

CATEGORY_TOP_PRODUCTS = TOP_VALUED = 10
VALUE_BUCKETS = 20
COHORTS_SHOWN = 18
ERROR_UNKNOWN_CATEGORY = "no category has this key"


def category_panel(*, key: str | None, using: str) -> dict:
    """The top-level categories by month, or with `key` that category and its children; the
    top products of `key`, or of the top-level category that earned the most."""
    if key is not None and not category_exists(key=key, using=using):
        raise query_problem([FieldError(pointer("query", "category"), ERROR_UNKNOWN_CATEGORY)])
    rows = report_rows(category_sales(key=key, first=None, last=None), using=using)
    earned: dict = {}
    for row in rows:
        if row["category_key"] is not None and row["category_key"] != key:
            earned[row["category_key"]] = earned.get(row["category_key"], 0) + row["revenue"]
    top_of = key or max(earned, key=earned.get, default=None)
    top = (
        report_rows(
            category_top_products(
                key=top_of, by="revenue", limit=CATEGORY_TOP_PRODUCTS, using=using
            ),
            using=using,
        )
        if top_of
        else []
    )
    return {"category": key, "results": rows, "top_of": top_of, "top": top}


def customer_value_panel(*, using: str) -> dict:
    """How customers' lifetime revenue is spread, and the top customers by predicted value —
    or by exact revenue (`by` says which) while no model has been fitted (`make clv`)."""
    histogram = ReportQuery(
        "customer_stats",
        read_sql("reports", "report_customer_value_histogram.sql"),
        {"buckets": VALUE_BUCKETS},
    )
    model = customer_value_model(using=using)
    by = "predicted" if model else "revenue"
    top = report_rows(customer_value_ranking(by=by, after=None, limit=TOP_VALUED), using=using)
    return {
        "histogram": report_rows(histogram, using=using),
        "by": by,
        "model": model,
        "top": top,
    }


def cohort_panel(*, using: str) -> dict:
    """The retention matrix of the last COHORTS_SHOWN cohorts."""
    rows = report_rows(cohorts(first=None, last=None), using=using)
    shown = sorted({row["cohort"] for row in rows})[-COHORTS_SHOWN:]
    return {"cohorts": shown, "results": [row for row in rows if row["cohort"] in shown]}


CURRENCY_SUMS = (
    "orders_count",
    "completed_orders",
    "revenue_original",
    "revenue",
    "unconverted_orders",
    "unconverted_revenue_original",
)


def money_panel(*, using: str) -> dict:
    """Revenue by month and channel, and each currency's totals over every month (summed here:
    a few rows per month): in itself, in the base currency, and the orders waiting for a rate."""
    channels = report_rows(revenue_by_channel(first=None, last=None, channel=None), using=using)
    monthly = report_rows(revenue_by_currency(first=None, last=None, currency=None), using=using)
    totals: dict[str, dict] = {}
    for row in monthly:
        total = totals.setdefault(
            row["currency"], {"currency": row["currency"], **dict.fromkeys(CURRENCY_SUMS, 0)}
        )
        for column in CURRENCY_SUMS:
            total[column] += row[column]
    currencies = [totals[currency] for currency in sorted(totals)]
    return {
        "base_currency": base_currency(),
        "channels": channels,
        "currencies": currencies,
        "unconverted_orders": sum(total["unconverted_orders"] for total in currencies),
    }
