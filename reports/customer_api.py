"""The customer report endpoints: lifetime value (exact and predicted), cohorts and the seed-002
customer questions. Each parses (reports.customer_schemas), calls one selector, answers JSON or
streams CSV; every answer read from a stored report carries `as_of`.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from api.auth import all_customers_key, read_key, require_customer
from api.csv_stream import CSV_DOCUMENT, CSV_RESPONSE, REDIRECT_DOCUMENT, csv_redirect, csv_response
from api.errors import query_problem
from api.pagination import (
    BadCursorError,
    cursor_decode,
    cursor_encode,
    page_url,
    value_cursor_decode,
    value_cursor_encode,
)
from api.problems import FieldError, Problem, pointer, problems
from orders.models import Customer
from project.replica import reports_db
from reports import customer_schemas as s
from reports.api import ERROR_NO_STATS_YET, ERROR_UNKNOWN_USER, _ordered
from reports.customer_selectors import (
    cohorts,
    customer_last_order,
    customer_premium,
    customer_value_get,
    customer_value_model,
    customer_value_ranking,
    orders_recent,
    value_cursor_position,
)
from reports.schemas import month_text
from reports.selectors import report_rows, report_stream, reports_as_of

router = Router(tags=["reports"])

ERROR_BAD_CURSOR = "is not a cursor from a next link of this endpoint and ordering"
EXACT_COLUMNS = list(s.ValueExact.model_fields)
# The orderings a cursor is made for (a cursor of one is refused by the others).
PREMIUM, RECENT, LAST_ORDER = "premium", "recent", "customer"


def _unknown_customer(request: HttpRequest, username: str) -> Problem:
    known = Customer.objects.using(reports_db(request)).filter(username=username).exists()
    return Problem(
        404, (ERROR_NO_STATS_YET if known else ERROR_UNKNOWN_USER).format(username=username)
    )


@router.get(
    "/reports/customers/lifetime-value",
    response=s.CustomerValue,
    auth=read_key,
    operation_id="customer_lifetime_value",
    openapi_extra=problems(403, 404),
)
def customer_lifetime_value(request: HttpRequest, query: Query[s.ValueQuery]):
    """One customer's lifetime value: the exact part (from their orders) and, apart, the
    model's prediction (BG/NBD with Gamma-Gamma) with when it was fitted."""
    require_customer(request, query.user)
    using = reports_db(request)
    as_of = reports_as_of(using=using)
    row = customer_value_get(username=query.user, using=using)
    if row is None:
        raise _unknown_customer(request, query.user)
    predicted = None
    if row["predicted_value"] is not None:
        predicted = {
            "expected_orders": row["predicted_orders"],
            "probability_alive": row["predicted_probability_alive"],
            "predicted_value": row["predicted_value"],
            "model": customer_value_model(using=using),
        }
    exact = {name: row[name] for name in EXACT_COLUMNS}
    return {"user": row["user"], "exact": exact, "predicted": predicted, "as_of": as_of}


def _position(cursor: str | None, *, by: str):
    if not cursor:
        return None
    try:
        return value_cursor_decode(cursor, kind=by)
    except BadCursorError:
        raise query_problem([FieldError(pointer("query", "cursor"), ERROR_BAD_CURSOR)]) from None


@router.get(
    "/reports/customers/lifetime-value/ranking",
    response={200: s.ValuePage, 307: None},
    auth=all_customers_key,
    operation_id="customer_lifetime_value_ranking",
    openapi_extra=problems(also=REDIRECT_DOCUMENT),
)
def customer_lifetime_value_ranking(request: HttpRequest, query: Query[s.ValueRankingQuery]):
    """Customers by lifetime revenue (exact) or by predicted value (model), highest first,
    keyset-paged: follow `next` (a page costs the same at any depth)."""
    if query.format == "csv":
        return csv_redirect(request)
    after = _position(query.cursor, by=query.by)
    using = reports_db(request)
    as_of = reports_as_of(using=using)
    selected = customer_value_ranking(by=query.by, after=after, limit=query.limit + 1)
    rows = report_rows(selected, using=using)
    more, rows = len(rows) > query.limit, rows[: query.limit]
    next_cursor = None
    if more:
        next_cursor = value_cursor_encode(query.by, *value_cursor_position(rows[-1], by=query.by))
    return {
        "report": selected.view,
        "as_of": as_of,
        "by": query.by,
        "limit": query.limit,
        "exact": EXACT_COLUMNS,
        "predicted": customer_value_model(using=using),
        "next": page_url(request, cursor=next_cursor) if more else None,
        "next_cursor": next_cursor,
        "results": rows,
    }


