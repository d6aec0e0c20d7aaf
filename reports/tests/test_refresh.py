from __future__ import annotations

import io
import threading
import time
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg2 import sql

from orders.models import Customer
from orders.services import order_create
from reports.management.commands.refresh_reports import MESSAGE_BLOCKING, MESSAGE_LOCKED
from reports.models import DailyOrderStats, RefreshLog, StatusCounts
from reports.refresh import (
    FAILED,
    NOT_ATTEMPTED,
    REFRESH_LOCK_KEY,
    REFRESHED,
    SKIPPED,
    report_views_to_refresh,
    reports_refresh,
)
from reports.selectors import report_as_of
from reports.tests.conftest import END, flush_table_statistics, other_connection


def names(views) -> list[str]:
    return [view.view_name() for view in views]


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("refresh_reports", *args, stdout=out)
    return out.getvalue()


def view_contents(name: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("SELECT * FROM {} ORDER BY 1").format(sql.Identifier("reports", name))
        )
        return cursor.fetchall()


def test_views_refresh_after_what_they_read():
    order = names(report_views_to_refresh())
    assert order.index("daily_order_stats") < order.index("monthly_revenue")
    assert order.index("product_sales") < order.index("also_bought")
    assert set(order) == {
        "customer_stats",
        "product_sales",
        "also_bought",
        "daily_order_stats",
        "monthly_revenue",
        "status_counts",
    }


@pytest.mark.parametrize(
    ("only", "expected"),
    [
        (["monthly_revenue"], ["daily_order_stats", "monthly_revenue"]),
        (["daily_order_stats"], ["daily_order_stats", "monthly_revenue"]),
        (["also_bought"], ["product_sales", "also_bought"]),
        (["status_counts"], ["status_counts"]),
    ],
)
def test_only_brings_what_a_view_reads_and_what_reads_it(only, expected):
    assert names(report_views_to_refresh(only=only)) == expected


@pytest.mark.django_db
def test_a_refresh_logs_one_row_per_view(orders_data):
    out = run_command()
    logs = list(RefreshLog.objects.order_by("id"))
    assert [log.view for log in logs] == names(report_views_to_refresh())
    for log in logs:
        assert (log.ok, log.error) == (True, "")
        assert log.rows == len(view_contents(log.view)) > 0
        assert log.finished_at >= log.started_at
        assert log.duration_ms is not None and log.watermark is not None
    assert "Refreshed 6 of 6 report views." in out


@pytest.mark.django_db
def test_unknown_view_names_are_refused():
    with pytest.raises(CommandError, match=r"Unknown report view.*nope"):
        run_command("--only", "nope")


@pytest.mark.django_db
def test_a_second_run_says_so_and_exits_zero():
    holder = other_connection()
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [REFRESH_LOCK_KEY])
        assert MESSAGE_LOCKED in run_command()
        assert not RefreshLog.objects.exists()
    finally:
        holder.close()


@pytest.mark.django_db
def test_a_view_without_unique_index_fails_instead_of_blocking(monkeypatch):
    monkeypatch.setattr(StatusCounts, "_concurrent_index", None)
    with pytest.raises(CommandError, match="status_counts"):
        run_command("--only", "status_counts")
    log = RefreshLog.objects.get(view="status_counts")
    assert not log.ok
    assert "concurrent" in log.error.lower()


@pytest.mark.django_db
def test_what_reads_a_failed_view_is_not_refreshed(monkeypatch, orders_data):
    monkeypatch.setattr(DailyOrderStats, "_concurrent_index", None)
    run = reports_refresh()
    status = {outcome.view: outcome.status for outcome in run.outcomes}
    assert status["daily_order_stats"] == FAILED
    assert status["monthly_revenue"] == NOT_ATTEMPTED
    assert status["customer_stats"] == status["also_bought"] == REFRESHED


@pytest.mark.django_db
def test_no_concurrently_is_an_explicit_blocking_refresh():
    out = run_command("--no-concurrently", "--only", "status_counts")
    assert MESSAGE_BLOCKING in out
    assert RefreshLog.objects.get(view="status_counts").ok


