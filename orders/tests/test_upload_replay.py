"""Replays never undo history (issue 11, item 6): an upload re-sent after a refund keeps it."""

from __future__ import annotations

import copy
import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection

from orders.models import Customer, Order, Status
from orders.schemas import UploadIn
from orders.services import UploadResult, order_create, order_status_add, order_upsert_many
from orders.tests.conftest import SEED_003_BODY

pytestmark = pytest.mark.django_db

CREATED_AT = datetime.datetime(2025, 11, 12, 10, tzinfo=datetime.UTC)  # the seed sample's
DAY = datetime.timedelta(days=1)
UNCHANGED = UploadResult(received=1, created=0, updated=0, unchanged=1, status_changes=0)


def at(day: int) -> datetime.datetime:
    """A fixed clock: `day` days after the sample order was created."""
    return CREATED_AT + day * DAY


def upload(body: dict, *, day: int) -> UploadResult:
    document = json.loads(json.dumps(body), parse_float=Decimal)  # numbers as the API reads them
    return order_upsert_many(upload=UploadIn.model_validate(document), received_at=at(day))


def refund(*, day: int, number: str = "12345") -> None:
    """What the status webhook records for {"status": "refunded"} (an alias of Cancelled)."""
    order_status_add(
        order=Order.objects.get(order_number=number),
        status=Status.CANCELLED,
        created=at(day),
    )


def sample(**changes) -> dict:
    body = copy.deepcopy(SEED_003_BODY)
    body["orders"][0].update(changes)
    return body


def state(number: str = "12345") -> dict:
    order = Order.objects.get(order_number=number)
    return {
        "current_status": order.current_status,
        "uploaded_status": order.uploaded_status,
        "total_amount": order.total_amount,
        "history": list(order.statuses.order_by("created", "id").values_list("status", "created")),
    }


