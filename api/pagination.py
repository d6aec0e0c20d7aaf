"""Links to other pages, and opaque keyset cursors (a position in an ordered list)."""

from __future__ import annotations

import base64
import binascii
import datetime
from decimal import Decimal

from django.http import HttpRequest

CURSOR_MAX_ID = 2**63


class BadCursorError(ValueError):
    pass


def page_url(request: HttpRequest, **changes) -> str:
    """This request's URL with some query parameters changed (None: removed)."""
    query = request.GET.copy()
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = str(value)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def cursor_encode(kind: str, moment: datetime.datetime, pk: int) -> str:
    """A position after the row (moment, pk) of the ordering `kind`."""
    raw = f"{kind}|{moment.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(
    cursor: str, *, kind: str, unnamed: bool = False
) -> tuple[datetime.datetime, int]:
    """The (moment, pk) of a cursor made for the ordering `kind`, or BadCursorError.

    `unnamed`: cursors made before orderings were named (moment|pk) are of this `kind`.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = raw.split("|")
        made_for, moment, pk = [kind, *parts] if unnamed and len(parts) == 2 else parts
        moment, pk = datetime.datetime.fromisoformat(moment), int(pk)
        if made_for != kind or moment.tzinfo is None or not 0 < pk < CURSOR_MAX_ID:
            raise BadCursorError(cursor)
        # Any offset Python reads (up to ±23:59:59, seconds included) names one instant;
        # PostgreSQL reads only ±15:59, so the position travels in UTC.
        return moment.astimezone(datetime.UTC), pk
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError) as error:
        raise BadCursorError(cursor) from error


def value_cursor_encode(kind: str, value: Decimal, pk: int) -> str:
    """A position after the row (value, pk) of the ordering `kind` (a number, then a key)."""
    raw = f"{kind}|{value}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def value_cursor_decode(cursor: str, *, kind: str) -> tuple[Decimal, int]:
    """The (value, pk) of a cursor made for the ordering `kind`, or BadCursorError."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        made_for, value, pk = raw.split("|")
        value, pk = Decimal(value), int(pk)
        if made_for != kind or not value.is_finite() or not 0 < pk < CURSOR_MAX_ID:
            raise BadCursorError(cursor)
        return value, pk
    except (binascii.Error, UnicodeDecodeError, ValueError, ArithmeticError) as error:
        raise BadCursorError(cursor) from error


def key_cursor_encode(kind: str, key: str | int) -> str:
    """A position after the row with the unique `key` (a sku, an id) of the ordering `kind`."""
    raw = f"{kind}|{key}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def key_cursor_decode(cursor: str, *, kind: str) -> str:
    """The key of a cursor made by `key_cursor_encode` for `kind`, or BadCursorError."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise BadCursorError(cursor) from error
    made_for, separator, key = raw.partition("|")
    if made_for != kind or not separator or not key or "\x00" in key:
        raise BadCursorError(cursor)
    return key
