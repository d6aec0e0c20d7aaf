"""Seed 002's customer questions: premium customers, recent orders with many items, and the last
order date per customer."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from psycopg import sql

from api.csv_stream import AS_OF_HEADER
from orders.models import Customer, Order
from orders.services import ItemData, order_create
from project.sqlfiles import read_sql
from reports.customer_api import ERROR_BAD_CURSOR
from reports.customer_selectors import orders_recent
from reports.models import StoredCustomerStats
from reports.selectors import reports_as_of
from reports.tests.conftest import csv_rows
from reports.tests.conftest import json_body as body

pytestmark = pytest.mark.django_db
PREMIUM = "/api/reports/customers/premium"
RECENT = "/api/reports/orders/recent"
LAST_ORDER = "/api/reports/customers/last-order"


def walk(client, url: str) -> list[dict]:
    rows = []
    while url:
        page = body(client.get(url))
        rows += page["results"]
        url = page["next"]
    return rows


def test_top_spenders_is_a_chainable_queryset_method(refreshed):
    spenders = Customer.objects.top_spenders(more_than=Decimal("500"))
    stats = StoredCustomerStats.objects.filter(total_revenue__gt=500)
    expected = [row.customer_id for row in stats.order_by("-total_revenue", "customer_id")]
    assert list(spenders.values_list("id", flat=True)) == expected
    assert 0 < len(expected) < Customer.objects.count()
    chained = spenders.filter(username__startswith="customer_0000")
    assert set(chained.values_list("id", flat=True)) <= set(expected)


def test_premium_customers_spent_more_than_x(refreshed, client_all):
    rows = walk(client_all, f"{PREMIUM}?more_than=500&limit=7")
    ranking = body(client_all.get("/api/reports/customers/ranking?limit=500"))["results"]
    assert [row["customer_id"] for row in rows] == [
        row["customer_id"] for row in ranking if row["total_revenue"] > 500
    ]
    response = client_all.get(f"{PREMIUM}.csv?more_than=500")
    assert response[AS_OF_HEADER] == reports_as_of().isoformat()
    assert [int(row["customer_id"]) for row in csv_rows(response)] == [
        row["customer_id"] for row in rows
    ]
    edge = body(client_all.get(f"{PREMIUM}?more_than=29.99&limit=500"))["results"]
    assert "edge_buyer" in {row["user"] for row in edge}  # 30.00 is more than 29.99
    exact = body(client_all.get(f"{PREMIUM}?more_than=30&limit=500"))["results"]
    assert "edge_buyer" not in {row["user"] for row in exact}  # but not more than 30


def place(number: str, *, lines: int, days_ago: float) -> Order:
    customer, _ = Customer.objects.get_or_create(username="recent_buyer")
    return order_create(
        customer=customer,
        order_number=number,
        created_at=timezone.now() - datetime.timedelta(days=days_ago),
        total_amount=Decimal("1.00") * lines,
        items=[ItemData(f"R-{line}", "Item", 2, Decimal("1.00")) for line in range(lines)],
    )


def test_recent_orders_with_more_than_m_items_newest_first(client_all):
    place("OLD", lines=9, days_ago=40)
    place("SMALL", lines=2, days_ago=1)
    wanted = [place(f"BIG-{n}", lines=3 + n, days_ago=10 - n) for n in range(5)]
    rows = walk(client_all, f"{RECENT}?days=30&more_than_items=2&limit=2")
    assert [row["order_number"] for row in rows] == [order.order_number for order in wanted[::-1]]
    assert [(row["item_lines"], row["units"]) for row in rows[:1]] == [(7, 14)]
    assert {(row["currency"], row["channel"]) for row in rows} == {("USD", "online")}
    csv = csv_rows(client_all.get(f"{RECENT}.csv?days=30&more_than_items=2"))
    assert [row["order_number"] for row in csv] == [row["order_number"] for row in rows]
    wide = walk(client_all, f"{RECENT}?days=60&more_than_items=1")
    assert {row["order_number"] for row in wide} == {
        "OLD",
        "SMALL",
        *(o.order_number for o in wanted),
    }


def test_recent_orders_show_each_order_s_currency_and_channel(client_all):
    Order.objects.filter(pk=place("EURO", lines=2, days_ago=1).pk).update(
        currency="EUR", channel="wholesale"
    )
    place("DOLLAR", lines=2, days_ago=2)
    rows = walk(client_all, f"{RECENT}?days=30")
    assert [(r["order_number"], r["total_amount"], r["currency"], r["channel"]) for r in rows] == [
        ("EURO", 2, "EUR", "wholesale"),
        ("DOLLAR", 2, "USD", "online"),
    ]
    csv = csv_rows(client_all.get(f"{RECENT}.csv?days=30"))
    assert [(r["order_number"], r["currency"], r["channel"]) for r in csv] == [
        ("EURO", "EUR", "wholesale"),
        ("DOLLAR", "USD", "online"),
    ]


def test_recent_orders_walk_the_index_not_the_table(orders_data):
    query = orders_recent(days=30, more_than_items=5, before=None, limit=51)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: what it could use
        cursor.execute(sql.SQL("EXPLAIN {}").format(sql.SQL(query.sql)), query.params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "order_recent_idx" in plan
    assert "Seq Scan on orders_order" not in plan
    assert "Sort" not in plan.split("->")[1]  # read in index order, not sorted afterwards
    assert read_sql("reports", "report_orders_recent.sql")


def test_last_order_date_per_customer(refreshed, client_all):
    rows = walk(client_all, f"{LAST_ORDER}?limit=13")
    assert len(rows) == Customer.objects.count()
    by_user = {row["user"]: row for row in rows}
    assert by_user["no_orders"]["last_order_at"] is None
    newest = Order.objects.filter(customer__username="edge_buyer").latest("created_at")
    assert datetime.datetime.fromisoformat(by_user["edge_buyer"]["last_order_at"]) == (
        newest.created_at
    )
    assert [row["customer_id"] for row in rows] == sorted(row["customer_id"] for row in rows)
    csv = csv_rows(client_all.get(f"{LAST_ORDER}.csv"))
    assert [row["user"] for row in csv] == [row["user"] for row in rows]


@pytest.mark.parametrize(
    ("url", "pointers"),
    [
        (PREMIUM, ["/query/more_than"]),
        (f"{PREMIUM}?more_than=-1", ["/query/more_than"]),
        (f"{PREMIUM}?more_than=abc&limit=0", ["/query/more_than", "/query/limit"]),
        (f"{PREMIUM}?more_than=1.005", ["/query/more_than"]),
        (f"{PREMIUM}?more_than=1&cursor=nope", ["/query/cursor"]),
        (f"{PREMIUM}.csv?more_than=1&cursor=nope", ["/query/cursor"]),
        (f"{RECENT}?days=0&more_than_items=-1", ["/query/days", "/query/more_than_items"]),
        (f"{RECENT}?cursor=nope", ["/query/cursor"]),
        (f"{RECENT}.csv?days=x", ["/query/days"]),
        (f"{LAST_ORDER}?cursor=nope", ["/query/cursor"]),
    ],
)
def test_bad_parameters_are_400_problems_pointing_at_them(url, pointers, client_all):
    response = client_all.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert sorted(error["pointer"] for error in body(response)["errors"]) == sorted(pointers)
    if "cursor" in url:
        assert body(response)["errors"][0]["detail"] == ERROR_BAD_CURSOR
