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
from api.pagination import BadCursorError, page_url, value_cursor_decode, value_cursor_encode
from api.problems import FieldError, Problem, pointer, problems
from orders.models import Customer
from project.replica import reports_db
from reports import customer_schemas as s
from reports.api import ERROR_NO_STATS_YET, ERROR_UNKNOWN_USER
from reports.customer_selectors import (
    customer_value_get,
    customer_value_model,
    customer_value_ranking,
    value_cursor_position,
)
from reports.selectors import report_rows, report_stream, reports_as_of

router = Router(tags=["reports"])

ERROR_BAD_CURSOR = "is not a cursor from a next link of this endpoint and ordering"
EXACT_COLUMNS = list(s.ValueExact.model_fields)
PREDICTED_COLUMNS = ("predicted_orders", "predicted_probability_alive", "predicted_value")


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
