"""Writes to the order store. current_status is never written here: the triggers keep it.

The bulk upload (seed 003) is idempotent and runs a fixed number of set-based statements per
upload. New orders are written once: their ids and first history rows are drawn up front, so the
row goes in already carrying its latest status and the history trigger has nothing to move
(rewriting thousands of just-inserted orders and their indexes cost a third of an upload).
Existing orders get their new history rows and the trigger moves them as usual.

Replays never undo history: each order keeps the status it was last uploaded with, and an upload
appends a status to an existing order only when it differs both from that uploaded status and
from the current one, so re-sending an old document after a refund leaves the refund in place.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from api.problems import FieldError, Problem, pointer
from currencies.conf import base_currency, default_channel
from orders.models import Customer, Order, OrderItem, OrderStatus, Status
from orders.schemas import OrderIn, UploadIn
from project.sqlfiles import run_sql


@dataclass(frozen=True)
class ItemData:
    sku: str
    name: str
    quantity: int
    price: Decimal


@transaction.atomic
def order_create(
    *,
    customer: Customer,
    order_number: str,
    created_at: datetime.datetime,
    total_amount: Decimal,
    items: Iterable[ItemData] = (),
    currency: str | None = None,
    channel: str | None = None,
) -> Order:
    """Create an order with its items and its first `Pending` status, all or nothing.
    Without a currency or channel: the base currency, the default channel."""
    order = Order.objects.create(
        customer=customer,
        order_number=order_number,
        created_at=created_at,
        total_amount=total_amount,
        currency=currency or base_currency(),
        channel=channel or default_channel(),
    )
    OrderItem.objects.bulk_create(
        OrderItem(order=order, sku=i.sku, name=i.name, quantity=i.quantity, price=i.price)
        for i in items
    )
    OrderStatus.objects.create(order=order, status=Status.PENDING, created=created_at)
    order.refresh_from_db(fields=["current_status", "current_status_at", "current_status_entry_id"])
    return order


@transaction.atomic
def order_status_add(
    *, order: Order, status: str, created: datetime.datetime | None = None
) -> OrderStatus:
    """Append a status to the history; the trigger decides whether it becomes current.

    An identical event (same order, status and time) already recorded is returned, not appended
    again: a webhook delivered twice, even twice at the same moment, records one row, as the
    unique constraint orderstatus_one_row_per_event decides (ON CONFLICT DO NOTHING). The order
    is locked first, as an upload locks its orders before their history: a delivery and an
    upload carrying the same event then wait for each other in one order, never in a cycle, and
    the delivery that waited reads the row the first one committed.
    """
    event = {"order": order, "status": Status(status), "created": created or timezone.now()}
    Order.objects.select_for_update(no_key=True).filter(pk=order.pk).values_list("pk").get()
    OrderStatus.objects.bulk_create([OrderStatus(**event)], ignore_conflicts=True)
    entry = OrderStatus.objects.get(**event)
    order.refresh_from_db(fields=["current_status", "current_status_at", "current_status_entry_id"])
    return entry


PENDING = Status.PENDING.value  # plain str: enum member lookups cost in per-row loops

ERROR_OTHER_CUSTOMERS_ORDER = "belongs to another customer; order numbers are never reassigned"
ERROR_CONFLICT = "{count} order number(s) belong to another customer; nothing was written."
# For a key bound to a customer: nothing says which numbers, nor how many (docs/API_KEYS.md).
ERROR_CONFLICT_HIDDEN = (
    "One or more of these order numbers belong to another customer (order numbers are unique "
    "across customers and never reassigned); nothing was written."
)


class OrderNumbersTaken(Problem):
    """The 409 of an upload naming another customer's order number."""


@dataclass(frozen=True)
class UploadResult:
    received: int
    created: int
    updated: int
    unchanged: int
    status_changes: int

    def as_dict(self) -> dict[str, int]:
        return {
            "received": self.received,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "status_changes": self.status_changes,
        }


