"""refresh_reports: incremental runs, full rebuilds, one run at a time, failures, as_of."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from orders.models import Customer, Order, OrderItem, Status
from orders.services import ItemData, order_create, order_status_add
from reports.consistency import reports_check
from reports.management.commands.refresh_reports import MESSAGE_LOCKED
from reports.models import RefreshLog
from reports.refresh import FULL, INCREMENTAL, reports_refresh
from reports.selectors import customer_stats_get, reports_as_of, status_count
from reports.tests.conftest import other_connection, refresh_times_out

DAY = datetime.datetime(2025, 3, 1, 12, tzinfo=datetime.UTC)


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("refresh_reports", *args, stdout=out)
    return out.getvalue()


def scalar(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def assert_consistent() -> None:
    result = reports_check()
    assert {name: keys for name, keys in result.differences.items() if keys} == {}


def monthly_revenue() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_char(month, 'YYYY-MM'), revenue FROM reports.monthly_revenue")
        return dict(cursor.fetchall())


@pytest.mark.django_db
def test_the_first_run_rebuilds_then_runs_apply_only_what_changed(orders_data):
    first = reports_refresh()
    assert (first.mode, first.orders_touched) == (FULL, Order.objects.count())
    assert reports_refresh().orders_touched == 0
    buyer = Customer.objects.get(username="edge_buyer")
    order = order_create(
        customer=buyer,
        order_number="NEW-1",
        created_at=DAY,
        total_amount=Decimal("12.00"),
        items=[ItemData("NEW-SKU", "New", 3, Decimal("4.00"))],
    )
    order_status_add(order=order, status=Status.COMPLETE, created=DAY)
    run = reports_refresh()
    assert not run.failed
    assert (run.mode, run.orders_touched, run.orders_changed) == (INCREMENTAL, 1, 1)
    assert customer_stats_get(username="edge_buyer")["total_revenue"] == Decimal("42.00")
    assert_consistent()
    assert list(RefreshLog.objects.values_list("view", "ok").order_by("id")) == [
        (FULL, True),
        (INCREMENTAL, True),
    ]


@pytest.mark.django_db
def test_a_refund_an_item_replacement_and_a_history_delete_move_every_report(refreshed):
    order = Order.objects.get(order_number="EDGE-1")  # Complete, two EDGE-SKU lines
    order_status_add(order=order, status=Status.CANCELLED, created=EDGE_LATER)
    assert reports_refresh().orders_changed == 1
    assert_consistent()
    OrderItem.objects.filter(order=order).delete()
    OrderItem.objects.create(order=order, sku="OTHER", name="Other", quantity=1, price=1)
    reports_refresh()
    assert_consistent()
    order.statuses.order_by("-created", "-id").first().delete()  # the refund is undone
    reports_refresh()
    assert_consistent()
    assert Order.objects.get(pk=order.pk).current_status == Status.COMPLETE


EDGE_LATER = datetime.datetime(2025, 7, 1, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_monthly_revenue_is_never_behind_the_days_it_rolls_up(refreshed):
    order = Order.objects.get(order_number="EDGE-3")  # no history, June 2025
    order_status_add(order=order, status=Status.COMPLETE, created=EDGE_LATER)
    before = monthly_revenue()["2025-06"]
    reports_refresh()
    assert monthly_revenue()["2025-06"] == before + Decimal("1.00")
    assert_consistent()


@pytest.mark.django_db(transaction=True)
def test_a_second_run_meanwhile_finds_the_lock_taken(orders_data):
    reports_refresh()
    holder = other_connection()
    holder.autocommit = False
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT FROM reports_data.refresh_state FOR UPDATE")
        assert reports_refresh().lock_acquired is False
        assert run_command() == MESSAGE_LOCKED + "\n"
    finally:
        holder.rollback()
        holder.close()
    assert reports_refresh().lock_acquired is True


@pytest.mark.django_db(transaction=True)
def test_a_failed_run_keeps_the_last_good_contents_and_exits_non_zero(orders_data):
    reports_refresh()
    cancelled, as_of = status_count(status=Status.CANCELLED), reports_as_of()
    order_status_add(order=Order.objects.get(order_number="EDGE-1"), status=Status.CANCELLED)
    with refresh_times_out(), pytest.raises(CommandError, match="statement timeout"):
        run_command("--full")
    assert (status_count(status=Status.CANCELLED), reports_as_of()) == (cancelled, as_of)
    failed = RefreshLog.objects.filter(ok=False).get()
    assert failed.view == FULL and "statement timeout" in failed.error
    assert scalar("SELECT count(*) FROM reports_data.order_change") > 0  # nothing consumed
    reports_refresh()
    assert status_count(status=Status.CANCELLED) == cancelled + 1


@pytest.mark.django_db(transaction=True)
def test_as_of_is_a_commit_point_everything_before_it_is_in(orders_data):
    reports_refresh()
    order_status_add(order=Order.objects.get(order_number="EDGE-3"), status=Status.CANCELLED)
    committed = scalar("SELECT clock_timestamp()")
    before = status_count(status=Status.CANCELLED)
    run = reports_refresh()
    assert run.as_of > committed
    assert reports_as_of() == run.as_of
    assert status_count(status=Status.CANCELLED) == before + 1


@pytest.mark.django_db(transaction=True)
def test_a_truncate_asks_for_a_full_rebuild(refreshed):
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE orders_orderitem")
        assert scalar("SELECT rebuild_required FROM reports_data.refresh_state") is True
    assert reports_refresh().mode == FULL
    assert_consistent()


@pytest.mark.django_db
def test_generated_orders_are_rebuilt_not_logged(orders_data):
    # Only the edge cases, written through the services, are in the change log.
    assert scalar("SELECT count(DISTINCT order_id) FROM reports_data.order_change") == 3
    assert "full:" in run_command()
    assert "incremental: 0 orders touched" in run_command()


@pytest.mark.django_db
def test_full_rebuild_on_demand_changes_nothing_that_is_right(refreshed):
    before = scalar("SELECT sum(total_revenue) FROM reports.customer_stats")
    assert reports_refresh(full=True).mode == FULL
    assert scalar("SELECT sum(total_revenue) FROM reports.customer_stats") == before
    assert_consistent()


def orders_refunded(count: int) -> None:
    """`count` completed orders refunded through the service (one log row each)."""
    later = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
    for order in Order.objects.filter(current_status=Status.COMPLETE).order_by("id")[:count]:
        order_status_add(order=order, status=Status.CANCELLED, created=later)


@pytest.mark.django_db
def test_a_backlog_past_the_threshold_is_rebuilt_not_applied(refreshed, settings):
    settings.REPORTS_FULL_REBUILD_PERCENT = 1
    settings.REPORTS_FULL_REBUILD_MIN_ORDERS = 1
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")  # the threshold reads the table's estimate
    threshold = round(Order.objects.count() / 100)
    orders_refunded(threshold - 1)
    below = reports_refresh()
    assert (below.mode, below.orders_changed) == (INCREMENTAL, threshold - 1)
    orders_refunded(threshold)
    at = reports_refresh()
    assert at.mode == FULL
    assert scalar("SELECT count(*) FROM reports_data.order_change") == 0
    assert_consistent()


@pytest.mark.django_db
def test_the_threshold_never_falls_below_its_minimum(refreshed, settings):
    settings.REPORTS_FULL_REBUILD_PERCENT = 1
    settings.REPORTS_FULL_REBUILD_MIN_ORDERS = 1_000
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")
    orders_refunded(100)  # 5 % of the table, 1/10 of the minimum
    assert reports_refresh().mode == INCREMENTAL
    assert_consistent()
