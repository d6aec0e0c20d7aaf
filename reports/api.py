"""The report endpoints: parse (the schemas), call one selector, answer JSON or stream CSV.

API keys bound to a customer read that customer's statistics only; the reports that span every
customer (rankings, products, revenue, the cancelled list) refuse them. Every endpoint here reads
from `reports_db(request)`: the streaming replica when one is configured and answers, else the
primary (project.replica).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router

from api.auth import all_customers_key, read_key, require_customer
from api.csv_stream import CSV_DOCUMENT, CSV_RESPONSE, REDIRECT_DOCUMENT, csv_redirect, csv_response
from api.errors import query_problem
from api.pagination import page_url
from api.problems import FieldError, Problem, pointer, problems
from orders.models import Customer
from project.replica import reports_db
from reports import schemas as s
from reports.catalog import report_catalog
from reports.selectors import (
    ReportQuery,
    customer_loyal,
    customer_ranking,
    customer_stats_get,
    product_also_bought,
    product_exists,
    product_top,
    report_rows,
    report_stream,
    reports_as_of,
    revenue_daily,
    revenue_daily_range,
    revenue_monthly,
)

router = Router(tags=["reports"])

ERROR_UNKNOWN_USER = "No customer is named {username!r}."
ERROR_NO_STATS_YET = (
    "{username!r} has no statistics yet; they appear within seconds, once refresh_reports "
    "applies the change (see /api/reports/ for the lag)."
)
ERROR_UNKNOWN_PRODUCT = "No product has the sku {sku!r}."
ERROR_RANGE_REVERSED = "must not be after {other}"
ERROR_AFTER_LAST_DAY = "must not be after to (by default the last day with orders, {last})"
ERROR_RANGE_TOO_LONG = "spans more than {days} days; narrow it or use the .csv operation"
ERROR_LOYAL_BOTH = "give more_than or the deprecated min_completed_orders, not both"


def _page(request: HttpRequest, query: ReportQuery, *, limit: int | None, **echo) -> dict:
    """A JSON page: one more row than asked tells whether there is a next page."""
    using = reports_db(request)
    as_of = reports_as_of(using=using)  # before the rows: a refresh in between makes them newer
    rows = report_rows(query, using=using)
    body = {"report": query.view, "as_of": as_of, "limit": limit, **echo}
    if "offset" in echo:
        more = limit is not None and len(rows) > limit
        body["next"] = (
            page_url(request, offset=echo["offset"] + limit, limit=limit) if more else None
        )
    body["results"] = rows[:limit]
    return body


def _csv(request: HttpRequest, query: ReportQuery, filename: str):
    using = reports_db(request)
    as_of = reports_as_of(using=using)
    return csv_response(report_stream(query, using=using), filename=filename, as_of=as_of)


def _json_and_csv(
    path: str, *, response, operation_id: str, missing: bool = False, deprecated: bool = False
) -> Callable:
    """Register a JSON list and, at `path.csv`, its CSV export (registered by the caller)."""
    return router.get(
        path,
        response={200: response, 307: None},
        auth=all_customers_key,
        operation_id=operation_id,
        openapi_extra=problems(*[404] * missing, also=REDIRECT_DOCUMENT),
        by_alias=True,  # from, to
        deprecated=deprecated,
    )


def _csv_operation(
    path: str, *, operation_id: str, missing: bool = False, deprecated: bool = False
) -> Callable:
    return router.get(
        path,
        response=CSV_RESPONSE,
        auth=all_customers_key,
        operation_id=operation_id,
        openapi_extra=problems(*[404] * missing, also=CSV_DOCUMENT),
        deprecated=deprecated,
    )


@router.get(
    "/orders/stats",
    response=s.CustomerStats,
    auth=read_key,
    operation_id="customer_stats",
    openapi_extra=problems(403, 404),
)
def customer_stats(request: HttpRequest, query: Query[s.StatsQuery]):
    """Seed 003: one customer's statistics and revenue rank."""
    require_customer(request, query.user)
    using = reports_db(request)
    as_of = reports_as_of(using=using)
    stats = customer_stats_get(username=query.user, using=using)
    if stats is None:
        known = Customer.objects.using(using).filter(username=query.user).exists()
        message = ERROR_NO_STATS_YET if known else ERROR_UNKNOWN_USER
        raise Problem(404, message.format(username=query.user))
    return {**stats, "as_of": as_of}


@_json_and_csv(
    "/reports/customers/ranking", response=s.RankingPage, operation_id="customer_ranking"
)
def customer_ranking_page(request: HttpRequest, query: Query[s.RankingQuery]):
    """Customers by revenue (dense rank), paged."""
    if query.format == "csv":
        return csv_redirect(request)
    selected = customer_ranking(limit=query.limit + 1, offset=query.offset)
    return _page(request, selected, limit=query.limit, offset=query.offset)


