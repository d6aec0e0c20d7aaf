from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Max, Min

from orders.consistency import current_status_audit
from orders.models import Customer, Order, OrderItem, OrderStatus, Status

pytestmark = pytest.mark.django_db

END = "2026-01-01T00:00:00+00:00"


def generate(orders: int, seed: int = 1, **options) -> None:
    call_command("generateorders", orders=orders, seed=seed, end=END, chunk_size=2500, **options)


def by_time(status: OrderStatus) -> tuple:
    return (status.created, status.id)


def snapshot() -> list[tuple]:
    orders = Order.objects.order_by("order_number")
    return [
        (
            order.order_number,
            order.customer.username,
            order.created_at,
            order.total_amount,
            order.current_status,
            order.current_status_at,
            sorted((i.sku, i.name, i.quantity, i.price) for i in order.items.all()),
            [(s.status, s.created) for s in sorted(order.statuses.all(), key=by_time)],
        )
        for order in orders.select_related("customer").prefetch_related("items", "statuses")
    ]


def test_status_mix_matches_the_targets():
    generate(20_000)
    shares = {
        row["current_status"]: row["n"] / 20_000
        for row in Order.objects.values("current_status").annotate(n=Count("id"))
    }
    # 60% paid (10% of those refunded), 25% failed payment, 15% left pending.
    assert shares[Status.COMPLETE] == pytest.approx(0.54, abs=0.02)
    assert shares[Status.CANCELLED] == pytest.approx(0.31, abs=0.02)
    assert shares[Status.PENDING] == pytest.approx(0.15, abs=0.02)
    assert current_status_audit().count == 0


def test_every_order_starts_pending_and_has_one_to_five_items():
    generate(3000)
    first_statuses = OrderStatus.objects.order_by("order_id", "created", "id").distinct("order_id")
    assert {status.status for status in first_statuses} == {Status.PENDING}
    per_order = OrderItem.objects.values("order_id").annotate(n=Count("id"))
    assert {row["n"] for row in per_order} == {1, 2, 3, 4, 5}
    span = Order.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert (span["last"] - span["first"]).days > 700
    # Totals are the sum of the items; names and prices are a stable catalogue.
    for order in Order.objects.prefetch_related("items")[:200]:
        assert order.total_amount == sum(i.quantity * i.price for i in order.items.all())
    assert (
        OrderItem.objects.values("sku").distinct().count()
        == OrderItem.objects.values("sku", "name", "price").distinct().count()
    )


def test_same_seed_same_data_and_another_seed_differs():
    generate(2000, seed=7)
    first = snapshot()
    Customer.objects.all().delete()
    generate(2000, seed=7)
    assert snapshot() == first
    Customer.objects.all().delete()
    generate(2000, seed=8)
    assert snapshot() != first


def test_appends_to_a_non_empty_database():
    generate(1000)
    generate(1000)
    assert Order.objects.count() == 2000
    assert Order.objects.values("order_number").distinct().count() == 2000
    assert current_status_audit().count == 0


def test_if_empty_leaves_existing_data_alone():
    generate(500)
    generate(500, if_empty=True)
    assert Order.objects.count() == 500


def test_rejects_nonsense_arguments():
    with pytest.raises(CommandError, match="at least 1"):
        generate(0)
    with pytest.raises(CommandError, match="ISO-8601"):
        call_command("generateorders", orders=10, end="yesterday")
