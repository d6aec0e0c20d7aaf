from __future__ import annotations

import datetime
import json
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from api.problems import PROBLEM_CONTENT_TYPE
from orders.models import Customer, Order, OrderItem, OrderStatus, Status
from orders.tests.conftest import Api, make_upload

pytestmark = pytest.mark.django_db


def table_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count() for model in (Customer, Order, OrderItem, OrderStatus)
    }


def test_seed_003_sample_exactly(api, seed_body):
    response = api.upload(seed_body)
    assert response.status_code == 200
    assert response.json() == {
        "user": "test_seller",
        "received": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "status_changes": 1,
    }
    order = Order.objects.get(order_number="12345")
    assert order.customer.username == "test_seller"
    assert order.created_at == datetime.datetime(2025, 11, 12, 10, tzinfo=datetime.UTC)
    assert order.total_amount == Decimal("2500.00")
    assert order.current_status == Status.COMPLETE  # "delivered"
    assert sorted(order.items.values_list("sku", "name", "quantity", "price")) == [
        ("cup01", "Чашка фарфоровая", 1, Decimal("1500.00")),
        ("tea01", "Чай зелёный", 2, Decimal("500.00")),
    ]
    history = list(order.statuses.order_by("created", "id").values_list("status", "created"))
    assert history[0] == (Status.PENDING, order.created_at)
    assert [status for status, _ in history] == [Status.PENDING, Status.COMPLETE]


def test_reupload_updates_instead_of_duplicating(api, seed_body):
    api.upload(seed_body)
    before = table_counts()
    again = api.upload(seed_body).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    assert table_counts() == before

    seed_body["orders"][0]["total_amount"] = 2000
    seed_body["orders"][0]["items"][1]["price"] = 1000
    changed = api.upload(seed_body).json()
    assert (changed["created"], changed["updated"], changed["status_changes"]) == (0, 1, 0)
    assert table_counts() == before
    order = Order.objects.get(order_number="12345")
    assert order.total_amount == Decimal("2000.00")
    assert order.items.get(sku="cup01").price == Decimal("1000.00")


def test_items_are_replaced_by_the_uploaded_set(api, seed_body):
    api.upload(seed_body)
    seed_body["orders"][0]["items"] = [{"sku": "pot01", "name": "Pot", "quantity": 1, "price": 1}]
    assert api.upload(seed_body).json()["updated"] == 1
    assert list(OrderItem.objects.values_list("sku", flat=True)) == ["pot01"]


def test_status_change_appends_history_at_status_at(api, seed_body):
    api.upload(seed_body)
    seed_body["orders"][0]["status"] = "REFUNDED"
    # After the payment, recorded at the first upload's time; within the allowed clock skew.
    refund_at = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    refund_at += datetime.timedelta(minutes=1)
    seed_body["orders"][0]["status_at"] = refund_at.isoformat()
    result = api.upload(seed_body).json()
    assert (result["updated"], result["status_changes"]) == (1, 1)
    order = Order.objects.get(order_number="12345")
    assert order.current_status == Status.CANCELLED
    assert order.current_status_at == refund_at
    assert order.statuses.count() == 3


@pytest.mark.parametrize(
    ("alias", "status"),
    [
        ("Pending", Status.PENDING),
        ("new", Status.PENDING),
        ("CREATED", Status.PENDING),
        ("complete", Status.COMPLETE),
        ("Completed", Status.COMPLETE),
        ("paid", Status.COMPLETE),
        ("delivered", Status.COMPLETE),
        ("cancelled", Status.CANCELLED),
        ("Canceled", Status.CANCELLED),
        ("failed", Status.CANCELLED),
        ("refunded", Status.CANCELLED),
    ],
)
def test_status_aliases(api, seed_body, alias, status):
    seed_body["orders"][0]["status"] = alias
    assert api.upload(seed_body).status_code == 200
    assert Order.objects.get().current_status == status


def test_order_of_another_customer_is_refused_never_reassigned(api, seed_body):
    api.upload(seed_body)
    before = table_counts()
    seed_body["user"] = "someone_else"
    seed_body["orders"].insert(0, make_upload(1)["orders"][0])
    response = api.upload(seed_body)
    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["errors"] == [
        {
            "pointer": "/orders/1/order_number",
            "detail": "belongs to another customer; order numbers are never reassigned",
        }
    ]
    assert table_counts() == before
    assert Order.objects.get(order_number="12345").customer.username == "test_seller"


def test_one_bad_order_among_1000_leaves_every_table_unchanged(api):
    api.upload(make_upload(10, prefix="OLD"))
    before = table_counts()
    body = make_upload(1000)
    body["orders"][637]["items"][2]["quantity"] = 0
    response = api.upload(body)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"pointer": "/orders/637/items/2/quantity", "detail": "must be at least 1"}
    ]
    assert table_counts() == before


