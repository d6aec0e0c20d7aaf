"""The order endpoints: parse (the schemas), call one service or selector, answer.

Order numbers are any text the upload accepts (`stats`, `upload`, `A/1`), so the detail and the
status webhook are reached by `GET /api/order?number=…` and `POST /api/order/status?number=…`;
the older `/api/orders/{order_number}` routes stay for the numbers they can spell.

Uploads, the status webhook (which answers with the status it just wrote) and an order's detail
(read after a write) use the primary; the cancelled list reads from `reports_db(request)`, a
streaming replica when one is configured (project.replica), so it lags by the replica's replay.
"""

from __future__ import annotations

import functools
import logging
import time
import unicodedata
from typing import Literal

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Answer

from api.auth import all_customers_key, read_key, write_key
from api.csv_stream import (
    CSV_DOCUMENT,
    CSV_RESPONSE,
    REDIRECT_DOCUMENT,
    Format,
    csv_redirect,
    csv_response,
)
from api.errors import query_problem
from api.pagination import BadCursorError, cursor_decode, cursor_encode, page_url
from api.problems import TITLES, FieldError, Problem, pointer, problems
from api.types import MAX_INTEGER, page_size
from orders.metrics import upload_conflict_observe, upload_observe, upload_paused_observe
from orders.models import Order
from orders.schemas import (
    CancelledPage,
    OrderOut,
    StatusIn,
    StatusOut,
    UploadIn,
    UploadOut,
    UploadPage,
    status_problems,
    upload_problems,
)
from orders.selectors import (
    CANCELLED_MAX_OFFSET,
    order_cancelled_page,
    order_cancelled_stream,
    order_get,
    order_get_with_history,
    upload_pause_seconds,
)
from orders.services import (
    OrderNumbersTaken,
    UploadResult,
    order_status_add,
    order_upsert_many,
    upload_conflict_record,
)
from orders.upload_history import upload_history_page, upload_record
from project.replica import reports_db

router = Router(tags=["orders"])
logger = logging.getLogger("orders.upload")

ORDER_NUMBER_MAX = Order._meta.get_field("order_number").max_length
ERROR_UNKNOWN_ORDER = "No order has the number {number!r}."
ERROR_KEY_FOR_OTHER_USER = "This API key may upload only the orders of {username!r}."
ERROR_UPLOADS_PAUSED = (
    "This API key's uploads were refused too often for order numbers of other customers; it "
    "may upload again after Retry-After seconds."
)
ERROR_BAD_CURSOR = "is not a cursor from a next link of this endpoint and order"
ERROR_PAGE_WITH_CURSOR = "cannot be combined with cursor"
ERROR_TOO_DEEP = (
    "goes deeper than {limit:,} orders; follow the cursor links (next_cursor) instead, which "
    "cost the same at any depth"
)
ERROR_PAST_THE_END = "Page {page} is past the last page."
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
UPLOADS_CURSOR = "uploads"


@router.post(
    "/orders/upload",
    response=UploadOut,
    auth=write_key,
    operation_id="orders_upload",
    openapi_extra=problems(409, 429),
)
def orders_upload(request: HttpRequest, upload: UploadIn):
    """Create or update a customer's orders, items and statuses (seed 003), all or nothing.

    An upload repeated is an update, never a duplicate; re-sending an old body never moves an
    order's status backwards. A key bound to a customer is not told which order numbers
    belong to another customer, and its uploads pause (429) after repeated such refusals.
    """
    started_at, started = timezone.now(), time.perf_counter()
    record = functools.partial(
        upload_record,
        key=request.auth,
        customer=upload.user,
        request_id=getattr(request, "request_id", ""),
        started_at=started_at,
        received=len(upload.orders),
    )
    try:
        result = _upload(request, upload, started)
    except Problem as problem:
        record(duration_ms=_ms_since(started), status=problem.status, error=_title(problem.status))
        raise
    except Exception:
        try:  # the database may be what failed: its answer matters more than the record
            record(duration_ms=_ms_since(started), status=500, error=_title(500))
        except DatabaseError:
            logger.exception("upload not recorded")
        raise
    record(duration_ms=_ms_since(started), result=result)
    return {"user": upload.user, **result.as_dict()}


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _title(status: int) -> str:
    return TITLES.get(status, "Error")


