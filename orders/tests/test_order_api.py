from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from orders.models import Order, Status
from orders.tests.conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(api, seed_body):
    seed_body["orders"][0]["status"] = "new"
    assert api.upload(seed_body).status_code == 200
    return Order.objects.get(order_number="12345")


def test_status_webhook_moves_the_current_status(api, order):
    response = api.post(
        "/api/orders/12345/status", {"status": "paid", "created": "2025-11-12T10:05:00Z"}
    )
    assert response.status_code == 201
    assert response.json() == {
        "order_number": "12345",
        "status": "Complete",
        "created": "2025-11-12T10:05:00+00:00",
        "current_status": "Complete",
        "current_status_at": "2025-11-12T10:05:00+00:00",
    }


def test_an_older_status_is_recorded_but_does_not_become_current(api, order):
    api.post("/api/orders/12345/status", {"status": "paid", "created": "2025-11-12T10:05:00Z"})
    late = api.post(
        "/api/orders/12345/status", {"status": "failed", "created": "2025-11-12T10:01:00Z"}
    ).json()
    assert (late["status"], late["current_status"]) == ("Cancelled", "Complete")
    assert order.statuses.count() == 3


def test_status_without_time_is_now(api, order):
    body = api.post("/api/orders/12345/status", {"status": "refunded"}).json()
    assert body["current_status"] == Status.CANCELLED
    assert body["created"] == body["current_status_at"]


def test_status_errors(api, order):
    assert api.post("/api/orders/nope/status", {"status": "paid"}).status_code == 404
    bad = api.post("/api/orders/12345/status", {"status": "lost", "created": "yesterday"})
    assert bad.status_code == 422
    assert {e["pointer"] for e in bad.json()["errors"]} == {"/status", "/created"}
    assert order.statuses.count() == 1


def test_order_detail(api, order):
    api.post("/api/orders/12345/status", {"status": "paid", "created": "2025-11-12T11:00:00Z"})
    body = api.get("/api/orders/12345").json()
    assert body["order_number"] == "12345"
    assert body["user"] == "test_seller"
    assert body["total_amount"] == 2500.00
    assert (body["currency"], body["channel"]) == ("USD", "online")  # the defaults
    assert body["current_status"] == "Complete"
    assert [s["status"] for s in body["status_history"]] == ["Pending", "Complete"]
    assert {i["sku"]: i["price"] for i in body["items"]} == {"tea01": 500, "cup01": 1500}
    assert api.get("/api/orders/unknown").status_code == 404


def test_order_detail_shows_the_currency_and_channel_uploaded(api, seed_body):
    seed_body["orders"][0].update(currency="EUR", channel="wholesale")
    api.upload(seed_body)
    body = api.get("/api/order", number="12345").json()
    assert list(body)[3:6] == ["total_amount", "currency", "channel"]
    assert (body["total_amount"], body["currency"], body["channel"]) == (2500, "EUR", "wholesale")


def test_money_is_a_json_number_with_two_decimals(api, order):
    raw = api.get("/api/orders/12345").content.decode()
    assert '"total_amount": 2500.00' in raw
    assert '"price": 500.00' in raw


def test_a_webhook_delivered_twice_records_one_row(api, order):
    event = {"status": "failed", "created": "2025-11-12T10:01:00Z"}
    first = api.post("/api/orders/12345/status", event)
    again = api.post("/api/orders/12345/status", event)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert order.statuses.filter(status=Status.CANCELLED).count() == 1


@pytest.mark.parametrize(
    ("created", "detail"),
    [
        ("9999-12-31T00:00:00Z", "in the future"),  # would pin the status for ever
        ("2025-11-12T09:59:59Z", "before the order's created_at"),
        ("0001-01-01T00:00:00Z", "must not be before 2000-01-01"),  # issue 19: any order
    ],
)
def test_webhook_times_are_bounded(api, order, created, detail):
    history = list(order.statuses.values_list("pk", flat=True))
    response = api.post("/api/orders/12345/status", {"status": "paid", "created": created})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["pointer"] == "/created" and detail in error["detail"]
    assert list(order.statuses.values_list("pk", flat=True)) == history


def test_an_upload_status_time_far_in_the_future_is_refused(api, seed_body):
    seed_body["orders"][0]["status_at"] = "9999-12-31T00:00:00Z"
    response = api.upload(seed_body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/orders/0/status_at"
    assert not Order.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_order_detail_never_contradicts_its_own_history_under_a_stream_of_webhooks(api, seed_body):
    """Issue 10: the order and its history were read in separate snapshots."""
    import threading

    from django.db import connection

    assert api.upload(seed_body).status_code == 200
    stop, errors = threading.Event(), []

    def webhooks() -> None:
        try:
            writer = Api(Client(), api.key)
            for step in range(400):
                if stop.is_set():
                    break
                status = "paid" if step % 2 else "refunded"
                writer.post("/api/orders/12345/status", {"status": status})
        except Exception as error:  # any writer error fails the test
            errors.append(error)
        finally:
            connection.close()

    writer = threading.Thread(target=webhooks)
    writer.start()
    contradictions = 0
    try:
        for _ in range(150):
            detail = api.get("/api/orders/12345").json()
            latest = max(detail["status_history"], key=lambda s: s["created"])
            contradictions += detail["current_status"] != latest["status"]
    finally:
        stop.set()
        writer.join()
    assert errors == [] and contradictions == 0


@pytest.mark.parametrize("number", ["stats", "upload", "A/1"])
def test_every_order_number_the_upload_accepts_can_be_read_and_changed(api, seed_body, number):
    """Issue 11: /api/orders/stats, /upload and /A%2F1 could not reach these orders."""
    seed_body["orders"][0]["order_number"] = number
    assert api.upload(seed_body).status_code == 200
    detail = api.get("/api/order", number=number)
    assert detail.status_code == 200, detail.content
    assert (detail.json()["order_number"], detail.json()["current_status"]) == (number, "Complete")
    refund = api.client.post(
        f"/api/order/status?{urlencode({'number': number})}",
        json.dumps({"status": "refunded"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.key}",
    )
    assert refund.status_code == 201, refund.content
    assert refund.json()["current_status"] == "Cancelled"
    assert Order.objects.get(order_number=number).current_status == "Cancelled"


def test_the_path_routes_still_serve_the_numbers_they_can_spell(api, seed_body):
    api.upload(seed_body)
    assert api.get("/api/orders/12345").json() == api.get("/api/order", number="12345").json()
