"""Issue 19, item 3: one status event is one history row, enforced by PostgreSQL.

An event is (order, status, created). Identical deliveries sent at the same moment, each on its
own connection, store one row and each answers 201 with the same body; the migration that adds
the constraint first removes the duplicates that the old check-then-insert let in.
"""

from __future__ import annotations

import copy
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

from orders.consistency import current_status_audit
from orders.models import Order, OrderStatus, Status
from orders.tests.conftest import Api
from orders.tests.factories import at, make_order
from orders.tests.test_constraints import assert_database_rejects

DELIVERIES = 6
ROUNDS = 4
BEFORE = ("orders", "0007_cancelled_at_index")
CONSTRAINT = ("orders", "0008_one_row_per_status_event")


def send_at_once(key: str, requests: list[tuple[str, dict]]) -> list:
    """The POSTs released together, each thread on its own database connection."""
    start, answers = threading.Barrier(len(requests)), [None] * len(requests)

    def send(slot: int, path: str, body: dict) -> None:
        try:
            client = Api(Client(raise_request_exception=False), key)
            start.wait(10)
            answers[slot] = client.post(path, body)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=send, args=(slot, *request))
        for slot, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_webhooks_store_one_row_and_all_answer_201(write_key, seed_body):
    api = Api(Client(), write_key)
    seed_body["orders"][0]["status"] = "new"
    assert api.upload(seed_body).status_code == 200
    path = "/api/order/status?number=12345"
    for round_ in range(ROUNDS):
        event = {"status": "paid", "created": f"2026-11-27T00:0{round_}:00Z"}
        answers = send_at_once(write_key, [(path, event)] * DELIVERIES)
        assert [answer.status_code for answer in answers] == [201] * DELIVERIES
        bodies = [answer.json() for answer in answers]
        assert all(body == bodies[0] for body in bodies), bodies
        again = api.post(path, event)  # a redelivery after the fact
        assert (again.status_code, again.json()) == (201, bodies[0])
    history = OrderStatus.objects.filter(order__order_number="12345")
    assert history.filter(status=Status.COMPLETE).count() == ROUNDS
    assert history.count() == 1 + ROUNDS
    assert current_status_audit().count == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_uploads_append_the_status_event_once(write_key, seed_body):
    api = Api(Client(), write_key)
    seed_body["orders"][0]["status"] = "new"
    assert api.upload(seed_body).status_code == 200
    seed_body["orders"][0].update(status="paid", status_at="2026-01-05T00:00:00Z")
    answers = send_at_once(write_key, [("/api/orders/upload", seed_body)] * DELIVERIES)
    assert [answer.status_code for answer in answers] == [200] * DELIVERIES
    assert sum(answer.json()["status_changes"] for answer in answers) == 1
    history = OrderStatus.objects.filter(order__order_number="12345")
    assert sorted(history.values_list("status", flat=True)) == [Status.COMPLETE, Status.PENDING]


@pytest.mark.django_db(transaction=True)
def test_a_webhook_and_an_upload_carrying_one_event_at_once_both_succeed(write_key, seed_body):
    """Both lock the order before they insert the event, so neither waits for the other in a
    cycle (a deadlock would abort one of them)."""
    api = Api(Client(), write_key)
    seed_body["orders"][0]["status"] = "new"
    assert api.upload(seed_body).status_code == 200
    for round_ in range(ROUNDS * 3):
        status = ("paid", "refunded")[round_ % 2]
        moment = f"2026-01-05T00:{round_:02d}:00Z"
        seed_body["orders"][0].update(status=status, status_at=moment)
        webhook = ("/api/order/status?number=12345", {"status": status, "created": moment})
        upload = ("/api/orders/upload", copy.deepcopy(seed_body))
        answers = send_at_once(write_key, [webhook, upload] * (DELIVERIES // 2))
        assert sorted(answer.status_code for answer in answers) == [200] * 3 + [201] * 3
    history = OrderStatus.objects.filter(order__order_number="12345")
    assert history.count() == 1 + ROUNDS * 3
    assert current_status_audit().count == 0


@pytest.mark.django_db
def test_the_database_refuses_a_second_row_for_one_event():
    order = make_order()
    insert = "INSERT INTO orders_orderstatus (order_id, status, created) VALUES (%s, %s, %s)"
    assert_database_rejects(insert, [order.id, Status.PENDING, at(0)])
    # Another status at the same time, or the same status at another time, is another event.
    OrderStatus.objects.create(order=order, status=Status.COMPLETE, created=at(0))
    OrderStatus.objects.create(order=order, status=Status.PENDING, created=at(1))
    assert order.statuses.count() == 3


def migrate_to(target: tuple[str, str] | None = None) -> None:
    """To `target` (unapplying what depends on it), or else to every app's latest migration,
    then the views synced as a deployment's `migrate` does. Unapplying reports 0012 drops the
    report definitions that read its money views; pgviews' own sync after `migrate` counts
    post_migrate signals, which the test database's flushes also send, so it is run here."""
    call_command("migrate", *(target or ()), verbosity=0)
    if target is None:
        call_command("sync_pgviews", force=True, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_first_row_of_each_event_and_the_status_right():
    first, second = make_order("A-1"), make_order("A-2")
    migrate_to(BEFORE)
    try:
        with connection.cursor() as cursor:
            # Duplicates as the old check-then-insert let concurrent deliveries write them; the
            # later copy (higher id) is the one each order's current status points at.
            for order, status, minute, copies in [
                (first, Status.COMPLETE, 10, 3),
                (first, Status.PENDING, 0, 1),  # A-1 has Pending at 0 twice
                (second, Status.CANCELLED, 5, 2),
            ]:
                for _ in range(copies):
                    cursor.execute(
                        "INSERT INTO orders_orderstatus (order_id, status, created) "
                        "VALUES (%s, %s, %s)",
                        [order.id, status, at(minute)],
                    )
        kept = {
            (row.order_id, row.status, row.created): row.id
            for row in OrderStatus.objects.order_by("-id")
        }  # the lowest id of each event, since later rows overwrite earlier ones
        first.refresh_from_db(fields=["current_status_entry_id"])  # the columns of then
        assert first.current_status_entry_id != kept[(first.id, Status.COMPLETE, at(10))]
    finally:
        migrate_to()  # 0008 and whatever came after it
    assert (
        MigrationRecorder(connection)
        .migration_qs.filter(app=CONSTRAINT[0], name=CONSTRAINT[1])
        .exists()
    )

    assert sorted(OrderStatus.objects.values_list("id", flat=True)) == sorted(kept.values())
    for order, status, minute in [(first, Status.COMPLETE, 10), (second, Status.CANCELLED, 5)]:
        order.refresh_from_db()
        assert (order.current_status, order.current_status_at) == (status, at(minute))
        assert order.current_status_entry_id == kept[(order.id, status, at(minute))]
    assert current_status_audit().count == 0
    assert_database_rejects(
        "INSERT INTO orders_orderstatus (order_id, status, created) VALUES (%s, %s, %s)",
        [second.id, Status.CANCELLED, at(5)],
    )
    assert Order.objects.count() == 2
