"""Writes to the order store. current_status is never written here: the triggers keep it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orders.models import Customer, Order, OrderItem, OrderStatus, Status


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
) -> Order:
    """Create an order with its items and its first `Pending` status, all or nothing."""
    order = Order.objects.create(
        customer=customer,
        order_number=order_number,
        created_at=created_at,
        total_amount=total_amount,
    )
    OrderItem.objects.bulk_create(
        OrderItem(order=order, sku=i.sku, name=i.name, quantity=i.quantity, price=i.price)
        for i in items
    )
    OrderStatus.objects.create(order=order, status=Status.PENDING, created=created_at)
    order.refresh_from_db(fields=["current_status", "current_status_at", "current_status_entry_id"])
    return order


def order_status_add(
    *, order: Order, status: str, created: datetime.datetime | None = None
) -> OrderStatus:
    """Append a status to the history; the trigger decides whether it becomes current.

    An identical event (same order, status and time) already recorded is returned, not appended
    again: a webhook delivered twice records one row.
    """
    entry, _ = OrderStatus.objects.get_or_create(
        order=order, status=Status(status), created=created or timezone.now()
    )
    order.refresh_from_db(fields=["current_status", "current_status_at", "current_status_entry_id"])
    return entry