def logged_changes(number: str = "12345") -> int:
    """Rows of the reports' change log for this order (the capture triggers write them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM reports_data.order_change AS c "
            "JOIN orders_order AS o ON o.id = c.order_id WHERE o.order_number = %s",
            [number],
        )
        return cursor.fetchone()[0]


def test_the_seed_sample_resent_after_a_refund_stays_refunded():
    assert upload(sample(), day=1) == UploadResult(
        received=1, created=1, updated=0, unchanged=0, status_changes=1
    )
    refund(day=2)

    assert upload(sample(), day=3) == UNCHANGED

    assert state() == {
        "current_status": Status.CANCELLED,
        "uploaded_status": Status.COMPLETE,
        "total_amount": Decimal("2500.00"),
        "history": [
            (Status.PENDING, CREATED_AT),
            (Status.COMPLETE, at(1)),
            (Status.CANCELLED, at(2)),
        ],
    }


def test_an_upload_that_really_changes_the_status_applies():
    upload(sample(), day=1)
    refund(day=2)
    logged = logged_changes()

    # The client now says refunded too: nothing to append, only the uploaded status moves, and
    # the reports are not told (their columns did not change).
    assert upload(sample(status="refunded"), day=3) == UNCHANGED
    assert state()["uploaded_status"] == Status.CANCELLED
    assert logged_changes() == logged

    # Back to delivered after it was uploaded as refunded: a real change.
    assert upload(sample(), day=4) == UploadResult(
        received=1, created=0, updated=1, unchanged=0, status_changes=1
    )
    refund(day=5)
    assert upload(sample(), day=6) == UNCHANGED  # and its replay is one again

    assert state() == {
        "current_status": Status.CANCELLED,
        "uploaded_status": Status.COMPLETE,
        "total_amount": Decimal("2500.00"),
        "history": [
            (Status.PENDING, CREATED_AT),
            (Status.COMPLETE, at(1)),
            (Status.CANCELLED, at(2)),
            (Status.COMPLETE, at(4)),
            (Status.CANCELLED, at(5)),
        ],
    }


def test_an_uploaded_cancellation_applies_and_its_replay_keeps_a_later_payment():
    upload(sample(), day=1)

    assert upload(sample(status="cancelled"), day=2) == UploadResult(
        received=1, created=0, updated=1, unchanged=0, status_changes=1
    )
    order_status_add(  # paid again, through the webhook
        order=Order.objects.get(order_number="12345"), status=Status.COMPLETE, created=at(3)
    )
    assert upload(sample(status="cancelled"), day=4) == UNCHANGED

    assert state() == {
        "current_status": Status.COMPLETE,
        "uploaded_status": Status.CANCELLED,
        "total_amount": Decimal("2500.00"),
        "history": [
            (Status.PENDING, CREATED_AT),
            (Status.COMPLETE, at(1)),
            (Status.CANCELLED, at(2)),
            (Status.COMPLETE, at(3)),
        ],
    }


def test_a_replay_with_a_changed_total_updates_the_total_but_keeps_the_refund():
    upload(sample(), day=1)
    refund(day=2)
    logged = logged_changes()

    assert upload(sample(total_amount=2000), day=3) == UploadResult(
        received=1, created=0, updated=1, unchanged=0, status_changes=0
    )

    assert state() == {
        "current_status": Status.CANCELLED,
        "uploaded_status": Status.COMPLETE,
        "total_amount": Decimal("2000.00"),
        "history": [
            (Status.PENDING, CREATED_AT),
            (Status.COMPLETE, at(1)),
            (Status.CANCELLED, at(2)),
        ],
    }
    assert logged_changes() == logged + 1  # the total is what the reports read


def test_an_order_uploaded_before_the_rule_keeps_todays_behaviour():
    """No uploaded status known (uploaded before migration 0006): compared with the current one."""
    upload(sample(), day=1)
    refund(day=2)
    Order.objects.update(uploaded_status=None)

    assert upload(sample(), day=3) == UploadResult(
        received=1, created=0, updated=1, unchanged=0, status_changes=1
    )
    # That upload recorded its status: from now on a replay is recognised.
    refund(day=4)
    assert upload(sample(), day=5) == UNCHANGED

    assert state() == {
        "current_status": Status.CANCELLED,
        "uploaded_status": Status.COMPLETE,
        "total_amount": Decimal("2500.00"),
        "history": [
            (Status.PENDING, CREATED_AT),
            (Status.COMPLETE, at(1)),
            (Status.CANCELLED, at(2)),
            (Status.COMPLETE, at(3)),
            (Status.CANCELLED, at(4)),
        ],
    }


def test_one_upload_counts_each_kind_of_order_once():
    """A replay, an order never uploaded (order_create), a changed total and a new order."""
    body = {
        "user": "test_seller",
        "orders": [
            sample()["orders"][0],
            sample(order_number="MADE")["orders"][0],
            sample(order_number="TOTAL")["orders"][0],
            sample(order_number="NEW", status="new")["orders"][0],
        ],
    }
    upload({**body, "orders": [body["orders"][0], body["orders"][2]]}, day=1)
    refund(day=2)
    refund(day=2, number="TOTAL")
    order_create(
        customer=Customer.objects.get(username="test_seller"),
        order_number="MADE",
        created_at=CREATED_AT,
        total_amount=Decimal("2500.00"),
    )
    refund(day=2, number="MADE")
    body["orders"][2]["total_amount"] = 1

    assert upload(body, day=3) == UploadResult(
        received=4, created=1, updated=2, unchanged=1, status_changes=1
    )

    cancelled_after_upload = [
        (Status.PENDING, CREATED_AT),
        (Status.COMPLETE, at(1)),
        (Status.CANCELLED, at(2)),
    ]
    assert {number: state(number) for number in ("12345", "MADE", "TOTAL", "NEW")} == {
        "12345": {
            "current_status": Status.CANCELLED,
            "uploaded_status": Status.COMPLETE,
            "total_amount": Decimal("2500.00"),
            "history": cancelled_after_upload,
        },
        "MADE": {  # made by order_create, so no uploaded status: today's rule appends
            "current_status": Status.COMPLETE,
            "uploaded_status": Status.COMPLETE,
            "total_amount": Decimal("2500.00"),
            "history": [
                (Status.PENDING, CREATED_AT),
                (Status.CANCELLED, at(2)),
                (Status.COMPLETE, at(3)),
            ],
        },
        "TOTAL": {
            "current_status": Status.CANCELLED,
            "uploaded_status": Status.COMPLETE,
            "total_amount": Decimal("1.00"),
            "history": cancelled_after_upload,
        },
        "NEW": {
            "current_status": Status.PENDING,
            "uploaded_status": Status.PENDING,
            "total_amount": Decimal("2500.00"),
            "history": [(Status.PENDING, CREATED_AT)],
        },
    }


def test_the_replay_over_http_keeps_the_refund(api, seed_body):
    assert api.upload(seed_body).json()["created"] == 1
    response = api.post("/api/orders/12345/status", {"status": "refunded"})
    assert response.status_code == 201, response.content

    response = api.upload(seed_body)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "user": "test_seller",
        "received": 1,
        "created": 0,
        "updated": 0,
        "unchanged": 1,
        "status_changes": 0,
    }
    order = api.get("/api/orders/12345").json()
    assert order["current_status"] == Status.CANCELLED
    assert [entry["status"] for entry in order["status_history"]] == [
        Status.PENDING,
        Status.COMPLETE,
        Status.CANCELLED,
    ]
