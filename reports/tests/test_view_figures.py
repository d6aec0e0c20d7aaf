"""Each materialized view equals the same figures computed here, in Python, from the rows."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from psycopg import sql

from orders.models import Customer, Order, OrderItem, Status

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")


def view_rows(name: str, key) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier("reports", name)))
        columns = [column.name for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return {key(row): row for row in rows}


def dense_ranks(values: dict, *, highest_first: bool = True) -> dict:
    ordered = sorted(set(values.values()), reverse=highest_first)
    position = {value: rank for rank, value in enumerate(ordered, start=1)}
    return {key: position[value] for key, value in values.items()}


def average(total: Decimal, count: int) -> Decimal | None:
    return (total / count).quantize(CENT, rounding=ROUND_HALF_UP) if count else None


@pytest.fixture
def orders(refreshed) -> list[dict]:
    return list(
        Order.objects.values("id", "customer_id", "created_at", "total_amount", "current_status")
    )


@pytest.fixture
def items(refreshed) -> list[dict]:
    return list(OrderItem.objects.values("id", "order_id", "sku", "name", "quantity", "price"))


def test_customer_stats(orders):
    expected = {}
    for customer in Customer.objects.all():
        own = [o for o in orders if o["customer_id"] == customer.id]
        complete = [o for o in own if o["current_status"] == Status.COMPLETE]
        revenue = sum((o["total_amount"] for o in complete), Decimal("0"))
        created = [o["created_at"] for o in own]
        expected[customer.id] = {
            "customer_id": customer.id,
            "username": customer.username,
            "orders_count": len(own),
            "completed_orders": len(complete),
            "cancelled_orders": sum(o["current_status"] == Status.CANCELLED for o in own),
            "pending_orders": sum(o["current_status"] == Status.PENDING for o in own),
            "total_revenue": revenue,
            "avg_order_value": average(revenue, len(complete)),
            "first_order_at": min(created, default=None),
            "last_order_at": max(created, default=None),
        }
    ranks = dense_ranks({key: row["total_revenue"] for key, row in expected.items()})
    for key, row in expected.items():
        row["revenue_rank"] = ranks[key]
    actual = view_rows("customer_stats", key=lambda row: row["customer_id"])
    assert actual == expected
    assert actual[Customer.objects.get(username="no_orders").id]["orders_count"] == 0
    assert len(actual) > 100


def _order_lines(items: list[dict]) -> dict[tuple[int, str], dict]:
    lines: dict[tuple[int, str], dict] = {}
    for item in items:
        line = lines.setdefault((item["order_id"], item["sku"]), {"units": 0, "amount": 0})
        line["units"] += item["quantity"]
        line["amount"] += item["quantity"] * item["price"]
    return lines


def _product_names(items: list[dict]) -> dict[str, str]:
    newest = {}
    for item in sorted(items, key=lambda item: item["id"]):
        newest[item["sku"]] = item["name"]
    return newest


def test_product_sales(orders, items):
    status = {o["id"]: o["current_status"] for o in orders}
    names = _product_names(items)
    expected = {
        sku: {"sku": sku, "name": name, "units_sold": 0, "revenue": Decimal("0"), "orders_count": 0}
        for sku, name in names.items()
    }
    for (order_id, sku), line in _order_lines(items).items():
        if status[order_id] == Status.COMPLETE:
            expected[sku]["units_sold"] += line["units"]
            expected[sku]["revenue"] += line["amount"]
            expected[sku]["orders_count"] += 1
    revenue_ranks = dense_ranks({sku: row["revenue"] for sku, row in expected.items()})
    units_ranks = dense_ranks({sku: row["units_sold"] for sku, row in expected.items()})
    for sku, row in expected.items():
        row["revenue_rank"], row["units_rank"] = revenue_ranks[sku], units_ranks[sku]
    actual = view_rows("product_sales", key=lambda row: row["sku"])
    assert actual == expected
    # The edge order lists EDGE-SKU on two lines: one order, three units.
    assert actual["EDGE-SKU"]["orders_count"] == 1
    assert actual["EDGE-SKU"]["units_sold"] == 3


def test_also_bought(orders, items):
    kept = {o["id"] for o in orders if o["current_status"] != Status.CANCELLED}
    baskets: dict[int, set[str]] = defaultdict(set)
    for item in items:
        if item["order_id"] in kept:
            baskets[item["order_id"]].add(item["sku"])
    together: dict[str, Counter] = defaultdict(Counter)
    for skus in baskets.values():
        for sku in skus:
            together[sku].update(skus - {sku})
    names = _product_names(items)
    expected = {}
    for sku, counts in together.items():
        best = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[:20]
        for rank, (other, count) in enumerate(best, start=1):
            expected[sku, other] = {
                "sku": sku,
                "other_sku": other,
                "other_name": names[other],
                "orders_together": count,
                "rank": rank,
            }
    actual = view_rows("also_bought", key=lambda row: (row["sku"], row["other_sku"]))
    assert actual == expected
    assert len(actual) > 500


def _days(orders: list[dict]) -> dict[datetime.date, dict]:
    days: dict[datetime.date, dict] = {}
    for order in orders:
        day = order["created_at"].astimezone(datetime.UTC).date()
        row = days.setdefault(
            day,
            {"day": day, "orders_count": 0, "completed_orders": 0, "cancelled_orders": 0},
        )
        row.setdefault("revenue", Decimal("0"))
        row["orders_count"] += 1
        if order["current_status"] == Status.COMPLETE:
            row["completed_orders"] += 1
            row["revenue"] += order["total_amount"]
        elif order["current_status"] == Status.CANCELLED:
            row["cancelled_orders"] += 1
    return days


def test_daily_order_stats(orders):
    expected = _days(orders)
    for row in expected.values():
        row["avg_order_value"] = average(row["revenue"], row["completed_orders"])
    assert view_rows("daily_order_stats", key=lambda row: row["day"]) == expected


def test_monthly_revenue(orders):
    months: dict[datetime.date, dict] = {}
    for day, row in sorted(_days(orders).items()):
        month = months.setdefault(
            day.replace(day=1),
            {
                "month": day.replace(day=1),
                "orders_count": 0,
                "completed_orders": 0,
                "cancelled_orders": 0,
                "revenue": Decimal("0"),
            },
        )
        for column in ("orders_count", "completed_orders", "cancelled_orders", "revenue"):
            month[column] += row[column]
    running = Decimal("0")
    for month in sorted(months):
        running += months[month]["revenue"]
        months[month]["cumulative_revenue"] = running
    assert view_rows("monthly_revenue", key=lambda row: row["month"]) == months
    assert len(months) >= 24


def test_status_counts(orders):
    counted = Counter(o["current_status"] for o in orders if o["current_status"] is not None)
    expected = {
        status: {"status": status, "orders_count": counted[status]}
        for status in (Status.PENDING, Status.COMPLETE, Status.CANCELLED)
    }
    assert view_rows("status_counts", key=lambda row: row["status"]) == expected