@dataclass(frozen=True)
class _Existing:
    id: int
    customer_id: int
    current_status: str | None
    uploaded_status: str | None  # None: not uploaded since the column exists, or unknown

    def takes_status(self, status: str) -> bool:
        """Whether an upload saying `status` appends it: a replay of the status this order was
        last uploaded with never does, so it cannot undo a later change (a refund)."""
        return status != self.current_status and status != self.uploaded_status


def _json(rows: list[dict]) -> str:
    """Many rows as one parameter: PostgreSQL unpacks it with jsonb_to_recordset."""
    return json.dumps(rows, default=str)


def _rows(name: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        run_sql(cursor, "orders", name, params)
        return cursor.fetchall() if cursor.description else []


def _existing_orders(numbers: list[str]) -> dict[str, _Existing]:
    rows = _rows("upload_existing_orders.sql", {"numbers": numbers})
    return {
        number: _Existing(id_, customer, current, uploaded)
        for id_, number, customer, current, uploaded in rows
    }


def _refuse_foreign(
    upload: UploadIn, customer_id: int, existing: dict[str, _Existing], *, name_taken: bool
):
    foreign = {n for n, order in existing.items() if order.customer_id != customer_id}
    if foreign and not name_taken:
        raise OrderNumbersTaken(409, ERROR_CONFLICT_HIDDEN)
    if foreign:
        errors = [
            FieldError(pointer("orders", index, "order_number"), ERROR_OTHER_CUSTOMERS_ORDER)
            for index, order in enumerate(upload.orders)
            if order.order_number in foreign
        ]
        raise OrderNumbersTaken(409, ERROR_CONFLICT.format(count=len(errors)), errors=errors)


def _status_time(order: OrderIn, received_at: datetime.datetime) -> datetime.datetime:
    return order.status_at or max(received_at, order.created_at)


@transaction.atomic
def order_upsert_many(
    *, upload: UploadIn, received_at: datetime.datetime, name_taken: bool = True
) -> UploadResult:
    """Create or update the customer's orders, their items and status history, all or nothing.

    An order number of another customer refuses the whole upload (`OrderNumbersTaken`, 409),
    with a pointer to each such number when `name_taken`, else without saying which or how many.

    A status that differs from the order's current one and from the status it was last uploaded
    with is appended at `status_at`, or else at `received_at` (never before the order's
    creation): re-sending an old document never moves an order backwards. Recording the
    uploaded status alone does not count as an update.
    """
    orders = upload.orders
    [(customer_id,)] = _rows("upload_customer.sql", {"username": upload.user})
    existing = _existing_orders([order.order_number for order in orders])
    _refuse_foreign(upload, customer_id, existing, name_taken=name_taken)

    fresh = [order for order in orders if order.order_number not in existing]
    first_history = _first_history(fresh, received_at)
    [(order_ids, status_ids)] = _rows(
        "upload_draw_ids.sql", {"orders": len(fresh), "statuses": len(first_history)}
    )
    new_ids = dict(zip((order.order_number for order in fresh), order_ids, strict=True))
    for entry, status_id in zip(first_history, status_ids, strict=True):
        entry["id"], entry["order_id"] = status_id, new_ids[entry.pop("order_number")]
    latest = {entry["order_id"]: entry for entry in first_history}  # last row of each order

    written = _rows(
        "upload_upsert_orders.sql",
        {"customer_id": customer_id, "orders": _json(_order_rows(orders, new_ids, latest))},
    )
    ids = {number: id_ for id_, number, _, _ in written}
    created = {number for _, number, inserted, _ in written if inserted}
    fields_changed = {number for _, number, _, changed in written if changed}
    raced = [order.order_number for order in fresh if order.order_number not in created]
    if raced:  # created by a concurrent upload after our first look: they are existing now
        # Read after our upsert, their uploaded status is already ours: judge by the current one.
        existing.update(
            (number, replace(order, uploaded_status=None))
            for number, order in _existing_orders(raced).items()
        )
        _refuse_foreign(upload, customer_id, existing, name_taken=name_taken)
    for number, order in existing.items():
        ids.setdefault(number, order.id)

    items_changed = _items_changed(orders, ids, existing)
    _replace_items(
        [o for o in orders if o.order_number in created | items_changed],
        ids,
        stale=[ids[number] for number in items_changed],
    )

    created_ids = {ids[number] for number in created}
    history = [entry for entry in first_history if entry["order_id"] in created_ids]
    changed_status = set()
    appended: dict[int, str] = {}  # order id -> number, for existing orders given a status row
    for order in orders:
        known = existing.get(order.order_number)
        if known is not None and known.takes_status(order.status):
            history.append(
                {
                    "order_id": known.id,
                    "status": order.status,
                    "created": _status_time(order, received_at),
                }
            )
            appended[known.id] = order.order_number
        elif order.order_number in created and order.status != PENDING:
            changed_status.add(order.order_number)
    if history:
        written_for = {
            order_id
            for (order_id,) in _rows("upload_insert_statuses.sql", {"statuses": _json(history)})
        }
        changed_status |= {number for id_, number in appended.items() if id_ in written_for}

    updated = (fields_changed | items_changed | changed_status) - created
    return UploadResult(
        received=len(orders),
        created=len(created),
        updated=len(updated),
        unchanged=len(orders) - len(created) - len(updated),
        status_changes=len(changed_status),
    )


@dataclass(frozen=True)
class ConflictWindow:
    refusals: int
    started_at: datetime.datetime


def upload_conflict_record(*, key_id: int) -> ConflictWindow:
    """Count one upload refused for another customer's order number against this key, in its
    current window (a window that has passed starts again), in one statement."""
    [(refusals, started_at)] = _rows(
        "upload_conflict_record.sql",
        {"key_id": key_id, "window": settings.UPLOAD_CONFLICT_WINDOW_SECONDS},
    )
    return ConflictWindow(refusals, started_at)


def _first_history(fresh: list[OrderIn], received_at: datetime.datetime) -> list[dict]:
    """Pending at creation, then the uploaded status when it is another one, per new order."""
    history = []
    for order in fresh:
        history.append(
            {"order_number": order.order_number, "status": PENDING, "created": order.created_at}
        )
        if order.status != PENDING:
            history.append(
                {
                    "order_number": order.order_number,
                    "status": order.status,
                    "created": _status_time(order, received_at),
                }
            )
    return history


def _order_rows(
    orders: tuple[OrderIn, ...], new_ids: dict[str, int], latest: dict[int, dict]
) -> list[dict]:
    rows = []
    for order in orders:
        row = {
            "order_number": order.order_number,
            "created_at": order.created_at,
            "total_amount": order.total_amount,
            "currency": order.currency,
            "channel": order.channel,
            "uploaded_status": order.status,
        }
        order_id = new_ids.get(order.order_number)
        if order_id is not None:
            last = latest[order_id]
            row.update(
                id=order_id,
                current_status=last["status"],
                current_status_at=last["created"],
                current_status_entry_id=last["id"],
            )
        rows.append(row)
    return rows


def _items_changed(
    orders: tuple[OrderIn, ...], ids: dict[str, int], existing: dict[str, _Existing]
) -> set[str]:
    existing_ids = [ids[number] for number in existing]
    if not existing_ids:
        return set()
    stored: dict[int, list[tuple]] = defaultdict(list)
    for order_id, *item in _rows("upload_existing_items.sql", {"order_ids": existing_ids}):
        stored[order_id].append(tuple(item))
    return {
        order.order_number
        for order in orders
        if order.order_number in existing
        and sorted(stored[ids[order.order_number]])
        != sorted((i.sku, i.name, i.quantity, i.price) for i in order.items)
    }


def _replace_items(orders: list[OrderIn], ids: dict[str, int], *, stale: list[int]) -> None:
    if stale:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM orders_orderitem WHERE order_id = ANY(%s)", [stale])
    if not orders:
        return
    items = [
        {
            "order_id": ids[order.order_number],
            "sku": item.sku,
            "name": item.name,
            "quantity": item.quantity,
            "price": item.price,
        }
        for order in orders
        for item in order.items
    ]
    _rows("upload_insert_items.sql", {"items": _json(items)})
