"""Cohorts: the stored retention matrix, kept incrementally, against its definition."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.csv_stream import AS_OF_HEADER
from orders.models import Customer, Order, Status
from orders.services import ItemData, order_create, order_status_add
from reports.consistency import reports_check
from reports.refresh import reports_refresh
from reports.selectors import reports_as_of
from reports.tests.conftest import csv_rows
from reports.tests.conftest import json_body as body

pytestmark = pytest.mark.django_db


def month(number: int, day: int = 10) -> datetime.datetime:
    return datetime.datetime(2025, number, day, 12, tzinfo=datetime.UTC)


def place(customer: Customer, number: str, at: datetime.datetime, total: str, *, done=True):
    order = order_create(
        customer=customer,
        order_number=number,
        created_at=at,
        total_amount=Decimal(total),
        items=[ItemData("SKU", "Item", 1, Decimal(total))],
    )
    if done:
        order_status_add(order=order, status=Status.COMPLETE, created=at)
    return order


def matrix() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT cohort, month, months_since, cohort_customers, customers, retention, "
            "orders, revenue FROM reports.cohort_month ORDER BY cohort, month"
        )
        return cursor.fetchall()


def refreshed_and_checked() -> list[tuple]:
    assert not reports_refresh().failed
    assert {name: keys for name, keys in reports_check().differences.items() if keys} == {}
    return matrix()


def test_a_customers_first_order_moving_moves_every_month_to_the_new_cohort():
    assert not reports_refresh().failed
    ann, bob = Customer.objects.create(username="ann"), Customer.objects.create(username="bob")
    first = place(ann, "A-1", month(1), "10.00")
    place(ann, "A-2", month(3), "20.00")
    place(bob, "B-1", month(1), "5.00", done=False)  # ordered, spent nothing yet
    jan, mar, apr = (datetime.date(2025, m, 1) for m in (1, 3, 4))
    assert refreshed_and_checked() == [
        (jan, jan, 0, 2, 2, Decimal("1.0000"), 2, Decimal("10.00")),
        (jan, mar, 2, 2, 1, Decimal("0.5000"), 1, Decimal("20.00")),
    ]
    Order.objects.filter(pk=first.pk).update(created_at=month(4))  # ann's cohort: March now
    assert refreshed_and_checked() == [
        (jan, jan, 0, 1, 1, Decimal("1.0000"), 1, Decimal("0.00")),
        (mar, mar, 0, 1, 1, Decimal("1.0000"), 1, Decimal("20.00")),
        (mar, apr, 1, 1, 1, Decimal("1.0000"), 1, Decimal("10.00")),
    ]
    first.delete()
    Order.objects.filter(customer=bob).delete()
    assert refreshed_and_checked() == [
        (mar, mar, 0, 1, 1, Decimal("1.0000"), 1, Decimal("20.00")),
    ]


USERS = ("ann", "bob")
MONTHS = st.integers(1, 4)
# Weighted towards placing orders and moving first orders: a cohort moves only when a customer
# with orders in several months sees their first order move.
KINDS = ("place", "place", "place", "move_first", "move_first", "move_last", "complete",
         "give_away", "delete_first")  # fmt: skip
operation = st.tuples(
    st.sampled_from(KINDS), st.sampled_from(USERS), MONTHS, st.booleans(), st.sampled_from(USERS)
)
# Rounds of writes, each followed by a refresh: a cohort moves only against stored state.
rounds = st.lists(st.lists(operation, min_size=1, max_size=4), min_size=1, max_size=4)


def apply(operation: tuple, counter: list[int]) -> None:
    kind, user, value, flag, other_user = operation
    customer, _ = Customer.objects.get_or_create(username=user)
    orders = Order.objects.filter(customer=customer).order_by("created_at", "id")
    if kind == "place":
        counter[0] += 1
        place(customer, f"P-{counter[0]}", month(value, 1 + counter[0] % 27), "7.50", done=flag)
    elif not orders:
        return
    elif kind in ("move_first", "move_last"):
        order = orders.first() if kind == "move_first" else orders.last()
        Order.objects.filter(pk=order.pk).update(created_at=month(value))
    elif kind == "complete":
        order_status_add(order=orders.last(), status=Status.COMPLETE, created=month(12))
    elif kind == "give_away":
        other, _ = Customer.objects.get_or_create(username=other_user)
        Order.objects.filter(pk=orders.first().pk).update(customer=other)
    elif kind == "delete_first":
        orders.first().delete()


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=rounds)
def test_after_any_sequence_the_cohorts_equal_their_definition(steps):
    """Property: orders placed, moved between months (a first order too: the cohort moves),
    completed, given to another customer, deleted; after each refresh every report equals its
    definition (customer_month included)."""
    savepoint = transaction.savepoint()
    try:
        assert not reports_refresh().failed
        counter = [0]
        for writes in steps:
            for write in writes:
                apply(write, counter)
            refreshed_and_checked()
    finally:
        transaction.savepoint_rollback(savepoint)


def test_the_cohorts_endpoint_answers_the_matrix_in_json_and_csv(client_all):
    assert not reports_refresh().failed
    ann, bob = Customer.objects.create(username="ann"), Customer.objects.create(username="bob")
    place(ann, "A-1", month(1), "10.00")
    place(ann, "A-2", month(2), "20.00")
    place(bob, "B-1", month(2), "5.00")
    matrix_rows = refreshed_and_checked()
    answer = body(client_all.get("/api/reports/cohorts"))
    assert answer["as_of"] == reports_as_of().isoformat()
    assert [(row["cohort"], row["month"], row["customers"]) for row in answer["results"]] == [
        ("2025-01", "2025-01", 1),
        ("2025-01", "2025-02", 1),
        ("2025-02", "2025-02", 1),
    ]
    assert len(matrix_rows) == 3
    february = body(client_all.get("/api/reports/cohorts?from=2025-02&to=2025-02"))
    assert [row["cohort"] for row in february["results"]] == ["2025-02"]
    assert (february["from"], february["to"]) == ("2025-02", "2025-02")
    response = client_all.get("/api/reports/cohorts.csv?from=2025-01")
    assert response[AS_OF_HEADER] == reports_as_of().isoformat()
    assert [row["revenue"] for row in csv_rows(response)] == ["10.00", "20.00", "5.00"]
    reversed_range = client_all.get("/api/reports/cohorts?from=2025-03&to=2025-01")
    assert reversed_range.status_code == 400
    assert body(reversed_range)["errors"][0]["pointer"] == "/query/from"
