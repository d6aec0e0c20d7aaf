"""Seed 000's list of cancelled orders, read live from orders through the partial index.

`order_list_cancelled()` (orders.selectors) is served by `order_cancelled_recent_idx` on
(created_at DESC, id DESC) WHERE current_status = 'Cancelled', so a cancellation shows at once.
Two ways to page it:

- page numbers (`OFFSET`): the page's ids come from an index-only scan of the partial index and
  only those rows are then read, but the scan still walks every skipped entry, so the depth is
  capped (`CANCELLED_MAX_OFFSET`);
- keyset cursors: the next page starts after the last (created_at, id) seen, a range start on
  the same index, so it costs the same at any depth.

The total never comes from count(*): it is the Cancelled row of reports.status_counts, exact as
of that view's last refresh (its as_of travels with it as `count_as_of`).
"""

from __future__ import annotations

import base64
import binascii
import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet

from orders.models import Order, Status
from orders.selectors import order_list_cancelled
from reports.selectors import STREAM_CHUNK_ROWS, reports_as_of, status_count

CANCELLED_MAX_OFFSET = 100_000


class BadCursorError(ValueError):
    pass


@dataclass(frozen=True)
class CancelledCount:
    count: int | None
    as_of: datetime.datetime | None


def cancelled_count() -> CancelledCount:
    as_of = reports_as_of()
    return CancelledCount(count=status_count(status=Status.CANCELLED), as_of=as_of)


def _with_columns(orders):
    return orders.select_related("customer").only(
        "order_number", "created_at", "total_amount", "current_status_at", "customer__username"
    )


def cancelled_page(*, offset: int, size: int) -> list[Order]:
    """`size` cancelled orders after skipping `offset`, newest first."""
    page_ids = order_list_cancelled().values("pk")[offset : offset + size]
    return list(_with_columns(order_list_cancelled().filter(pk__in=page_ids)))


def cancelled_after_position(*, position: tuple[datetime.datetime, int] | None) -> QuerySet[Order]:
    """The cancelled orders after `position` (the last (created_at, id) seen), newest first."""
    orders = order_list_cancelled()
    if position is None:
        return orders
    created_at, pk = position
    # `created_at <= x` is the index range start; the OR only sorts out equal timestamps.
    return orders.filter(created_at__lte=created_at).filter(
        Q(created_at__lt=created_at) | Q(pk__lt=pk)
    )


def cancelled_after(*, position: tuple[datetime.datetime, int] | None, size: int) -> list[Order]:
    return list(_with_columns(cancelled_after_position(position=position))[:size])


def cursor_encode(order: Order) -> str:
    raw = f"{order.created_at.isoformat()}|{order.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created_at, _, pk = raw.partition("|")
        moment, pk = datetime.datetime.fromisoformat(created_at), int(pk)
        if moment.tzinfo is None or not 0 < pk < 2**63:
            raise BadCursorError(cursor)
        # Any offset Python reads (up to ±23:59:59, seconds included) names one instant;
        # PostgreSQL reads only ±15:59, so the position travels in UTC.
        return moment.astimezone(datetime.UTC), pk
    except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError) as error:
        raise BadCursorError(cursor) from error


CANCELLED_CSV_COLUMNS = {
    "order_number": "order_number",
    "user": "customer__username",
    "created_at": "created_at",
    "total_amount": "total_amount",
    "cancelled_at": "current_status_at",
}


def cancelled_stream(*, position: tuple[datetime.datetime, int] | None) -> Iterator[tuple]:
    """The column names, then every cancelled order after `position`, via a server-side cursor."""
    orders = cancelled_after_position(position=position)
    with transaction.atomic():
        rows = orders.values_list(*CANCELLED_CSV_COLUMNS.values()).iterator(
            chunk_size=STREAM_CHUNK_ROWS
        )
        first = next(rows, None)  # the query runs before the header is handed out
        yield tuple(CANCELLED_CSV_COLUMNS)
        if first is not None:
            yield first
            yield from rows
