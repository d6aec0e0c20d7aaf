"""Reads of the order store. Seed 000 asks for cancelled orders; both of its answers live here."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from orders.models import Order, OrderStatus, Status

CANCELLED_ORDERING = ("-created_at", "-id")


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
        .order_by(*CANCELLED_ORDERING)
    )


def order_list_cancelled() -> QuerySet[Order]:
    """Seed 000 optimised: the trigger-kept current_status, served by the partial index."""
    return Order.objects.filter(current_status=Status.CANCELLED).order_by(*CANCELLED_ORDERING)


def order_get_with_history(*, order_number: str) -> Order:
    return (
        Order.objects.select_related("customer")
        .prefetch_related("items", "statuses")
        .get(order_number=order_number)
    )
