"""Idempotent bulk upload (seed 003): a fixed number of set-based statements per upload."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction

from orders.models import Status
from orders.problems import FieldError, Problem, pointer
from orders.upload_validation import OrderInput, UploadInput
from project.sqlfiles import read_sql

ERROR_OTHER_CUSTOMERS_ORDER = "belongs to another customer; order numbers are never reassigned"
ERROR_CONFLICT = "{count} order number(s) belong to another customer; nothing was written."


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


def _rows(name: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(read_sql("orders", name), params)
        return cursor.fetchall() if cursor.description else []


def _existing_orders(numbers: list[str]) -> dict[str, _Existing]:
    rows = _rows("upload_existing_orders.sql", {"numbers": numbers})
    return {number: _Existing(id_, customer, status) for id_, number, customer, status in rows}


def _refuse_foreign(upload: UploadInput, customer_id: int, existing: dict[str, _Existing]):
    foreign = {n for n, order in existing.items() if order.customer_id != customer_id}
    if foreign:
        errors = [
            FieldError(pointer("orders", index, "order_number"), ERROR_OTHER_CUSTOMERS_ORDER)
            for index, order in enumerate(upload.orders)
            if order.order_number in foreign
        ]
        raise Problem(409, ERROR_CONFLICT.format(count=len(errors)), errors=errors)


def _item_key(sku: str, name: str, quantity: int, price) -> tuple:
    return (sku, name, quantity, price)


@transaction.atomic
def orders_upload(*, upload: UploadInput, received_at: datetime.datetime) -> UploadResult:
    """Create or update the customer's orders, their items and status history, all or nothing.

    A status that differs from the order's current one is appended at `status_at`, or else at
    `received_at` (never before the order's creation).
    """
    orders = upload.orders
    numbers = [order.order_number for order in orders]
    [(customer_id,)] = _rows("upload_customer.sql", {"username": upload.username})

    existing = _existing_orders(numbers)
    _refuse_foreign(upload, customer_id, existing)

    written = _rows(
        "upload_upsert_orders.sql",
        {
            "customer_id": customer_id,
            "numbers": numbers,
            "created_ats": [order.created_at for order in orders],
            "totals": [order.total_amount for order in orders],
        },
    )
    ids = {number: id_ for id_, number, _ in written}
    created = {number for _, number, inserted in written if inserted}
    fields_changed = set(ids) - created
    unseen = [n for n in numbers if n not in ids and n not in existing]
    if unseen:  # created by a concurrent upload after our first look
        existing.update(_existing_orders(unseen))
        _refuse_foreign(upload, customer_id, existing)
    for number, order in existing.items():
        ids.setdefault(number, order.id)

    items_changed = _items_changed(orders, ids, existing)
    _replace_items([o for o in orders if o.order_number in created | items_changed], ids)
    status_rows, changed_status = _status_rows(orders, ids, created, existing, received_at)
    if status_rows:
        order_ids, statuses, createds = zip(*status_rows, strict=True)
        _rows(
            "upload_insert_statuses.sql",
            {"order_ids": list(order_ids), "statuses": list(statuses), "createds": list(createds)},
        )

    updated = (fields_changed | items_changed | changed_status) - created
    return UploadResult(
        received=len(orders),
        created=len(created),
        updated=len(updated),
        unchanged=len(orders) - len(created) - len(updated),
        status_changes=len(changed_status),
    )


def _items_changed(
    orders: tuple[OrderInput, ...], ids: dict[str, int], existing: dict[str, _Existing]
) -> set[str]:
    existing_ids = {ids[number] for number in existing}
    if not existing_ids:
        return set()
    stored: dict[int, list[tuple]] = defaultdict(list)
    for order_id, *item in _rows("upload_existing_items.sql", {"order_ids": list(existing_ids)}):
        stored[order_id].append(_item_key(*item))
    return {
        order.order_number
        for order in orders
        if order.order_number in existing
        and sorted(stored[ids[order.order_number]])
        != sorted(_item_key(i.sku, i.name, i.quantity, i.price) for i in order.items)
    }


def _replace_items(orders: list[OrderInput], ids: dict[str, int]) -> None:
    if not orders:
        return
    replaced = [ids[order.order_number] for order in orders]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM orders_orderitem WHERE order_id = ANY(%s)", [replaced])
    items = [(ids[order.order_number], item) for order in orders for item in order.items]
    _rows(
        "upload_insert_items.sql",
        {
            "order_ids": [order_id for order_id, _ in items],
            "skus": [item.sku for _, item in items],
            "names": [item.name for _, item in items],
            "quantities": [item.quantity for _, item in items],
            "prices": [item.price for _, item in items],
        },
    )


def _status_rows(
    orders: tuple[OrderInput, ...],
    ids: dict[str, int],
    created: set[str],
    existing: dict[str, _Existing],
    received_at: datetime.datetime,
) -> tuple[list[tuple], set[str]]:
    rows: list[tuple] = []
    changed: set[str] = set()
    for order in orders:
        order_id = ids[order.order_number]
        if order.order_number in created:
            rows.append((order_id, Status.PENDING.value, order.created_at))
            current = Status.PENDING
        else:
            current = existing[order.order_number].current_status
        if order.status != current:
            at = order.status_at or max(received_at, order.created_at)
            rows.append((order_id, order.status.value, at))
            changed.add(order.order_number)
    return rows, changed