@_csv_operation("/reports/customers/ranking.csv", operation_id="customer_ranking_csv")
def customer_ranking_csv(request: HttpRequest, query: Query[s.RankingCsvQuery]):
    selected = customer_ranking(limit=query.limit, offset=query.offset)
    return _csv(request, selected, "customer_ranking")


def _loyal_threshold(query: s.LoyalCsvQuery) -> int:
    if {"more_than", "min_completed_orders"} <= query.model_fields_set:
        raise query_problem(
            [FieldError(pointer("query", "min_completed_orders"), ERROR_LOYAL_BOTH)]
        )
    return query.at_least()


@_json_and_csv("/reports/customers/loyal", response=s.LoyalPage, operation_id="customer_loyal")
def customer_loyal_page(request: HttpRequest, query: Query[s.LoyalQuery]):
    """Seed 001: customers with more than N Complete orders (5 by default), with what they
    spent, biggest spenders first."""
    if query.format == "csv":
        return csv_redirect(request)
    at_least = _loyal_threshold(query)
    selected = customer_loyal(
        min_completed_orders=at_least, limit=query.limit + 1, offset=query.offset
    )
    return _page(
        request,
        selected,
        limit=query.limit,
        offset=query.offset,
        more_than=at_least - 1,
        min_completed_orders=at_least,
    )


@_csv_operation("/reports/customers/loyal.csv", operation_id="customer_loyal_csv")
def customer_loyal_csv(request: HttpRequest, query: Query[s.LoyalCsvQuery]):
    selected = customer_loyal(
        min_completed_orders=_loyal_threshold(query), limit=query.limit, offset=query.offset
    )
    return _csv(request, selected, "customer_loyal")


@_json_and_csv("/reports/products/top", response=s.ProductPage, operation_id="product_top")
def product_top_page(request: HttpRequest, query: Query[s.ProductQuery]):
    """Products by revenue or by units sold."""
    if query.format == "csv":
        return csv_redirect(request)
    return _page(
        request, product_top(by=query.by, limit=query.limit), limit=query.limit, by=query.by
    )


@_csv_operation("/reports/products/top.csv", operation_id="product_top_csv")
def product_top_csv(request: HttpRequest, query: Query[s.ProductCsvQuery]):
    selected = product_top(by=query.by, limit=query.limit)
    return _csv(request, selected, f"product_top_by_{query.by}")


def _known_product(request: HttpRequest, sku: str) -> None:
    if "\x00" in sku or not product_exists(sku=sku, using=reports_db(request)):
        raise Problem(404, ERROR_UNKNOWN_PRODUCT.format(sku=sku))


def _also_bought_page(request: HttpRequest, sku: str, limit: int) -> dict:
    _known_product(request, sku)
    return _page(request, product_also_bought(sku=sku, limit=limit), limit=limit, sku=sku)


def _also_bought_csv(request: HttpRequest, sku: str, limit: int | None):
    _known_product(request, sku)
    return _csv(request, product_also_bought(sku=sku, limit=limit), "also_bought")


@_json_and_csv(
    "/reports/products/also-bought",
    response=s.AlsoBoughtPage,
    operation_id="product_also_bought",
    missing=True,
)
def product_also_bought_page(request: HttpRequest, query: Query[s.ProductAlsoBoughtQuery]):
    """Seed 002: customers who bought this product also bought these (any sku: `A/1`, `..`)."""
    if query.format == "csv":
        return csv_redirect(request)
    return _also_bought_page(request, query.sku, query.limit)


@_csv_operation(
    "/reports/products/also-bought.csv", operation_id="product_also_bought_csv", missing=True
)
def product_also_bought_csv(request: HttpRequest, query: Query[s.ProductAlsoBoughtCsvQuery]):
    return _also_bought_csv(request, query.sku, query.limit)


@_json_and_csv(
    "/reports/products/{sku}/also-bought",
    response=s.AlsoBoughtPage,
    operation_id="product_also_bought_by_path",
    missing=True,
    deprecated=True,
)
def product_also_bought_by_path(request: HttpRequest, sku: str, query: Query[s.AlsoBoughtQuery]):
    """As `/api/reports/products/also-bought?sku=…`, for the skus a path can spell (not `A/1`,
    `.`, `..`)."""
    if query.format == "csv":
        return csv_redirect(request)
    return _also_bought_page(request, sku, query.limit)


@_csv_operation(
    "/reports/products/{sku}/also-bought.csv",
    operation_id="product_also_bought_by_path_csv",
    missing=True,
    deprecated=True,
)
def product_also_bought_by_path_csv(
    request: HttpRequest, sku: str, query: Query[s.AlsoBoughtCsvQuery]
):
    """As `/api/reports/products/also-bought.csv?sku=…`, for the skus a path can spell."""
    return _also_bought_csv(request, sku, query.limit)