def _upload(request: HttpRequest, upload: UploadIn, started: float) -> UploadResult:
    key = request.auth
    if key.customer is not None and key.customer.username != upload.user:
        raise Problem(403, ERROR_KEY_FOR_OTHER_USER.format(username=key.customer.username))
    bound = key.customer_id is not None
    if bound and (wait := upload_pause_seconds(key_id=key.pk)) is not None:
        upload_paused_observe(key.name)
        raise Problem(429, ERROR_UPLOADS_PAUSED, headers={"Retry-After": str(wait)})
    upload_problems(upload)
    try:
        result = order_upsert_many(upload=upload, received_at=timezone.now(), name_taken=not bound)
    except OrderNumbersTaken:
        upload_conflict_observe(key.name)
        if bound:  # after the upload's rollback: the refusal is counted, nothing else stays
            upload_conflict_record(key_id=key.pk)
        raise
    upload_observe(result)
    duration_ms = _ms_since(started)
    logger.info(
        "upload customer=%s received=%d created=%d updated=%d unchanged=%d status_changes=%d "
        "duration_ms=%.1f key=%s",
        upload.user,
        result.received,
        result.created,
        result.updated,
        result.unchanged,
        result.status_changes,
        duration_ms,
        request.auth.name,
        extra={
            "customer": upload.user,
            **{f"orders_{name}": count for name, count in result.as_dict().items()},
            "duration_ms": duration_ms,
            "key_name": request.auth.name,
        },
    )
    return result


class OrderNumber(Schema):
    number: str = Field(..., description="the order number, any text the upload accepts")


def _order(request: HttpRequest, number: str, *, with_history: bool) -> Order:
    number = unicodedata.normalize("NFC", number)  # as uploads store it
    if len(number) > ORDER_NUMBER_MAX or "\x00" in number:
        raise Problem(404, ERROR_UNKNOWN_ORDER.format(number=number[:ORDER_NUMBER_MAX]))
    bound = request.auth.customer_id  # another customer's order answers like a missing one
    selector = order_get_with_history if with_history else order_get
    order = selector(order_number=number, customer_id=bound)
    if order is None:
        raise Problem(404, ERROR_UNKNOWN_ORDER.format(number=number))
    return order


def _detail(request: HttpRequest, number: str) -> dict:
    order = _order(request, number, with_history=True)
    return {
        "order_number": order.order_number,
        "user": order.customer.username,
        "created_at": order.created_at,
        "total_amount": order.total_amount,
        "currency": order.currency,
        "channel": order.channel,
        "current_status": order.current_status,
        "current_status_at": order.current_status_at,
        "items": order.item_list,
        "status_history": order.history,
    }


def _status(request: HttpRequest, number: str, change: StatusIn) -> Answer:
    order = _order(request, number, with_history=False)
    status_problems(change, order_created_at=order.created_at)
    entry = order_status_add(order=order, status=change.status, created=change.created)
    return Answer(
        201,
        {
            "order_number": order.order_number,
            "status": entry.status,
            "created": entry.created,
            "current_status": order.current_status,
            "current_status_at": order.current_status_at,
        },
    )


@router.get(
    "/order",
    response=OrderOut,
    auth=read_key,
    operation_id="order_get",
    openapi_extra=problems(404),
)
def order_detail(request: HttpRequest, query: Query[OrderNumber]):
    """One order with its items and status history, read in one snapshot."""
    return _detail(request, query.number)


@router.post(
    "/order/status",
    response={201: StatusOut},
    auth=write_key,
    operation_id="order_status_add",
    openapi_extra=problems(404),
)
def order_status(request: HttpRequest, query: Query[OrderNumber], change: StatusIn):
    """Record a status event (payment, failure, refund); the latest event is the status.

    The same event delivered twice is recorded once.
    """
    return _status(request, query.number, change)


@router.get(
    "/orders/{order_number}",
    response=OrderOut,
    auth=read_key,
    operation_id="order_get_by_path",
    deprecated=True,
    openapi_extra=problems(404),
)
def order_get_by_path(request: HttpRequest, order_number: str):
    """As `GET /api/order?number=…`, for the numbers a path can spell (not `stats`, `upload`)."""
    return _detail(request, order_number)


@router.post(
    "/orders/{order_number}/status",
    response={201: StatusOut},
    auth=write_key,
    operation_id="order_status_add_by_path",
    deprecated=True,
    openapi_extra=problems(404),
)
def order_status_by_path(request: HttpRequest, order_number: str, change: StatusIn):
    """As `POST /api/order/status?number=…`, for the numbers a path can spell."""
    return _status(request, order_number, change)


# Names for the generated clients' enum members (else VALUE_0, VALUE_1: a value starting with
# "-" is no identifier). openapi-python-client reads x-enum-varnames.
ORDER_ENUM_NAMES = {"x-enum-varnames": ["NEWEST_CREATED", "NEWEST_CANCELLED"]}


class CancelledQuery(Schema):
    order: Literal["-created_at", "-cancelled_at"] = Field(
        "-created_at",
        description="-created_at: newest orders first (seed 000); -cancelled_at: most "
        "recently cancelled first",
        json_schema_extra=ORDER_ENUM_NAMES,
    )
    cursor: str | None = Field(None, description="a position from next_cursor; '' starts")
    page: int | None = Field(None, ge=1, le=MAX_INTEGER, description="page number (1-based)")
    page_size: page_size(default=DEFAULT_PAGE_SIZE, cap=MAX_PAGE_SIZE)
    format: Format = "json"