def test_a_database_error_midway_writes_nothing(api, seed_body):
    """Validation passes, the database refuses a row late in the upload: all rolled back."""
    body = make_upload(50)
    before = table_counts()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE orders_orderitem ADD CONSTRAINT test_no_s2 CHECK (sku <> 'S2')")
    response = api.upload(body)
    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert table_counts() == before


def test_the_number_of_statements_does_not_grow_with_the_upload(api):
    def statements(body) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.upload(body).status_code == 200
        return len(queries)

    api.get("/api/uploads")  # a key's first use also stamps its last_used_at
    small_new = statements(make_upload(1, prefix="ONE"))
    large_new = statements(make_upload(1000, prefix="MANY"))
    assert large_new == small_new <= 12
    small_again = statements(make_upload(1, prefix="ONE"))
    large_again = statements(make_upload(1000, prefix="MANY"))
    assert large_again == small_again <= small_new


@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_uploads_end_without_duplicates_or_errors(write_key):
    bodies = [make_upload(300, prefix="X"), make_upload(300, prefix="X")]
    bodies[1]["orders"].reverse()
    for order in bodies[1]["orders"][:100]:
        order["total_amount"] = 1
    responses: list = [None] * 4
    start = threading.Barrier(4)

    def upload(slot: int) -> None:
        try:
            start.wait()
            responses[slot] = Api(Client(), write_key).upload(bodies[slot % 2])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload, args=(slot,)) for slot in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    assert sum(r.json()["created"] for r in responses) == 300
    assert Order.objects.count() == 300
    assert Order.objects.values("order_number").distinct().count() == 300
    assert OrderItem.objects.count() == 900
    assert Customer.objects.count() == 1


def test_the_same_document_sent_again_records_its_status_event_once(api, seed_body):
    order = seed_body["orders"][0]
    order.update(status="paid", status_at="2025-12-01T00:00:00Z")
    api.upload(seed_body)
    order.update(status="cancelled", status_at="2025-11-15T00:00:00Z")  # older than the payment
    answers = [api.upload(seed_body).json() for _ in range(5)]
    assert (answers[0]["updated"], answers[0]["status_changes"]) == (1, 1)
    for again in answers[1:]:
        assert (again["updated"], again["unchanged"], again["status_changes"]) == (0, 1, 0)
    stored = Order.objects.get(order_number="12345")
    assert stored.statuses.filter(status=Status.CANCELLED).count() == 1
    assert stored.current_status == Status.COMPLETE  # the later payment stays current


@pytest.mark.parametrize("field", ["user", "order_number", "sku"])
@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff", "\u202e", "\n", "\x01", "\u2028"])
def test_invisible_and_control_characters_in_identifiers_are_refused(api, field, invisible):
    """Issue 10: they made look-alike customers, orders and products."""
    body = make_upload(1)
    where = {"user": "/user", "order_number": "/orders/0/order_number"}.get(
        field, "/orders/0/items/0/sku"
    )
    if field == "user":
        body["user"] = f"shop{invisible}a"
    elif field == "order_number":
        body["orders"][0]["order_number"] = f"B{invisible}1"
    else:
        body["orders"][0]["items"][0]["sku"] = f"SKU{invisible}1"
    response = api.upload(body)
    assert response.status_code == 422
    assert [error["pointer"] for error in response.json()["errors"]] == [where]
    assert table_counts() == dict.fromkeys(("Customer", "Order", "OrderItem", "OrderStatus"), 0)


def test_a_name_may_not_hold_control_characters_but_may_hold_invisible_ones(api):
    body = make_upload(1)
    body["orders"][0]["items"][0]["name"] = "tea\nleaves"
    assert api.upload(body).status_code == 422
    body["orders"][0]["items"][0]["name"] = "tea\u200bleaves"  # shown as is, not a key
    assert api.upload(body).status_code == 200


def test_nfc_and_nfd_spellings_of_one_number_are_one_order(api, seed_body):
    seed_body["orders"][0]["order_number"] = "Cafe\u0301-1"  # NFD: e + combining accent
    assert api.upload(seed_body).json()["created"] == 1
    seed_body["orders"][0]["order_number"] = "Caf\u00e9-1"  # NFC: one code point
    assert api.upload(seed_body).json()["unchanged"] == 1
    assert list(Order.objects.values_list("order_number", flat=True)) == ["Caf\u00e9-1"]
    assert api.get("/api/orders/Cafe\u0301-1").status_code == 200


def test_a_chunked_body_is_read_whole(api, seed_body):
    """Issue 10: without Content-Length, Django read a chunked upload as empty."""
    import io

    document = json.dumps(seed_body).encode()
    response = api.client.generic(
        "POST",
        "/api/orders/upload",
        b"",
        HTTP_AUTHORIZATION=f"Bearer {api.key}",
        HTTP_TRANSFER_ENCODING="chunked",
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH="",
        **{"wsgi.input": io.BytesIO(document)},  # what gunicorn hands over, de-chunked
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