def _ordered(first, last) -> None:
    if first is not None and last is not None and first > last:
        errors = [FieldError(pointer("query", "from"), ERROR_RANGE_REVERSED.format(other="to"))]
        raise query_problem(errors)


@_json_and_csv("/reports/revenue/monthly", response=s.MonthlyPage, operation_id="revenue_monthly")
def revenue_monthly_page(request: HttpRequest, query: Query[s.MonthlyQuery]):
    """Revenue by calendar month (UTC), with the running total."""
    if query.format == "csv":
        return csv_redirect(request)
    _ordered(query.first, query.last)
    month = {"from": query.first, "to": query.last}
    echo = {name: s.month_text(value) for name, value in month.items()}
    body = _page(request, revenue_monthly(first=query.first, last=query.last), limit=None, **echo)
    del body["limit"]
    return body


@_csv_operation("/reports/revenue/monthly.csv", operation_id="revenue_monthly_csv")
def revenue_monthly_csv(request: HttpRequest, query: Query[s.MonthlyCsvQuery]):
    _ordered(query.first, query.last)
    return _csv(request, revenue_monthly(first=query.first, last=query.last), "revenue_monthly")


def _days(request: HttpRequest, query: s.DailyCsvQuery) -> tuple[datetime.date, datetime.date]:
    """The range asked for; by default the last 31 days with data (never before 2000-01-01)."""
    _ordered(query.first, query.last)
    first, last = revenue_daily_range(
        first=query.first,
        last=query.last,
        default_days=s.DAILY_DEFAULT_DAYS,
        not_before=s.EARLIEST_DAY,
        using=reports_db(request),
    )
    if first > last:  # `to` left to its default, before `from`
        detail = ERROR_AFTER_LAST_DAY.format(last=last.isoformat())
        raise query_problem([FieldError(pointer("query", "from"), detail)])
    return first, last


@_json_and_csv("/reports/revenue/daily", response=s.DailyPage, operation_id="revenue_daily")
def revenue_daily_page(request: HttpRequest, query: Query[s.DailyQuery]):
    """Seed 003's daily_order_stats for a range of UTC days (at most 366 in JSON)."""
    if query.format == "csv":
        return csv_redirect(request)
    first, last = _days(request, query)
    if (last - first).days + 1 > s.DAILY_MAX_DAYS:
        errors = [
            FieldError(pointer("query", "from"), ERROR_RANGE_TOO_LONG.format(days=s.DAILY_MAX_DAYS))
        ]
        raise query_problem(errors)
    body = _page(
        request, revenue_daily(first=first, last=last), limit=None, **{"from": first, "to": last}
    )
    del body["limit"]
    return body


@_csv_operation("/reports/revenue/daily.csv", operation_id="revenue_daily_csv")
def revenue_daily_csv(request: HttpRequest, query: Query[s.DailyCsvQuery]):
    first, last = _days(request, query)
    return _csv(request, revenue_daily(first=first, last=last), "revenue_daily")


# Which operations answer from each report (the catalog lists them).
REPORT_OPERATIONS = {
    "customer_stats": ["customer_ranking", "customer_loyal", "customer_stats"],
    "customer_value": ["customer_lifetime_value_ranking", "customer_lifetime_value"],
    "cohort_month": ["cohorts"],
    "product_sales": ["product_top", "category_top_products"],
    "also_bought": ["product_also_bought"],
    "monthly_revenue": ["revenue_monthly"],
    "daily_order_stats": ["revenue_daily"],
    "status_counts": ["orders_cancelled"],
    "category_sales": ["category_sales"],
    "revenue_by_channel": ["revenue_by_channel"],
    "revenue_by_currency": ["revenue_by_currency"],
}


@router.get("/reports/", response=s.Catalog, auth=read_key, operation_id="report_catalog")
def report_catalog_page(request: HttpRequest, query: Query[s.CatalogQuery]):
    """Every report with its freshness, row count and the endpoints that read it; the base
    currency of their money, and how many orders wait for a rate (in no money sum yet)."""
    catalog = report_catalog(using=reports_db(request))
    for entry in catalog["reports"]:
        entry["endpoints"] = [
            request.build_absolute_uri(reverse(f"api:{name}")) + QUERY_TEMPLATES.get(name, "")
            for name in REPORT_OPERATIONS.get(entry["name"], [])
        ]
    return catalog


QUERY_TEMPLATES = {
    "product_also_bought": "?sku={sku}",
    "customer_lifetime_value": "?user={user}",
    "category_top_products": "?category={category}",
}