def _position(query: CancelledQuery, errors: list[FieldError]):
    if not query.cursor:  # an empty cursor starts from the top
        return None
    try:
        return cursor_decode(query.cursor, kind=query.order, unnamed=query.order == "-created_at")
    except BadCursorError:
        errors.append(FieldError(pointer("query", "cursor"), ERROR_BAD_CURSOR))
        return None


@router.get(
    "/v1/orders/cancelled/",
    response={200: CancelledPage, 307: None},
    auth=all_customers_key,
    operation_id="orders_cancelled",
    openapi_extra=problems(404, also=REDIRECT_DOCUMENT),
)
def orders_cancelled(request: HttpRequest, query: Query[CancelledQuery]):
    """Seed 000: the cancelled orders, newest first, by page number or by cursor.

    `count` is exact as of `count_as_of` (reports.status_counts); the rows are live.
    """
    if query.format == "csv":
        return csv_redirect(request)
    errors: list[FieldError] = []
    keyset = query.cursor is not None
    position = _position(query, errors)
    page = query.page or 1
    if keyset and query.page is not None:
        errors.append(FieldError(pointer("query", "page"), ERROR_PAGE_WITH_CURSOR))
    elif (page - 1) * query.page_size > CANCELLED_MAX_OFFSET:
        detail = ERROR_TOO_DEEP.format(limit=CANCELLED_MAX_OFFSET)
        errors.append(FieldError(pointer("query", "page"), detail))
    if errors:
        raise query_problem(errors)
    page_rows = order_cancelled_page(
        ordering=query.order,
        size=query.page_size + 1,
        offset=0 if keyset else (page - 1) * query.page_size,
        position=position,
        using=reports_db(request),
    )
    rows = page_rows.rows
    if not rows and not keyset and page > 1:
        raise Problem(404, ERROR_PAST_THE_END.format(page=page))
    more, rows = len(rows) > query.page_size, rows[: query.page_size]
    next_cursor = None
    if more:
        moment = rows[-1]["created_at" if query.order == "-created_at" else "cancelled_at"]
        cursor = cursor_encode(query.order, moment, rows[-1]["pk"])
        next_cursor = page_url(request, cursor=cursor, page=None)
    if keyset:
        links = {"next": next_cursor, "previous": None}
    else:
        links = {
            "next": page_url(request, page=page + 1) if more else None,
            "previous": page_url(request, page=page - 1) if page > 1 else None,
        }
    return {
        "count": page_rows.count,
        "count_as_of": page_rows.count_as_of,
        **links,
        "next_cursor": next_cursor,
        "results": rows,
    }


class CancelledCsvQuery(Schema):
    order: Literal["-created_at", "-cancelled_at"] = Field(
        "-created_at", json_schema_extra=ORDER_ENUM_NAMES
    )
    cursor: str | None = Field(None, description="start after this position")


@router.get(
    "/v1/orders/cancelled.csv",
    response=CSV_RESPONSE,
    auth=all_customers_key,
    operation_id="orders_cancelled_csv",
    openapi_extra=CSV_DOCUMENT,
)
def orders_cancelled_csv(request: HttpRequest, query: Query[CancelledCsvQuery]) -> HttpResponse:
    """Every cancelled order (from the cursor on) as CSV, streamed."""
    errors: list[FieldError] = []
    position = _position(query, errors)
    if errors:
        raise query_problem(errors)
    rows = order_cancelled_stream(
        ordering=query.order, position=position, using=reports_db(request)
    )
    return csv_response(rows, filename="cancelled_orders", as_of=None)


class UploadsQuery(Schema):
    cursor: str | None = Field(None, description="a position from next_cursor; '' starts")
    page_size: page_size(default=DEFAULT_PAGE_SIZE, cap=MAX_PAGE_SIZE)


@router.get("/uploads", response=UploadPage, auth=read_key, operation_id="uploads_list")
def uploads_list(request: HttpRequest, query: Query[UploadsQuery]):
    """This key's own uploads, newest first, by cursor (docs/UPLOADS.md): counts and outcome.

    Kept UPLOAD_HISTORY_DAYS days (and at most UPLOAD_HISTORY_MAX_ROWS uploads of all keys).
    """
    position = None
    if query.cursor:
        try:
            position = cursor_decode(query.cursor, kind=UPLOADS_CURSOR)
        except BadCursorError:
            raise query_problem(
                [FieldError(pointer("query", "cursor"), ERROR_BAD_CURSOR)]
            ) from None
    rows = upload_history_page(key=request.auth, limit=query.page_size + 1, after=position)
    more, rows = len(rows) > query.page_size, rows[: query.page_size]
    next_cursor = None
    if more:
        cursor = cursor_encode(UPLOADS_CURSOR, rows[-1].created_at, rows[-1].pk)
        next_cursor = page_url(request, cursor=cursor)
    return {"next": next_cursor, "next_cursor": next_cursor, "results": rows}
