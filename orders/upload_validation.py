"""Validation of the upload body (seed 003): every invalid field is reported with its pointer.

Unknown fields are ignored, so that clients may send richer documents than this API reads.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from orders.models import Status
from orders.problems import FieldError, Problem

MAX_ORDERS = 5_000
MAX_ITEMS = 1_000
MAX_TOTAL = Decimal("9999999999.99")  # decimal(12, 2)
MAX_PRICE = Decimal("99999999.99")  # decimal(10, 2)
MAX_QUANTITY = 1_000_000
CENT = Decimal("0.01")

STATUS_ALIASES = {
    "pending": Status.PENDING,
    "new": Status.PENDING,
    "created": Status.PENDING,
    "complete": Status.COMPLETE,
    "completed": Status.COMPLETE,
    "delivered": Status.COMPLETE,
    "paid": Status.COMPLETE,
    "cancelled": Status.CANCELLED,
    "canceled": Status.CANCELLED,
    "failed": Status.CANCELLED,
    "refunded": Status.CANCELLED,
}

ERROR_REQUIRED = "is required"
ERROR_NOT_STRING = "must be a string"
ERROR_BLANK = "must not be empty"
ERROR_TOO_LONG = "must be at most {max} characters"
ERROR_NUL = "must not contain NUL characters"
ERROR_NOT_DATETIME = "must be an ISO-8601 date-time, e.g. 2025-11-12T10:00:00Z"
ERROR_NO_TIMEZONE = "must include a timezone, e.g. 2025-11-12T10:00:00Z"
ERROR_DATETIME_RANGE = "is outside the supported range of dates"
ERROR_NOT_NUMBER = "must be a number"
ERROR_NEGATIVE = "must be at least 0"
ERROR_TOO_LARGE = "must be at most {max}"
ERROR_DECIMALS = "must have at most 2 decimal places"
ERROR_NOT_INTEGER = "must be an integer"
ERROR_QUANTITY = "must be at least 1"
ERROR_STATUS = "must be one of: " + ", ".join(sorted(STATUS_ALIASES)) + " (any case)"
ERROR_NOT_OBJECT = "must be an object"
ERROR_NOT_LIST = "must be an array"
ERROR_NO_ORDERS = "must contain at least one order"
ERROR_TOO_MANY_ORDERS = f"must contain at most {MAX_ORDERS} orders per upload"
ERROR_NO_ITEMS = "must contain at least one item"
ERROR_TOO_MANY_ITEMS = f"must contain at most {MAX_ITEMS} items per order"
ERROR_DUPLICATE_ORDER = "repeats the order number of {other}"
ERROR_STATUS_BEFORE_CREATED = "must not be before created_at"
ERROR_CONTROL = "must not contain control characters (newline, tab, U+0001 ...)"
ERROR_INVISIBLE = (
    "must not contain control or invisible characters (newline, U+200B zero-width space, "
    "U+FEFF, bidirectional overrides ...)"
)
# Unicode categories: Cc control, Cf format (invisible), Zl/Zp line and paragraph separators.
TEXT_REFUSED = frozenset({"Cc", "Zl", "Zp"})
IDENTIFIER_REFUSED = TEXT_REFUSED | {"Cf"}
# A status time far in the future would stay the order's current status for ever (no later
# event could beat it): allow only clock skew.
STATUS_FUTURE_SKEW = datetime.timedelta(minutes=5)
ERROR_STATUS_IN_FUTURE = "must not be more than 5 minutes in the future"
ERROR_STATUS_BEFORE_ORDER = "must not be before the order's created_at ({created_at})"
ERROR_SUMMARY = "The upload has {count} invalid field(s); nothing was written."
ERROR_STATUS_BODY = "The status change has {count} invalid field(s); nothing was written."


@dataclass(frozen=True)
class ItemInput:
    sku: str
    name: str
    quantity: int
    price: Decimal


@dataclass(frozen=True)
class OrderInput:
    order_number: str
    created_at: datetime.datetime
    total_amount: Decimal
    status: Status
    status_at: datetime.datetime | None
    items: tuple[ItemInput, ...]


@dataclass(frozen=True)
class UploadInput:
    username: str
    orders: tuple[OrderInput, ...]


@dataclass(frozen=True)
class StatusInput:
    status: Status
    created: datetime.datetime | None


class _Errors(list):
    def add(self, where: str, detail: str) -> None:
        self.append(FieldError(where, detail))


def upload_parse(body: dict) -> UploadInput:
    """The normalised upload, or Problem(422) listing every invalid field."""
    errors = _Errors()
    username = _string(body, "user", 50, "", errors)
    orders = []
    raw_orders = body.get("orders")
    if raw_orders is None:
        errors.add("/orders", ERROR_REQUIRED)
    elif not isinstance(raw_orders, list):
        errors.add("/orders", ERROR_NOT_LIST)
    elif not raw_orders:
        errors.add("/orders", ERROR_NO_ORDERS)
    elif len(raw_orders) > MAX_ORDERS:
        errors.add("/orders", ERROR_TOO_MANY_ORDERS)
    else:
        first_seen: dict[str, str] = {}
        for index, raw in enumerate(raw_orders):
            order = _order(raw, f"/orders/{index}", errors)
            number = raw.get("order_number") if isinstance(raw, dict) else None
            if not isinstance(number, str):
                continue
            where = f"/orders/{index}/order_number"
            if number in first_seen:
                errors.add(where, ERROR_DUPLICATE_ORDER.format(other=first_seen[number]))
                continue
            first_seen[number] = where
            if order is not None:
                orders.append(order)
    if errors:
        raise Problem(422, ERROR_SUMMARY.format(count=len(errors)), errors=errors)
    return UploadInput(username=username, orders=tuple(orders))


def status_parse(body: dict, *, order_created_at: datetime.datetime) -> StatusInput:
    """A status event for an order created at `order_created_at`; its time bounded by it."""
    errors = _Errors()
    status = _status(body, "status", "", errors)
    created = _datetime(body, "created", "", errors, required=False)
    if created is not None:
        if created > _now() + STATUS_FUTURE_SKEW:
            errors.add("/created", ERROR_STATUS_IN_FUTURE)
        elif created < order_created_at:
            errors.add(
                "/created",
                ERROR_STATUS_BEFORE_ORDER.format(created_at=order_created_at.isoformat()),
            )
    if errors:
        raise Problem(422, ERROR_STATUS_BODY.format(count=len(errors)), errors=errors)
    return StatusInput(status=status, created=created)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _order(raw, where: str, errors: _Errors) -> OrderInput | None:
    if not isinstance(raw, dict):
        errors.add(where, ERROR_NOT_OBJECT)
        return None
    count = len(errors)
    order_number = _string(raw, "order_number", 50, where, errors)
    created_at = _datetime(raw, "created_at", where, errors)
    total_amount = _amount(raw, "total_amount", MAX_TOTAL, where, errors)
    status = _status(raw, "status", where, errors)
    status_at = _datetime(raw, "status_at", where, errors, required=False)
    if status_at and created_at and status_at < created_at:
        errors.add(f"{where}/status_at", ERROR_STATUS_BEFORE_CREATED)
    elif status_at and status_at > _now() + STATUS_FUTURE_SKEW:
        errors.add(f"{where}/status_at", ERROR_STATUS_IN_FUTURE)
    items = _items(raw.get("items"), f"{where}/items", errors)
    if len(errors) > count:
        return None
    return OrderInput(order_number, created_at, total_amount, status, status_at, items)


def _items(raw, where: str, errors: _Errors) -> tuple[ItemInput, ...]:
    if raw is None:
        errors.add(where, ERROR_REQUIRED)
        return ()
    if not isinstance(raw, list):
        errors.add(where, ERROR_NOT_LIST)
        return ()
    if not raw:
        errors.add(where, ERROR_NO_ITEMS)
        return ()
    if len(raw) > MAX_ITEMS:
        errors.add(where, ERROR_TOO_MANY_ITEMS)
        return ()
    items = []
    for index, item in enumerate(raw):
        item_where = f"{where}/{index}"
        if not isinstance(item, dict):
            errors.add(item_where, ERROR_NOT_OBJECT)
            continue
        items.append(
            ItemInput(
                sku=_string(item, "sku", 50, item_where, errors),
                name=_string(item, "name", 255, item_where, errors, identifier=False),
                quantity=_quantity(item, "quantity", item_where, errors),
                price=_amount(item, "price", MAX_PRICE, item_where, errors),
            )
        )
    return tuple(items)


def _string(
    data: dict, key: str, max_length: int, where: str, errors: _Errors, *, identifier: bool = True
):
    """A non-blank string in NFC (one spelling per visible text, so one order per number).

    Control characters are refused everywhere; invisible format characters (zero-width space,
    BOM, bidirectional overrides) in identifiers, where they would make look-alike keys.
    """
    value = data.get(key)
    at = f"{where}/{key}"
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value)
    if value is None:
        errors.add(at, ERROR_REQUIRED)
    elif not isinstance(value, str):
        errors.add(at, ERROR_NOT_STRING)
    elif not value.strip():
        errors.add(at, ERROR_BLANK)
    elif len(value) > max_length:
        errors.add(at, ERROR_TOO_LONG.format(max=max_length))
    elif "\x00" in value:
        errors.add(at, ERROR_NUL)
    elif any(unicodedata.category(char) in _refused(identifier) for char in value):
        errors.add(at, ERROR_INVISIBLE if identifier else ERROR_CONTROL)
    else:
        return value
    return None


def _refused(identifier: bool) -> frozenset[str]:
    return IDENTIFIER_REFUSED if identifier else TEXT_REFUSED


def _datetime(data: dict, key: str, where: str, errors: _Errors, *, required: bool = True):
    value = data.get(key)
    at = f"{where}/{key}"
    if value is None:
        if required:
            errors.add(at, ERROR_REQUIRED)
        return None
    if not isinstance(value, str) or "\x00" in value:
        errors.add(at, ERROR_NOT_DATETIME)
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        errors.add(at, ERROR_NOT_DATETIME)
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        errors.add(at, ERROR_NO_TIMEZONE)
        return None
    try:  # PostgreSQL takes offsets only up to ±15:59; the instant is what is stored anyway
        return parsed.astimezone(datetime.UTC)
    except OverflowError:
        errors.add(at, ERROR_DATETIME_RANGE)
        return None


def _amount(data: dict, key: str, maximum: Decimal, where: str, errors: _Errors):
    value = data.get(key)
    at = f"{where}/{key}"
    if value is None:
        errors.add(at, ERROR_REQUIRED)
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        errors.add(at, ERROR_NOT_NUMBER)  # NaN and Infinity arrive as float: refused here
        return None
    amount = Decimal(value)
    if amount < 0:
        errors.add(at, ERROR_NEGATIVE)
    elif amount > maximum:
        errors.add(at, ERROR_TOO_LARGE.format(max=maximum))
    elif amount.as_tuple().exponent < -2 and amount != amount.quantize(CENT):
        errors.add(at, ERROR_DECIMALS)
    else:
        return amount.quantize(CENT)
    return None


def _quantity(data: dict, key: str, where: str, errors: _Errors):
    value = data.get(key)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        value = int(value)  # 3.0 is the integer 3 in JSON (and in the API document's schema)
    at = f"{where}/{key}"
    if value is None:
        errors.add(at, ERROR_REQUIRED)
    elif isinstance(value, bool) or not isinstance(value, int):
        errors.add(at, ERROR_NOT_INTEGER)
    elif value < 1:
        errors.add(at, ERROR_QUANTITY)
    elif value > MAX_QUANTITY:
        errors.add(at, ERROR_TOO_LARGE.format(max=MAX_QUANTITY))
    else:
        return value
    return None


def _status(data: dict, key: str, where: str, errors: _Errors):
    value = data.get(key)
    at = f"{where}/{key}"
    if value is None:
        errors.add(at, ERROR_REQUIRED)
    elif not isinstance(value, str) or value.strip().lower() not in STATUS_ALIASES:
        errors.add(at, ERROR_STATUS)
    else:
        return STATUS_ALIASES[value.strip().lower()]
    return None
