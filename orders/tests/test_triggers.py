from __future__ import annotations

import random
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, connections

from orders.consistency import current_status_audit
from orders.models import Order, OrderStatus, Status
from orders.services import order_status_add
from orders.tests.factories import at, make_order

pytestmark = pytest.mark.django_db


def waiting_for_a_lock() -> bool:
    """Whether another session of this database is waiting for a lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock')"
        )
        return cursor.fetchone()[0]


def wait_until(condition, *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_order_create_records_pending_in_the_same_transaction():
    order = make_order()
    assert list(order.statuses.values_list("status", "created")) == [(Status.PENDING, at(0))]
    assert (order.current_status, order.current_status_at) == (Status.PENDING, at(0))


def test_late_older_status_is_recorded_but_does_not_win():
    order = make_order()
    order_status_add(order=order, status=Status.COMPLETE, created=at(10))
    order_status_add(order=order, status=Status.CANCELLED, created=at(5))
    order.refresh_from_db()
    assert order.current_status == Status.COMPLETE
    assert order.current_status_at == at(10)
    assert order.statuses.count() == 3


def test_equal_timestamps_break_ties_by_id():
    order = make_order()
    order_status_add(order=order, status=Status.COMPLETE, created=at(10))
    later = order_status_add(order=order, status=Status.CANCELLED, created=at(10))
    order.refresh_from_db()
    assert (order.current_status, order.current_status_entry_id) == (Status.CANCELLED, later.id)


def test_one_statement_with_several_statuses_per_order():
    first, second = make_order("A-1"), make_order("A-2")
    OrderStatus.objects.bulk_create(
        [
            OrderStatus(order=first, status=Status.CANCELLED, created=at(30)),
            OrderStatus(order=first, status=Status.COMPLETE, created=at(20)),
            OrderStatus(order=second, status=Status.COMPLETE, created=at(5)),
            OrderStatus(order=second, status=Status.CANCELLED, created=at(50)),
            OrderStatus(order=second, status=Status.PENDING, created=at(40)),
        ]
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.current_status, first.current_status_at) == (Status.CANCELLED, at(30))
    assert (second.current_status, second.current_status_at) == (Status.CANCELLED, at(50))


def test_deleting_the_latest_status_falls_back_to_the_previous_one():
    order = make_order()
    order_status_add(order=order, status=Status.COMPLETE, created=at(10))
    refund = order_status_add(order=order, status=Status.CANCELLED, created=at(20))
    refund.delete()
    order.refresh_from_db()
    assert (order.current_status, order.current_status_at) == (Status.COMPLETE, at(10))


def test_deleting_the_whole_history_clears_the_status():
    order = make_order()
    order.statuses.all().delete()
    order.refresh_from_db()
    assert (order.current_status, order.current_status_at, order.current_status_entry_id) == (
        None,
        None,
        None,
    )


def test_editing_history_recomputes_both_orders_involved():
    first, second = make_order("A-1"), make_order("A-2")
    paid = order_status_add(order=first, status=Status.COMPLETE, created=at(10))
    OrderStatus.objects.filter(pk=paid.pk).update(order=second, created=at(99))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.current_status, first.current_status_at) == (Status.PENDING, at(0))
    assert (second.current_status, second.current_status_at) == (Status.COMPLETE, at(99))

    OrderStatus.objects.filter(pk=paid.pk).update(status=Status.CANCELLED)
    second.refresh_from_db()
    assert second.current_status == Status.CANCELLED


def test_an_older_edit_does_not_displace_the_current_status():
    order = make_order()
    order_status_add(order=order, status=Status.COMPLETE, created=at(10))
    order.statuses.filter(status=Status.PENDING).update(created=at(-5))
    order.refresh_from_db()
    assert (order.current_status, order.current_status_at) == (Status.COMPLETE, at(10))


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_no_mismatch():
    orders = [make_order(f"C-{i}") for i in range(50)]
    order_ids = [order.id for order in orders]
    errors: list[BaseException] = []
    events: set[tuple] = set()
    start = threading.Barrier(8)

    def writer(worker: int) -> None:
        rng = random.Random(worker)
        try:
            start.wait()
            written = 0
            while written < 200:
                # Mostly single statuses (the webhook path), sometimes a multi-order batch in
                # one INSERT, with timestamps colliding and arriving out of order on purpose.
                # Identical events are one row (orderstatus_one_row_per_event): written as the
                # upload writes them, ON CONFLICT DO NOTHING, in key order (no cycle of waits).
                batch = sorted(
                    (rng.choice(order_ids), at(rng.randint(1, 40)), rng.choice(list(Status)))
                    for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 6))
                )
                OrderStatus.objects.bulk_create(
                    (OrderStatus(order_id=o, created=c, status=s) for o, c, s in batch),
                    ignore_conflicts=True,
                )
                events.update(batch)
                written += len(batch)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert OrderStatus.objects.count() == 50 + len(events)
    assert current_status_audit().count == 0
    call_command("check_order_status")  # raises CommandError on any mismatch
    for order in Order.objects.filter(id__in=order_ids):
        latest = order.statuses.order_by("-created", "-id").first()
        assert (order.current_status, order.current_status_entry_id) == (latest.status, latest.id)


def test_trigger_is_statement_level():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgtype & 1 FROM pg_trigger "
            "WHERE tgrelid = 'orders_orderstatus'::regclass AND NOT tgisinternal"
        )
        triggers = dict(cursor.fetchall())
    assert len(triggers) == 3
    assert set(triggers.values()) == {0}  # bit 0 set means FOR EACH ROW


@pytest.mark.django_db(transaction=True)
def test_an_older_status_in_flight_survives_a_concurrent_delete_of_the_newest():
    """A inserts an older status and has not committed; B deletes the newest history row.

    B's recompute must wait for A (the insert locked the order even though it moved nothing),
    or it would settle on the status before A's row and leave the order wrong.
    """
    from django.db import transaction

    order = make_order("RACE-1")
    newest = order_status_add(order=order, status=Status.COMPLETE, created=at(10))
    inserted, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def insert_older() -> None:
        try:
            with transaction.atomic():
                OrderStatus.objects.create(order=order, status=Status.CANCELLED, created=at(5))
                inserted.set()
                release.wait(10)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    def delete_newest() -> None:
        try:
            OrderStatus.objects.filter(pk=newest.pk).delete()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    writer = threading.Thread(target=insert_older)
    writer.start()
    assert inserted.wait(10)
    deleter = threading.Thread(target=delete_newest)
    deleter.start()
    # With the lock it waits for the insert; without it, it is soon done.
    assert wait_until(lambda: not deleter.is_alive() or waiting_for_a_lock(), seconds=1.0)
    release.set()
    writer.join(10)
    deleter.join(10)

    assert errors == []
    order.refresh_from_db()
    assert (order.current_status, order.current_status_at) == (Status.CANCELLED, at(5))
    assert current_status_audit().count == 0
