"""JSON (and CSV) endpoints of the reports: parse the query, call one selector, format.

Every answer read from a stored report carries `as_of` (CSV: the X-Report-As-Of header).
API keys bound to a customer read that customer's statistics only: the reports that span every
customer (rankings, products, revenue, the cancelled list) answer them 403.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from urllib.parse import unquote

from django.http import HttpRequest
from django.urls import reverse

from orders.http import ERROR_OTHER_CUSTOMER, api_view, json_response
from orders.models import Customer
from orders.problems import Problem
from reports.catalog import report_catalog
from reports.csv_export import csv_response
from reports.params import ERROR_RANGE_TOO_LONG, QueryParams
from reports.selectors import (
    PRODUCT_RANKS,
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
    revenue_daily_last_day,
    revenue_monthly,
)

ERROR_BOUND_KEY = (
    "This API key is bound to one customer; this report spans every customer and needs an "
    "API key that is not bound to a customer."
)
ERROR_UNKNOWN_USER = "No customer is named {username!r}."
ERROR_NO_STATS_YET = (
    "{username!r} has no statistics yet; they appear within seconds, once refresh_reports "
    "applies the change (see /api/reports/ for the lag)."
)
ERROR_UNKNOWN_PRODUCT = "No product has the sku {sku!r}."

CUSTOMERS_DEFAULT_LIMIT, CUSTOMERS_MAX_LIMIT = 50, 500
PRODUCTS_DEFAULT_LIMIT, PRODUCTS_MAX_LIMIT = 10, 200
ALSO_BOUGHT_DEFAULT_LIMIT, ALSO_BOUGHT_MAX_LIMIT = 10, 20  # the view keeps the top 20 per sku
DAILY_DEFAULT_DAYS, DAILY_MAX_DAYS = 31, 366


def require_unbound_key(request: HttpRequest) -> None:
    if request.api_key.customer_id is not None:
        raise Problem(403, ERROR_BOUND_KEY)


def page_url(request: HttpRequest, **changes) -> str:
    query = request.GET.copy()
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = str(value)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _limits(params: QueryParams, *, default: int, cap: int, csv: bool) -> int | None:
    """JSON pages have a default and a cap; a CSV export without a limit streams every row."""
    if csv:
        return params.integer("limit", default=None, minimum=1)
    return params.integer("limit", default=default, minimum=1, cap=cap)


def _list_response(
    request: HttpRequest,
    *,
    filename: str,
    query_for: Callable[[int | None], ReportQuery],
    limit: int | None,
    csv: bool,
    echo: dict,
    offset: int | None = None,
):
    if csv:
        query = query_for(limit)
        as_of = reports_as_of()
        return csv_response(report_stream(query), filename=filename, as_of=as_of)
    query = query_for(None if limit is None else limit + 1)  # one more: is there a next page?
    as_of = reports_as_of()
    rows = report_rows(query)
    body = {"report": query.view, "as_of": as_of, **echo}
    if offset is not None:
        more = limit is not None and len(rows) > limit
        body["next"] = page_url(request, offset=offset + limit, limit=limit) if more else None
    body["results"] = rows[:limit]
    return json_response(body)


@api_view(methods=("GET",))
def customer_stats_view(request: HttpRequest):
    """Seed 003: GET /api/orders/stats?user=USERNAME."""
    params = QueryParams(request)
    username = params.text("user", required=True)
    params.check()
    bound = request.api_key.customer
    if bound is not None and bound.username != username:
        raise Problem(403, ERROR_OTHER_CUSTOMER)
    as_of = reports_as_of()
    stats = customer_stats_get(username=username)
    if stats is None:
        known = Customer.objects.filter(username=username).exists()
        message = ERROR_NO_STATS_YET if known else ERROR_UNKNOWN_USER
        raise Problem(404, message.format(username=username))
    return json_response({**stats, "as_of": as_of})


@api_view(methods=("GET",))
def customer_ranking_view(request: HttpRequest):
    require_unbound_key(request)
    params = QueryParams(request)
    csv = params.output_format() == "csv"
    limit = _limits(params, default=CUSTOMERS_DEFAULT_LIMIT, cap=CUSTOMERS_MAX_LIMIT, csv=csv)
    offset = params.integer("offset", default=0, minimum=0)
    params.check()
    return _list_response(
        request,
        filename="customer_ranking",
        query_for=lambda n: customer_ranking(limit=n, offset=offset),
        limit=limit,
        offset=offset,
        csv=csv,
        echo={"limit": limit, "offset": offset},
    )


@api_view(methods=("GET",))
def customer_loyal_view(request: HttpRequest):
    """Seed 001: customers with at least N Complete orders, with what they spent."""
    require_unbound_key(request)
    params = QueryParams(request)
    csv = params.output_format() == "csv"
    minimum = params.integer("min_completed_orders", default=5, minimum=1)
    limit = _limits(params, default=CUSTOMERS_DEFAULT_LIMIT, cap=CUSTOMERS_MAX_LIMIT, csv=csv)
    offset = params.integer("offset", default=0, minimum=0)
    params.check()
    return _list_response(
        request,
        filename="customer_loyal",
        query_for=lambda n: customer_loyal(min_completed_orders=minimum, limit=n, offset=offset),
        limit=limit,
        offset=offset,
        csv=csv,
        echo={"min_completed_orders": minimum, "limit": limit, "offset": offset},
    )


@api_view(methods=("GET",))
def product_top_view(request: HttpRequest):
    require_unbound_key(request)
    params = QueryParams(request)
    csv = params.output_format() == "csv"
    by = params.choice("by", choices=tuple(PRODUCT_RANKS), default="revenue")
    limit = _limits(params, default=PRODUCTS_DEFAULT_LIMIT, cap=PRODUCTS_MAX_LIMIT, csv=csv)
    params.check()
    return _list_response(
        request,
        filename=f"product_top_by_{by}",
        query_for=lambda n: product_top(by=by, limit=n),
        limit=limit,
        csv=csv,
        echo={"by": by, "limit": limit},
    )


@api_view(methods=("GET",))
def product_also_bought_view(request: HttpRequest, sku: str):
    """Seed 002: customers who bought this product also bought these."""
    require_unbound_key(request)
    params = QueryParams(request)
    csv = params.output_format() == "csv"
    limit = params.integer(
        "limit", default=ALSO_BOUGHT_DEFAULT_LIMIT, minimum=1, cap=ALSO_BOUGHT_MAX_LIMIT
    )
    params.check()
    if "\x00" in sku or not product_exists(sku=sku):
        raise Problem(404, ERROR_UNKNOWN_PRODUCT.format(sku=sku))
    return _list_response(
        request,
        filename="also_bought",
        query_for=lambda n: product_also_bought(sku=sku, limit=n),
        limit=limit,
        csv=csv,
        echo={"sku": sku, "limit": limit},
    )


@api_view(methods=("GET",))
def revenue_monthly_view(request: HttpRequest):
    require_unbound_key(request)
    params = QueryParams(request)
    csv = params.output_format() == "csv"
    first, last = params.month("from"), params.month("to")
    params.ordered("from", first, "to", last)
    params.check()
    return _list_response(
        request,
        filename="revenue_monthly",
        query_for=lambda _: revenue_monthly(first=first, last=last),
        limit=None,
        csv=csv,
        echo={"from": first and first.strftime("%Y-%m"), "to": last and last.strftime("%Y-%m")},
    )


@api_view(methods=("GET",))
def revenue_daily_view(request: HttpRequest):
    """Seed 003's daily_order_stats for a range of UTC days (default: the last 31 with data)."""
    require_unbound_key(request)
    params = QueryParams(request)
    csv = params.output_format() == "csv"
    first, last = params.day("from"), params.day("to")
    params.ordered("from", first, "to", last)
    params.check()
    if last is None:
        last = revenue_daily_last_day() or datetime.datetime.now(datetime.UTC).date()
    if first is None:  # the default range stops at the first day there is (0001-01-01)
        span = datetime.timedelta(days=DAILY_DEFAULT_DAYS - 1)
        first = last - span if last - datetime.date.min >= span else datetime.date.min
    if not csv and (last - first).days + 1 > DAILY_MAX_DAYS:
        params.error("from", ERROR_RANGE_TOO_LONG.format(days=DAILY_MAX_DAYS))
        params.check()
    return _list_response(
        request,
        filename="revenue_daily",
        query_for=lambda _: revenue_daily(first=first, last=last),
        limit=None,
        csv=csv,
        echo={"from": first, "to": last},
    )


# Which endpoints answer from each view (the catalog lists them).
REPORT_ENDPOINTS = {
    "customer_stats": ["reports-customer-ranking", "reports-customer-loyal", "customer-stats"],
    "product_sales": ["reports-product-top"],
    "also_bought": ["reports-product-also-bought"],
    "monthly_revenue": ["reports-revenue-monthly"],
    "daily_order_stats": ["reports-revenue-daily"],
    "status_counts": ["orders-cancelled"],
}
_PATH_TEMPLATES = {"reports-product-also-bought": {"sku": "{sku}"}}


@api_view(methods=("GET",))
def report_catalog_view(request: HttpRequest):
    catalog = report_catalog()
    for entry in catalog["reports"]:
        entry["endpoints"] = [
            unquote(request.build_absolute_uri(reverse(name, kwargs=_PATH_TEMPLATES.get(name))))
            for name in REPORT_ENDPOINTS.get(entry["name"], [])
        ]
    return json_response(catalog)