@pytest.mark.django_db
def test_as_of_moves_with_each_refresh(orders_data):
    reports_refresh(only=["product_sales"])
    first = report_as_of(view="product_sales")
    reports_refresh(only=["product_sales"])
    second = report_as_of(view="product_sales")
    assert first is not None and second > first
    assert report_as_of(view="customer_stats") is None  # never refreshed here


@pytest.mark.django_db(transaction=True)
def test_if_changed_skips_unchanged_views_and_refreshes_after_a_write(orders_data):
    flush_table_statistics()
    reports_refresh()
    assert "skipped" in run_command("--if-changed")
    assert RefreshLog.objects.count() == 6

    Customer.objects.create(username="late_customer")  # read by customer_stats only
    flush_table_statistics()
    run = reports_refresh(if_changed=True)
    status = {outcome.view: outcome.status for outcome in run.outcomes}
    assert status.pop("customer_stats") == REFRESHED
    assert set(status.values()) == {SKIPPED}
    assert ("late_customer",) in [row[1:2] for row in view_contents("customer_stats")]

    order_create(
        customer=Customer.objects.get(username="late_customer"),
        order_number="LATE-1",
        created_at=END,
        total_amount=Decimal("1.00"),
    )
    flush_table_statistics()
    run = reports_refresh(if_changed=True)
    assert {outcome.status for outcome in run.outcomes} == {REFRESHED}


def _refresh_in_thread(errors: list) -> None:
    try:
        run_command("--only", "customer_stats")
    except CommandError as error:
        errors.append(error)
    finally:
        connection.close()


def _wait_for_blocked_refresh(watcher) -> int:
    deadline = time.monotonic() + 10
    with watcher.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # the watcher is in a transaction
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query LIKE 'REFRESH MATERIALIZED VIEW%%' "
                "AND pid <> pg_backend_pid()"
            )
            row = cursor.fetchone()
            if row:
                return row[0]
            time.sleep(0.05)
    raise AssertionError("the refresh never started waiting")


@pytest.mark.django_db(transaction=True)
def test_a_killed_refresh_leaves_the_old_contents_and_a_failed_log_row(orders_data):
    reports_refresh(only=["customer_stats"])
    before = view_contents("customer_stats")
    order_create(
        customer=Customer.objects.create(username="after_the_refresh"),
        order_number="AFTER-1",
        created_at=END,
        total_amount=Decimal("9.99"),
    )
    blocker = other_connection()
    errors: list[CommandError] = []
    worker = threading.Thread(target=_refresh_in_thread, args=(errors,))
    try:
        with blocker.cursor() as cursor:
            # An open refresh elsewhere holds the view's EXCLUSIVE lock: ours has to wait.
            cursor.execute("BEGIN; REFRESH MATERIALIZED VIEW CONCURRENTLY reports.customer_stats")
            worker.start()
            pid = _wait_for_blocked_refresh(blocker)
            assert MESSAGE_LOCKED in run_command()  # meanwhile, a second run gives way
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            worker.join(timeout=30)
            cursor.execute("ROLLBACK")
    finally:
        blocker.close()
    assert not worker.is_alive()
    assert len(errors) == 1 and "customer_stats" in str(errors[0])
    assert view_contents("customer_stats") == before  # the previous contents, readable
    failed = RefreshLog.objects.filter(view="customer_stats").latest("started_at")
    assert not failed.ok
    assert failed.finished_at is not None
    assert "terminated" in failed.error or "terminating" in failed.error
    reports_refresh(only=["customer_stats"])
    assert len(view_contents("customer_stats")) == len(before) + 1


@pytest.mark.django_db(transaction=True)
def test_a_refresh_over_its_own_statement_timeout_fails_cleanly_and_keeps_old_contents():
    from django.test import override_settings

    from reports.models import RefreshLog
    from reports.refresh import reports_refresh

    RefreshLog.objects.all().delete()
    assert not reports_refresh().failed
    with override_settings(REFRESH_STATEMENT_TIMEOUT_MS=1):
        run = reports_refresh(only=["customer_stats"])
    assert run.failed
    assert "statement timeout" in run.failed[0].detail
    failed = RefreshLog.objects.filter(view="customer_stats").order_by("-id").first()
    assert failed.ok is False
    assert reports_refresh().failed == []
