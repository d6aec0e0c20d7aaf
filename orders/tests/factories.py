"""Small builders for tests: real rows in the real database, nothing mocked."""

from __future__ import annotations

import datetime
from decimal import Decimal

from orders.models import Customer, Order
from orders.services import ItemData, order_create

T0 = datetime.datetime(2025, 1, 1, 12, 0, tzinfo=datetime.UTC)


def at(minutes: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def make_order(number: str = "A-1", *, username: str = "alice", items: int = 1) -> Order:
    customer, _ = Customer.objects.get_or_create(username=username)
    return order_create(
        customer=customer,
        order_number=number,
        created_at=T0,
        total_amount=Decimal("10.00") * items,
        items=[ItemData(f"SKU-{i}", f"Item {i}", 1, Decimal("10.00")) for i in range(items)],
    )
