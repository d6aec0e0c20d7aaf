"""The live reports end to end: the follower, writers beside it, a killed follower, a full
rebuild beside both, changes seen twice or dropped, and ranks computed on read."""

from __future__ import annotations

import datetime
import io
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from orders.api_keys import api_key_create
from orders.models import Order, OrderItem, OrderStatus, Status
from orders.tests.conftest import SEED_003_BODY
from project.sqlfiles import BASE_DIR
from reports.consistency import reports_check
from reports.refresh import reports_pending, reports_refresh
from reports.selectors import customer_stats_get
from reports.stored import report_differences
from reports.tests.conftest import api_client

CATCH_UP_SECONDS = 30
# How often the follower looks for changes and the tests for its results: short, as nothing
# here waits for a fixed time, only for a condition to hold.
POLL_SECONDS = 0.02
LATER = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)


def differences() -> dict:
    return {name: keys for name, keys in reports_check().differences.items() if keys}


def scalar(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def wait_for(condition, *, seconds: float = CATCH_UP_SECONDS) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(POLL_SECONDS)
    return False


def start_follower() -> subprocess.Popen:
    """`manage.py refresh_reports --follow` on the test database, as its own process."""
    db = connection.settings_dict
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    url = f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{db['NAME']}"
    interval = str(POLL_SECONDS)
    return subprocess.Popen(  # noqa: S603 (our own command line, no outside input)
        [sys.executable, "manage.py", "refresh_reports", "--follow", "--interval", interval],
        cwd=BASE_DIR,
        env={**os.environ, "DATABASE_URL": url, "DJANGO_DEMO": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(follower: subprocess.Popen, *, sig: int = signal.SIGTERM) -> tuple[str, str]:
    follower.send_signal(sig)
    out, err = follower.communicate(timeout=30)
    return out, err


def caught_up() -> bool:
    return not reports_pending()


def write_randomly(order_ids: list[int], *, seed: int, rounds: int, errors: list) -> None:
    """One writer on its own connection: refunds, status events, item replacements, totals."""
    rnd = random.Random(seed)
    try:
        for step in range(rounds):
            order_id = rnd.choice(order_ids)
            with transaction.atomic():
                kind = rnd.randrange(4)
                if kind == 0:
                    status = rnd.choice([Status.COMPLETE, Status.CANCELLED, Status.PENDING])
                    at = LATER + datetime.timedelta(seconds=seed * 10_000 + step)
                    OrderStatus.objects.create(order_id=order_id, status=status, created=at)
                elif kind == 1:
                    OrderItem.objects.filter(order_id=order_id).delete()
                    OrderItem.objects.create(
                        order_id=order_id,
                        sku=f"SKU-{rnd.randrange(12):04d}",
                        name=f"renamed {step}",
                        quantity=rnd.randrange(1, 4),
                        price=Decimal("2.50"),
                    )
                elif kind == 2:
                    Order.objects.filter(pk=order_id).update(
                        total_amount=Decimal(rnd.randrange(10_000)) / 100
                    )
                else:
                    latest = OrderStatus.objects.filter(order_id=order_id).order_by("-created")
                    if latest.exists():
                        latest[0].delete()
    except Exception as error:  # any writer error fails the test
        errors.append(error)
    finally:
        connection.close()


def run_writers(*, count: int = 4, rounds: int = 60, errors: list | None = None) -> None:
    """`count` writer threads at once; their errors go to `errors` (or fail here)."""
    ids = sorted(Order.objects.values_list("id", flat=True))
    own = errors is None
    errors = [] if own else errors
    writers = [
        # Disjoint orders per writer: the writers' own lock order is not what is tested here.
        threading.Thread(
            target=write_randomly,
            args=(ids[index::count],),
            kwargs={"seed": index, "rounds": rounds, "errors": errors},
        )
        for index in range(count)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(120)
    if own:
        assert errors == []


@pytest.mark.django_db
def test_the_stats_rank_computed_on_read_equals_the_definitions_for_every_customer(refreshed):
    with connection.cursor() as cursor:
        cursor.execute("SELECT username, revenue_rank FROM reports_definition.customer_stats")
        expected = dict(cursor.fetchall())
    assert len(set(expected.values())) > 50  # many distinct ranks, ties included
    ranks = {user: customer_stats_get(username=user)["revenue_rank"] for user in expected}
    assert ranks == expected


@pytest.mark.django_db
def test_a_change_seen_twice_is_applied_once(refreshed):
    order = Order.objects.get(order_number="EDGE-1")
    OrderStatus.objects.create(order=order, status=Status.CANCELLED, created=LATER)
    reports_refresh()
    before = scalar("SELECT sum(total_revenue) FROM reports.customer_stats")
    with connection.cursor() as cursor:  # every order logged again, as if replayed
        cursor.execute(
            "INSERT INTO reports_data.order_change (order_id) SELECT id FROM orders_order"
        )
    run = reports_refresh()
    assert (run.orders_touched, run.orders_changed) == (Order.objects.count(), 0)
    assert scalar("SELECT sum(total_revenue) FROM reports.customer_stats") == before
    assert differences() == {}


@pytest.mark.django_db
def test_a_dropped_change_is_found_by_check_reports_and_fixed(refreshed):
    order = Order.objects.get(order_number="EDGE-1")  # Complete, customer edge_buyer
    OrderStatus.objects.create(order=order, status=Status.CANCELLED, created=LATER)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reports_data.order_change")  # the delta is lost
    reports_refresh()
    out = io.StringIO()
    with pytest.raises(CommandError, match="difference"):
        call_command("check_reports", stdout=out)
    assert re.search(rf"order_applied +1 differing: {order.pk}\n", out.getvalue())
    assert "customer_stats" in out.getvalue()
    call_command("check_reports", "--fix", stdout=out)
    assert "no differences left" in out.getvalue()
    assert customer_stats_get(username="edge_buyer")["completed_orders"] == 0
    OrderStatus.objects.create(order=order, status=Status.COMPLETE, created=LATER)
    reports_refresh()  # the next change moves the reports from the repaired state
    assert differences() == {}


@pytest.mark.django_db(transaction=True)
def test_an_upload_shows_in_the_stats_without_any_manual_refresh(orders_data):
    follower = start_follower()
    try:
        key = api_key_create(name="follower-writer", scope="write")
        writer = api_client()
        response = writer.post(
            "/api/orders/upload",
            SEED_003_BODY,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        assert response.status_code in (200, 201), response.content
        reader = api_client()

        def stats_show_the_upload() -> bool:
            answer = reader.get("/api/orders/stats?user=test_seller")
            return answer.status_code == 200 and answer.json()["orders_count"] == 1

        assert wait_for(stats_show_the_upload)
        stats = reader.get("/api/orders/stats?user=test_seller").json()
        assert Decimal(str(stats["total_revenue"])) == Decimal("2500.00")  # delivered: Complete
    finally:
        out, err = stop(follower)
    assert follower.returncode == 0, err
    assert "Following the change log" in out and "Stopped." in out


@pytest.mark.django_db(transaction=True)
def test_writers_beside_the_follower_end_consistent_without_deadlocks(orders_data):
    follower = start_follower()
    try:
        assert wait_for(lambda: scalar("SELECT as_of FROM reports_data.refresh_state"))
        run_writers()
        assert wait_for(caught_up)  # the log rows vanish only when their run commits
    finally:
        _out, err = stop(follower)
    assert "deadlock" not in err and "refresh failed" not in err, err
    assert differences() == {}


@pytest.mark.django_db(transaction=True)
def test_a_killed_follower_restarted_later_catches_up(orders_data):
    follower = start_follower()
    assert wait_for(lambda: scalar("SELECT as_of FROM reports_data.refresh_state"))
    stop(follower, sig=signal.SIGKILL)
    with connection.cursor() as cursor:  # its session may outlive it until the server notices
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    run_writers(count=2, rounds=40)
    assert reports_pending()
    behind = {name: keys for name, keys in report_differences().items() if keys}
    assert behind != {}  # the reports are behind while nobody applies
    follower = start_follower()
    try:
        assert wait_for(caught_up)
    finally:
        stop(follower)
    assert differences() == {}


@pytest.mark.django_db(transaction=True)
def test_a_full_rebuild_beside_writers_and_the_follower_ends_consistent(orders_data):
    follower = start_follower()
    try:
        assert wait_for(lambda: scalar("SELECT as_of FROM reports_data.refresh_state"))
        errors: list[Exception] = []

        def writers_on_their_own_connection() -> None:
            try:
                run_writers(count=3, rounds=60, errors=errors)
            finally:
                connection.close()

        writers = threading.Thread(target=writers_on_their_own_connection)
        writers.start()
        rebuilt = wait_for(lambda: reports_refresh(full=True).lock_acquired)
        writers.join(120)
        assert rebuilt and errors == []
        assert wait_for(caught_up)
    finally:
        stop(follower)
    assert differences() == {}


@pytest.mark.django_db
def test_check_reports_applies_what_is_pending_before_it_compares(refreshed):
    order = Order.objects.get(order_number="EDGE-1")
    OrderStatus.objects.create(order=order, status=Status.CANCELLED, created=LATER)
    assert reports_pending()
    assert differences() == {}  # a change not applied yet is no difference
    assert not reports_pending()
    assert customer_stats_get(username="edge_buyer")["completed_orders"] == 0
