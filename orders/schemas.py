"""The order endpoints' bodies and answers (seed 003): each declared once, here.

Validation, the answers' shape and the API document all come from these classes. Unknown body
fields are ignored, so clients may send richer documents than this API reads. Checks that compare
fields (a status before its order, a number repeated) are `upload_problems` and `status_problems`:
one 422 lists every invalid field with its pointer.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from ninja import Field
from pydantic import AfterValidator, BaseModel, BeforeValidator, WithJsonSchema

from api.errors import body_problem
from api.problems import FieldError, pointer
from api.types import Instant, Money, Out, count, invalid, money_of, present, text_of
from currencies.conf import base_currency, default_channel
from currencies.types import ChannelName, ChannelOut, CurrencyCode, CurrencyOut
from orders.models import Customer, Order, OrderItem, Status

MAX_ORDERS = 5_000
MAX_ITEMS = 1_000
MAX_QUANTITY = 1_000_000
# A status time far in the future would stay the order's current status for ever (no later
# event could beat it): only clock skew is allowed. Order times have the same bound.
STATUS_FUTURE_SKEW = datetime.timedelta(minutes=5)
# Nothing is dated before this: earlier times are the zero values of clocks and parsers
# (0001-01-01, 1900-01-01, 1970-01-01), and one of them would widen every report's range for
# ever. The reports' `from`/`to` parameters start here too (reports.schemas).
EARLIEST_TIME = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
STATUS_ALIASES = {
    **dict.fromkeys(("pending", "new", "created"), Status.PENDING),
    **dict.fromkeys(("complete", "completed", "delivered", "paid"), Status.COMPLETE),
    **dict.fromkeys(("cancelled", "canceled", "failed", "refunded"), Status.CANCELLED),
}
ERROR_STATUS_IN_FUTURE = "must not be more than 5 minutes in the future"
ERROR_BEFORE_EARLIEST = "must not be before 2000-01-01T00:00:00Z"


def _status(value: Any) -> Status:
    if isinstance(present(value), str) and value.strip().lower() in STATUS_ALIASES:
        return STATUS_ALIASES[value.strip().lower()]
    raise invalid("must be one of: " + ", ".join(sorted(STATUS_ALIASES)) + " (any case)")


StatusName = Annotated[
    Status,
    BeforeValidator(_status),
    WithJsonSchema({"type": "string", "enum": sorted(STATUS_ALIASES), "description": "any case"}),
]


def _bounded(value: datetime.datetime) -> datetime.datetime:
    if value < EARLIEST_TIME:
        raise invalid(ERROR_BEFORE_EARLIEST)
    if value > datetime.datetime.now(datetime.UTC) + STATUS_FUTURE_SKEW:
        raise invalid(ERROR_STATUS_IN_FUTURE)
    return value


# When an order or a status event happened: from EARLIEST_TIME to now plus clock skew.
EventTime = Annotated[
    Instant,
    AfterValidator(_bounded),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "not before 2000-01-01T00:00:00Z nor more than 5 minutes from now",
        }
    ),
]


class ItemIn(BaseModel):
    sku: text_of(OrderItem, "sku")
    name: text_of(OrderItem, "name", identifier=False)
    quantity: count(MAX_QUANTITY)
    price: money_of(OrderItem, "price")


class OrderIn(BaseModel):
    order_number: text_of(Order, "order_number")
    created_at: EventTime
    total_amount: money_of(Order, "total_amount")
    status: StatusName
    status_at: EventTime | None = Field(None, description="when the status took effect")
    # Omitted: the defaults, read at each request. null is refused like any other wrong value.
    currency: CurrencyCode = Field(
        default_factory=base_currency,
        description="the order's currency; default: the base (REPORTS_BASE_CURRENCY)",
    )
    channel: ChannelName = Field(
        default_factory=default_channel,
        description="the sales channel; default: the first of REPORTS_CHANNELS",
    )
    items: list[ItemIn] = Field(..., min_length=1, max_length=MAX_ITEMS)


class UploadIn(BaseModel):
    user: text_of(Customer, "username")
    orders: list[OrderIn] = Field(..., min_length=1, max_length=MAX_ORDERS)


class UploadOut(Out):
    user: str
    received: int
    created: int
    updated: int
    unchanged: int
    status_changes: int


class StatusIn(BaseModel):
    status: StatusName
    created: EventTime | None = Field(None, description="when it happened (default: now)")


class StatusOut(Out):
    order_number: str
    status: str
    created: datetime.datetime
    current_status: str | None
    current_status_at: datetime.datetime | None


class ItemOut(Out):
    sku: str
    name: str
    quantity: int
    price: Money


class HistoryEntry(Out):
    status: str
    created: datetime.datetime


class OrderOut(Out):
    order_number: str
    user: str
    created_at: datetime.datetime
    total_amount: Money
    currency: CurrencyOut
    channel: ChannelOut
    current_status: str | None
    current_status_at: datetime.datetime | None
    items: list[ItemOut]
    status_history: list[HistoryEntry]


def upload_problems(upload: UploadIn) -> None:
    """Problem(422) for what the fields cannot say alone: repeats, a status before its order."""
    errors, first_seen = [], {}
    for index, order in enumerate(upload.orders):
        where = pointer("orders", index, "order_number")
        if order.order_number in first_seen:
            other = first_seen[order.order_number]
            errors.append(FieldError(where, f"repeats the order number of {other}"))
        first_seen.setdefault(order.order_number, where)
        at = pointer("orders", index, "status_at")
        if order.status_at is not None and order.status_at < order.created_at:
            errors.append(FieldError(at, "must not be before created_at"))
    if errors:
        raise body_problem(errors)


def status_problems(change: StatusIn, *, order_created_at: datetime.datetime) -> None:
    """Problem(422) when the event's time is before its order (its type bounds the rest)."""
    if change.created is None:
        return
    if change.created < order_created_at:
        detail = f"must not be before the order's created_at ({order_created_at.isoformat()})"
        raise body_problem([FieldError("/created", detail)])


class CancelledOrder(Out):
    order_number: str
    user: str
    created_at: datetime.datetime
    total_amount: Money
    currency: CurrencyOut
    channel: ChannelOut
    cancelled_at: datetime.datetime


class CancelledPage(Out):
    count: int | None = Field(..., description="cancelled orders as of count_as_of")
    count_as_of: datetime.datetime | None
    next: str | None
    previous: str | None
    next_cursor: str | None = Field(..., description="the next page by cursor (any depth)")
    results: list[CancelledOrder]


class UploadRecordOut(Out):
    created_at: datetime.datetime = Field(..., description="when the upload arrived")
    key_name: str
    customer: str = Field(..., description="the upload's user, as sent")
    request_id: str
    duration_ms: float
    received: int
    created: int
    updated: int
    unchanged: int
    status_changes: int
    status: int = Field(..., description="the HTTP status answered: 200 is ok")
    error: str = Field(..., description="the problem's title; empty when ok")
    outcome: str = Field(..., description="'ok', or the status and the problem's title")


class UploadPage(Out):
    next: str | None
    next_cursor: str | None = Field(..., description="the next page by cursor")
    results: list[UploadRecordOut]