@router.get(
    "/reports/customers/lifetime-value/ranking.csv",
    response=CSV_RESPONSE,
    auth=all_customers_key,
    operation_id="customer_lifetime_value_ranking_csv",
    openapi_extra=problems(also=CSV_DOCUMENT),
)
def customer_lifetime_value_ranking_csv(request: HttpRequest, query: Query[s.ValueRankingCsvQuery]):
    """Every customer's lifetime value (from the cursor on) as CSV, streamed; the predicted_*
    columns are the model's (empty before the first fit)."""
    after = _position(query.cursor, by=query.by)
    using = reports_db(request)
    as_of = reports_as_of(using=using)
    selected = customer_value_ranking(by=query.by, after=after, limit=query.limit)
    return csv_response(
        report_stream(selected, using=using),
        filename=f"customer_value_by_{query.by}",
        as_of=as_of,
    )


def _keyset_page(request: HttpRequest, rows: list[dict], limit: int, cursor_of) -> dict:
    """`limit` rows of `rows` (one more was read) and the links to the next page."""
    more, rows = len(rows) > limit, rows[:limit]
    next_cursor = cursor_of(rows[-1]) if more else None
    return {
        "limit": limit,
        "next": page_url(request, cursor=next_cursor) if more else None,
        "next_cursor": next_cursor,
        "results": rows,
    }


def _decoded(cursor: str | None, decode):
    if not cursor:
        return None
    try:
        return decode(cursor)
    except BadCursorError:
        raise query_problem([FieldError(pointer("query", "cursor"), ERROR_BAD_CURSOR)]) from None


def _premium_position(cursor: str | None):
    return _decoded(cursor, lambda text: value_cursor_decode(text, kind=PREMIUM))


@router.get(
    "/reports/customers/premium",
    response={200: s.PremiumPage, 307: None},
    auth=all_customers_key,
    operation_id="customer_premium",
    openapi_extra=problems(also=REDIRECT_DOCUMENT),
)
def customer_premium_page(request: HttpRequest, query: Query[s.PremiumQuery]):
    """Seed 002: premium customers, who spent more than X (Complete orders), biggest first."""
    if query.format == "csv":
        return csv_redirect(request)
    after = _premium_position(query.cursor)
    using = reports_db(request)
    as_of = reports_as_of(using=using)
    selected = customer_premium(more_than=query.more_than, after=after, limit=query.limit + 1)
    page = _keyset_page(
        request,
        report_rows(selected, using=using),
        query.limit,
        lambda row: value_cursor_encode(PREMIUM, row["total_revenue"], row["customer_id"]),
    )
    return {"report": selected.view, "as_of": as_of, "more_than": query.more_than, **page}


@router.get(
    "/reports/customers/premium.csv",
    response=CSV_RESPONSE,
    auth=all_customers_key,
    operation_id="customer_premium_csv",
    openapi_extra=problems(also=CSV_DOCUMENT),
)
def customer_premium_csv(request: HttpRequest, query: Query[s.PremiumCsvQuery]):
    after = _premium_position(query.cursor)
    using = reports_db(request)
    as_of = reports_as_of(using=using)
    selected = customer_premium(more_than=query.more_than, after=after, limit=query.limit)
    return csv_response(report_stream(selected, using=using), filename="premium", as_of=as_of)


def _recent_position(cursor: str | None):
    return _decoded(cursor, lambda text: cursor_decode(text, kind=RECENT))


