"""The reports dashboard for people: one page (staff login) and the JSON its script polls.

Every panel reads the same selectors as the API, in one snapshot, from the stored reports or an
index (never a scan of the orders), so the page stays fast at tens of millions of orders. The
page asks for `dashboard/data` every few seconds and redraws only what changed, so a refresh of
the reports shows without a reload.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from pydantic import ValidationError

from api.errors import is_unavailable, query_problem, validation_problem
from api.pagination import BadCursorError, cursor_decode, cursor_encode
from api.problems import FieldError, Problem, pointer, problem_response
from orders.selectors import order_cancelled_page
from project.replica import replica_failed_request, reports_db
from project.snapshots import one_snapshot
from reports.api import ERROR_AFTER_LAST_DAY, ERROR_RANGE_REVERSED
from reports.catalog import reports_freshness
from reports.dashboard_dimensions import (
    category_panel,
    cohort_panel,
    customer_value_panel,
    money_panel,
)
from reports.schemas import EARLIEST_DAY, DashboardQuery
from reports.selectors import (
    customer_ranking,
    customer_stats_get,
    product_also_bought,
    product_exists,
    product_top,
    report_rows,
    revenue_daily,
    revenue_daily_range,
    revenue_monthly,
)

DAYS_DEFAULT, DAYS_MAX = 31, 366
TOP_PRODUCTS = TOP_CUSTOMERS = ALSO_BOUGHT = 10
CANCELLED_PAGE = 12
CANCELLED_ORDER = "-cancelled_at"  # the newest cancellations first
ERROR_UNAVAILABLE = "The database did not answer (or took too long); the dashboard retries."


class ChartEncoder(DjangoJSONEncoder):
    """Money as JSON numbers: the charts plot them (the API keeps them exact). Instants keep
    their microseconds, as the API writes them."""

    def default(self, o):
        if isinstance(o, Decimal):
            return float(o)
        if isinstance(o, datetime.datetime):
            return o.isoformat().replace("+00:00", "Z")
        return super().default(o)


ERROR_RANGE_TOO_LONG = "spans more than {days} days; narrow the range"
ERROR_BAD_CURSOR = "is not a position this page made"


def _bad(name: str, detail: str) -> Problem:
    return query_problem([FieldError(pointer("query", name), detail)])


def _query(request: HttpRequest) -> DashboardQuery:
    """The parameters, judged by the API's own types (a NUL, a sku no upload could store)."""
    try:
        return DashboardQuery.model_validate(request.GET.dict())
    except ValidationError as error:
        located = [{**e, "loc": ("query", *e["loc"])} for e in error.errors()]
        raise validation_problem(located) from None


def _days(query: DashboardQuery, using: str) -> tuple[datetime.date, datetime.date]:
    first, last = query.first, query.last
    if first and last and first > last:
        raise _bad("from", ERROR_RANGE_REVERSED.format(other="to"))
    first, last = revenue_daily_range(
        first=first, last=last, default_days=DAYS_DEFAULT, not_before=EARLIEST_DAY, using=using
    )
    if first > last:
        raise _bad("from", ERROR_AFTER_LAST_DAY.format(last=last.isoformat()))
    if (last - first).days + 1 > DAYS_MAX:
        raise _bad("from", ERROR_RANGE_TOO_LONG.format(days=DAYS_MAX))
    return first, last


def _cancelled(query: DashboardQuery, using: str) -> dict:
    cursor = (query.cursor or "").strip()
    try:
        position = cursor_decode(cursor, kind=CANCELLED_ORDER) if cursor else None
    except BadCursorError:
        raise _bad("cursor", ERROR_BAD_CURSOR) from None
    page = order_cancelled_page(
        ordering=CANCELLED_ORDER, size=CANCELLED_PAGE + 1, position=position, using=using
    )
    rows = page.rows[:CANCELLED_PAGE]
    more = len(page.rows) > CANCELLED_PAGE
    return {
        "count": page.count,
        "count_as_of": page.count_as_of,
        "next": cursor_encode(CANCELLED_ORDER, rows[-1]["cancelled_at"], rows[-1]["pk"])
        if more
        else None,
        "results": [{k: v for k, v in row.items() if k != "pk"} for row in rows],
    }


def _daily(first: datetime.date, last: datetime.date, using: str) -> list[dict]:
    rows = report_rows(revenue_daily(first=first, last=last), using=using)
    for row in rows:
        pending = row["orders_count"] - row["completed_orders"] - row["cancelled_orders"]
        row["pending_orders"] = pending
        row["cancellation_rate"] = (
            round(row["cancelled_orders"] / row["orders_count"], 4) if row["orders_count"] else None
        )
    return rows


def dashboard_panels(request: HttpRequest) -> dict:
    """Every panel's data, read in one snapshot (of the replica when there is one, see
    project.replica): the answer of `dashboard/data`. Bad parameters raise a 400 Problem."""
    query = _query(request)
    sku, user = query.sku or "", query.user or ""
    using = reports_db(request)
    with one_snapshot(using=using):
        first, last = _days(query, using)
        by_revenue = report_rows(product_top(by="revenue", limit=TOP_PRODUCTS), using=using)
        sku = sku or (by_revenue[0]["sku"] if by_revenue else "")
        ranking = report_rows(customer_ranking(limit=TOP_CUSTOMERS, offset=0), using=using)
        user = user or (ranking[0]["user"] if ranking else "")
        also_bought = product_also_bought(sku=sku, limit=ALSO_BOUGHT)
        return {
            "freshness": reports_freshness(using=using),
            "monthly": report_rows(revenue_monthly(first=None, last=None), using=using),
            "daily": {"from": first, "to": last, "results": _daily(first, last, using)},
            "products": {
                "revenue": by_revenue,
                "units": report_rows(product_top(by="units", limit=TOP_PRODUCTS), using=using),
            },
            "also_bought": {
                "sku": sku,
                "known": bool(sku) and product_exists(sku=sku, using=using),
                "results": report_rows(also_bought, using=using),
            },
            "customers": ranking,
            "customer": {"user": user, "stats": customer_stats_get(username=user, using=using)},
            "cancelled": _cancelled(query, using),
            "categories": category_panel(key=query.category, using=using),
            "customer_value": customer_value_panel(using=using),
            "cohorts": cohort_panel(using=using),
            "money": money_panel(using=using),
        }


@never_cache
@staff_member_required
def dashboard(request: HttpRequest):
    return render(
        request, "reports/dashboard.html", {"poll_seconds": settings.DASHBOARD_POLL_SECONDS}
    )


@never_cache
@staff_member_required
def dashboard_data(request: HttpRequest):
    try:
        panels = dashboard_panels(request)
    except Problem as problem:  # the API's problem+json, for the same input
        return problem_response(problem)
    except DatabaseError as error:
        # A JSON 503, not Django's HTML 500: the page shows it and keeps polling (it takes an
        # HTML answer for the login page). A replica lost mid-request is marked down, so the
        # next poll reads from the primary.
        replica_failed_request(request, error)
        if not is_unavailable(error):
            raise
        response = JsonResponse({"error": ERROR_UNAVAILABLE}, status=503)
        response["Retry-After"] = "5"
        return response
    return JsonResponse(panels, encoder=ChartEncoder)
