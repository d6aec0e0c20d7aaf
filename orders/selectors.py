"""Reads of the order store: one order with its history, and seed 000's cancelled orders.

The cancelled list is read live from the orders through a partial index, so a cancellation
shows at once, in one of two orders:

- `-created_at` (seed 000's): `order_cancelled_recent_idx` on (created_at DESC, id DESC);
- `-cancelled_at`, most recently cancelled first: `order_cancelled_at_idx` on
  (current_status_at DESC, id DESC), so a refund of an old order is on the first page.

Both WHERE current_status = 'Cancelled'. Page numbers (`OFFSET`) walk every skipped index entry,
so their depth is capped (`CANCELLED_MAX_OFFSET`); keyset positions (the last (moment, id) seen)
start a range on the same index and cost the same at any depth.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from psycopg import sql

from orders.models import Order, OrderStatus, Status
from project.snapshots import one_snapshot
from project.sqlfiles import read_sql, run_sql
from reports.selectors import STREAM_CHUNK_ROWS, status_count_as_of, stream_transaction

CANCELLED_MAX_OFFSET = 100_000
# ordering name -> the column of the moment (the index's leading column)
CANCELLED_ORDERINGS = {"-created_at": "created_at", "-cancelled_at": "current_status_at"}
CANCELLED_COLUMNS = {
    "order_number": "order_number",
    "user": "customer__username",
    "created_at": "created_at",
    "total_amount": "total_amount",
    "currency": "currency",
    "channel": "channel",
    "cancelled_at": "current_status_at",
}
Position = tuple[datetime.datetime, int]


def order_list_cancelled_from_history() -> QuerySet[Order]:
    """Seed 000 without schema changes: each order's latest history row, by (created, id).

    A correlated subquery per order: PostgreSQL must visit every order and its newest status,
    so the cost grows with the whole table, not with the number of cancelled orders.
    """
    latest_status = (
        OrderStatus.objects.filter(order=OuterRef("pk"))
        .order_by("-created", "-id")
        .values("status")[:1]
    )
    return (
        Order.objects.annotate(latest_status=Subquery(latest_status))
        .filter(latest_status=Status.CANCELLED)
        .order_by("-created_at", "-id")
    )


def order_list_cancelled(*, ordering: str = "-created_at") -> QuerySet[Order]:
    """Seed 000 optimised: the trigger-kept current_status, served by a partial index."""
    moment = CANCELLED_ORDERINGS[ordering]
    return Order.objects.filter(current_status=Status.CANCELLED).order_by(f"-{moment}", "-id")


def order_list_cancelled_after(*, ordering: str, position: Position | None) -> QuerySet[Order]:
    orders = order_list_cancelled(ordering=ordering)
    if position is None:
        return orders
    moment, (at, pk) = CANCELLED_ORDERINGS[ordering], position
    # `moment <= at` is the index range start; the OR only sorts out equal moments.
    return orders.filter(**{f"{moment}__lte": at}).filter(Q(**{f"{moment}__lt": at}) | Q(pk__lt=pk))


@dataclass(frozen=True)
class CancelledPage:
    rows: list[dict]  # the answer's columns, and pk
    count: int | None  # the whole list's length as of count_as_of (reports.status_counts)
    count_as_of: datetime.datetime | None


def order_cancelled_page(
    *,
    ordering: str,
    size: int,
    offset: int = 0,
    position: Position | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> CancelledPage:
    """`size` cancelled orders after `position` and `offset` skipped, and the list's total.

    Plain SQL (cancelled_page.sql), one statement: the list's hot path, where compiling the
    ORM's query cost more than running it. Read from `using` (project.replica.reports_db).
    """
    at, pk = position or (None, None)
    statement = sql.SQL(read_sql("orders", "cancelled_page.sql")).format(
        moment=sql.Identifier(CANCELLED_ORDERINGS[ordering])
    )
    with connections[using].cursor() as cursor:
        cursor.execute(statement, {"at": at, "pk": pk, "size": size, "offset": offset})
        columns = [column.name for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    if not rows:  # past the end: the total alone
        return CancelledPage([], *status_count_as_of(status=Status.CANCELLED, using=using))
    count, count_as_of = rows[0]["total"], rows[0]["total_as_of"]
    for row in rows:
        del row["total"], row["total_as_of"]
    return CancelledPage(rows, count, count_as_of)


def order_cancelled_stream(
    *, ordering: str, position: Position | None, using: str = DEFAULT_DB_ALIAS
) -> Iterator[tuple]:
    """The column names, then every cancelled order after `position`, via a server-side cursor."""
    orders = order_list_cancelled_after(ordering=ordering, position=position).using(using)
    with stream_transaction(using=using):
        rows = orders.values_list(*CANCELLED_COLUMNS.values()).iterator(
            chunk_size=STREAM_CHUNK_ROWS
        )
        first = next(rows, None)  # the query runs before the header is handed out
        yield tuple(CANCELLED_COLUMNS)
        if first is not None:
            yield first
            yield from rows


def order_get(*, order_number: str, customer_id: int | None = None) -> Order | None:
    """The order (another customer's, with `customer_id`, is None like a missing one)."""
    orders = Order.objects.filter(order_number=order_number)
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    return orders.first()


def order_get_with_history(*, order_number: str, customer_id: int | None = None) -> Order | None:
    """The order with its items and history (oldest first), all read in one snapshot.

    With `customer_id`, another customer's order is None, exactly like a missing one.
    """
    orders = Order.objects.select_related("customer").prefetch_related(
        "items", Prefetch("statuses", OrderStatus.objects.order_by("created", "id"))
    )
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    with one_snapshot():
        order = orders.filter(order_number=order_number).first()
        if order is not None:  # evaluated inside the snapshot
            order.item_list, order.history = list(order.items.all()), list(order.statuses.all())
    return order


def order_currencies() -> list[str]:
    """The currencies of the orders, in order: one index descent each (order_currencies.sql)."""
    with connection.cursor() as cursor:
        return [row[0] for row in run_sql(cursor, "orders", "order_currencies.sql").fetchall()]


def upload_pause_seconds(*, key_id: int) -> int | None:
    """Seconds until this key may upload again, when UPLOAD_CONFLICT_LIMIT of its uploads were
    refused for another customer's order number in its current window; else None."""
    params = {
        "key_id": key_id,
        "limit": settings.UPLOAD_CONFLICT_LIMIT,
        "window": settings.UPLOAD_CONFLICT_WINDOW_SECONDS,
    }
    with connection.cursor() as cursor:
        row = run_sql(cursor, "orders", "upload_pause_seconds.sql", params).fetchone()
    return max(row[0], 1) if row else None