@router.get(
    "/reports/orders/recent",
    response={200: s.RecentOrdersPage, 307: None},
    auth=all_customers_key,
    operation_id="orders_recent",
    openapi_extra=problems(also=REDIRECT_DOCUMENT),
)
def orders_recent_page(request: HttpRequest, query: Query[s.RecentOrdersQuery]):
    """Seed 002: the orders of the last N days with more than M item lines, newest first, live
    from the orders (no as_of: every committed order is in)."""
    if query.format == "csv":
        return csv_redirect(request)
    selected = orders_recent(
        days=query.days,
        more_than_items=query.more_than_items,
        before=_recent_position(query.cursor),
        limit=query.limit + 1,
    )
    page = _keyset_page(
        request,
        report_rows(selected, using=reports_db(request)),
        query.limit,
        lambda row: cursor_encode(RECENT, row["created_at"], row["order_id"]),
    )
    return {
        "report": selected.view,
        "days": query.days,
        "more_than_items": query.more_than_items,
        **page,
    }


@router.get(
    "/reports/orders/recent.csv",
    response=CSV_RESPONSE,
    auth=all_customers_key,
    operation_id="orders_recent_csv",
    openapi_extra=problems(also=CSV_DOCUMENT),
)
def orders_recent_csv(request: HttpRequest, query: Query[s.RecentOrdersCsvQuery]):
    selected = orders_recent(
        days=query.days,
        more_than_items=query.more_than_items,
        before=_recent_position(query.cursor),
        limit=query.limit,
    )
    rows = report_stream(selected, using=reports_db(request))
    return csv_response(rows, filename="recent_orders", as_of=None)


def _customer_position(cursor: str | None) -> int | None:
    def decode(text: str) -> int:
        _, customer_id = value_cursor_decode(text, kind=LAST_ORDER)
        return customer_id

    return _decoded(cursor, decode)


@router.get(
    "/reports/customers/last-order",
    response={200: s.LastOrderPage, 307: None},
    auth=all_customers_key,
    operation_id="customer_last_order",
    openapi_extra=problems(also=REDIRECT_DOCUMENT),
)
def customer_last_order_page(request: HttpRequest, query: Query[s.LastOrderQuery]):
    """Seed 002: every customer's last order date, by customer id."""
    if query.format == "csv":
        return csv_redirect(request)
    using = reports_db(request)
    as_of = reports_as_of(using=using)
    selected = customer_last_order(after_id=_customer_position(query.cursor), limit=query.limit + 1)
    page = _keyset_page(
        request,
        report_rows(selected, using=using),
        query.limit,
        lambda row: value_cursor_encode(LAST_ORDER, 0, row["customer_id"]),
    )
    return {"report": selected.view, "as_of": as_of, **page}


@router.get(
    "/reports/customers/last-order.csv",
    response=CSV_RESPONSE,
    auth=all_customers_key,
    operation_id="customer_last_order_csv",
    openapi_extra=problems(also=CSV_DOCUMENT),
)
def customer_last_order_csv(request: HttpRequest, query: Query[s.LastOrderCsvQuery]):
    using = reports_db(request)
    as_of = reports_as_of(using=using)
    selected = customer_last_order(after_id=_customer_position(query.cursor), limit=query.limit)
    return csv_response(report_stream(selected, using=using), filename="last_order", as_of=as_of)


@router.get(
    "/reports/cohorts",
    response={200: s.CohortsPage, 307: None},
    auth=all_customers_key,
    operation_id="cohorts",
    openapi_extra=problems(also=REDIRECT_DOCUMENT),
    by_alias=True,
)
def cohorts_page(request: HttpRequest, query: Query[s.CohortsQuery]):
    """The retention matrix: customers by the month of their first order, and for each later
    month how many of them ordered again and what they spent."""
    if query.format == "csv":
        return csv_redirect(request)
    _ordered(query.first, query.last)
    using = reports_db(request)
    as_of = reports_as_of(using=using)
    selected = cohorts(first=query.first, last=query.last)
    return {
        "report": selected.view,
        "as_of": as_of,
        "from": month_text(query.first),
        "to": month_text(query.last),
        "results": report_rows(selected, using=using),
    }


@router.get(
    "/reports/cohorts.csv",
    response=CSV_RESPONSE,
    auth=all_customers_key,
    operation_id="cohorts_csv",
    openapi_extra=problems(also=CSV_DOCUMENT),
)
def cohorts_csv(request: HttpRequest, query: Query[s.CohortsCsvQuery]):
    _ordered(query.first, query.last)
    using = reports_db(request)
    as_of = reports_as_of(using=using)
    rows = report_stream(cohorts(first=query.first, last=query.last), using=using)
    return csv_response(rows, filename="cohorts", as_of=as_of)
