from __future__ import annotations

import datetime

import pytest

from orders.generation import orders_generate
from orders.models import Status
from orders.selectors import order_list_cancelled, order_list_cancelled_from_history
from orders.services import order_status_add
from orders.tests.factories import at, make_order
from orders.tests.shared_rows import shared_rows

pytestmark = pytest.mark.django_db

END = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def generated_orders(django_db_setup, django_db_blocker):
    """3,000 generated orders, read by every test here: built once, rolled back after."""
    with shared_rows(django_db_blocker, generate):
        yield


def generate() -> None:
    orders_generate(orders=3000, customers=150, seed=3, end=END, chunk_size=1000, workers=1)


def test_both_seed_000_answers_return_the_same_orders(generated_orders):
    from_history = list(order_list_cancelled_from_history().values_list("order_number", flat=True))
    optimised = list(order_list_cancelled().values_list("order_number", flat=True))
    assert len(optimised) > 500
    assert optimised == from_history


def test_both_answers_follow_a_refund_and_a_late_status(generated_orders):
    order = make_order("LATE-1")
    order_status_add(order=order, status=Status.COMPLETE, created=at(1))
    order_status_add(order=order, status=Status.CANCELLED, created=at(2))  # refund
    order_status_add(order=order, status=Status.COMPLETE, created=at(1.5))  # arrives late
    for selector in (order_list_cancelled, order_list_cancelled_from_history):
        assert selector().filter(order_number="LATE-1").exists()


def test_the_optimised_query_reads_the_partial_index(generated_orders):
    first_page = order_list_cancelled()[:50]
    assert "order_cancelled_recent_idx" in first_page.explain()


def test_the_schema_unchanged_query_runs_a_subquery_per_order(generated_orders):
    plan = order_list_cancelled_from_history()[:50].explain()
    assert "SubPlan" in plan
    assert "order_cancelled_recent_idx" not in plan
