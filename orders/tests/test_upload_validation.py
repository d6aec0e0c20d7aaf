from __future__ import annotations

import json
from decimal import Decimal

import pydantic
import pytest

from api.problems import PROBLEM_CONTENT_TYPE
from orders.models import Order
from orders.schemas import UploadIn
from orders.tests.conftest import make_upload

pytestmark = pytest.mark.django_db


def errors_of(response) -> dict[str, str]:
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    assert body["status"] == 422
    return {error["pointer"]: error["detail"] for error in body["errors"]}


def with_order(**fields) -> dict:
    body = make_upload(1)
    body["orders"][0].update(fields)
    return body


def with_item(**fields) -> dict:
    body = make_upload(1)
    body["orders"][0]["items"][0].update(fields)
    return body


ORDER = "/orders/0"
ITEM = "/orders/0/items/0"


@pytest.mark.parametrize(
    ("body", "where", "detail"),
    [
        ({"orders": make_upload(1)["orders"]}, "/user", "is required"),
        ({"user": "", "orders": make_upload(1)["orders"]}, "/user", "must not be empty"),
        ({"user": "u" * 51, "orders": []}, "/user", "must be at most 50 characters"),
        ({"user": 5, "orders": []}, "/user", "must be a string"),
        ({"user": "a\x00b", "orders": []}, "/user", "must not contain NUL characters"),
        ({"user": "u"}, "/orders", "is required"),
        ({"user": "u", "orders": {}}, "/orders", "must be an array"),
        ({"user": "u", "orders": []}, "/orders", "must not be empty"),
        ({"user": "u", "orders": ["x"]}, ORDER, "must be an object"),
        (with_order(order_number=""), f"{ORDER}/order_number", "must not be empty"),
        (with_order(order_number=" "), f"{ORDER}/order_number", "must not be empty"),
        (with_order(order_number="n" * 51), f"{ORDER}/order_number", "at most 50 characters"),
        (with_order(order_number=12345), f"{ORDER}/order_number", "must be a string"),
        (with_order(created_at="2025-13-01T00:00:00Z"), f"{ORDER}/created_at", "ISO-8601"),
        (with_order(created_at="2025-11-12T10:00:00"), f"{ORDER}/created_at", "timezone"),
        (with_order(created_at=1731405600), f"{ORDER}/created_at", "ISO-8601"),
        (with_order(total_amount=-0.01), f"{ORDER}/total_amount", "must be at least 0"),
        (with_order(total_amount="10"), f"{ORDER}/total_amount", "must be a number"),
        (with_order(total_amount=True), f"{ORDER}/total_amount", "must be a number"),
        (with_order(total_amount=1.005), f"{ORDER}/total_amount", "at most 2 decimal places"),
        (with_order(total_amount=10**10), f"{ORDER}/total_amount", "must be at most"),
        (with_order(status="shipped"), f"{ORDER}/status", "must be one of"),
        (with_order(status=None), f"{ORDER}/status", "is required"),
        (with_order(status_at="soon"), f"{ORDER}/status_at", "ISO-8601"),
        (with_order(status_at="2025-01-01T00:00:00Z"), f"{ORDER}/status_at", "before created_at"),
        (with_order(items=[]), f"{ORDER}/items", "must not be empty"),
        (with_order(items="tea"), f"{ORDER}/items", "must be an array"),
        (with_order(items=[{}] * 1001), f"{ORDER}/items", "must contain at most 1000 elements"),
        (with_item(sku=""), f"{ITEM}/sku", "must not be empty"),
        (with_item(sku="s" * 51), f"{ITEM}/sku", "at most 50 characters"),
        (with_item(name="n" * 256), f"{ITEM}/name", "at most 255 characters"),
        (with_item(name=None), f"{ITEM}/name", "is required"),
        (with_item(quantity=0), f"{ITEM}/quantity", "must be at least 1"),
        (with_item(quantity=1.5), f"{ITEM}/quantity", "must be an integer"),
        (with_item(quantity="2"), f"{ITEM}/quantity", "must be an integer"),
        (with_item(quantity=10**9), f"{ITEM}/quantity", "must be at most"),
        (with_item(price=-1), f"{ITEM}/price", "must be at least 0"),
        (with_item(price=10**8), f"{ITEM}/price", "must be at most"),
        (with_item(price=0.001), f"{ITEM}/price", "at most 2 decimal places"),
    ],
)
def test_each_rule_names_its_field(api, body, where, detail):
    errors = errors_of(api.upload(body))
    assert where in errors, errors
    assert detail in errors[where]
    assert not Order.objects.exists()


def test_every_invalid_field_is_listed_not_only_the_first(api):
    body = make_upload(3)
    body["orders"][0]["total_amount"] = -1
    body["orders"][1]["items"][2]["price"] = "free"
    body["orders"][2]["status_at"] = "yesterday"
    errors = errors_of(api.upload(body))
    assert set(errors) == {
        "/orders/0/total_amount",
        "/orders/1/items/2/price",
        "/orders/2/status_at",
    }


def test_checks_across_fields_list_every_field_they_refuse(api):
    """Repeats and status times are checked once every field is valid on its own."""
    body = make_upload(4)
    body["orders"][2]["order_number"] = body["orders"][0]["order_number"]
    body["orders"][3]["status_at"] = "2000-01-01T00:00:00Z"  # before created_at
    errors = errors_of(api.upload(body))
    assert errors == {
        "/orders/2/order_number": "repeats the order number of /orders/0/order_number",
        "/orders/3/status_at": "must not be before created_at",
    }


def test_too_many_orders(api):
    body = make_upload(5001, items=1)
    assert errors_of(api.upload(body)) == {"/orders": "must contain at most 5000 elements"}


def test_nan_and_infinity_are_not_numbers(api):
    body = json.dumps(make_upload(1)).replace('"total_amount": 91.5', '"total_amount": NaN')
    assert "NaN" in body
    assert errors_of(api.upload(body)) == {"/orders/0/total_amount": "must be a number"}


def test_unknown_fields_are_ignored(api):
    body = make_upload(1)
    body["source"] = "shop-7"
    body["orders"][0]["coupon"] = "X"
    body["orders"][0]["items"][0]["colour"] = "green"
    assert api.upload(body).status_code == 200


@pytest.mark.parametrize(
    ("data", "content_type", "status", "detail"),
    [
        ("not json", "application/json", 400, "not valid JSON"),
        ("[1, 2]", "application/json", 400, "must be a JSON object"),
        (b"\xff\xfe{}", "application/json", 400, "not valid UTF-8"),
        ("[" * 100_000 + "]" * 100_000, "application/json", 400, "not valid JSON"),
        ("user=x", "application/x-www-form-urlencoded", 415, "Content-Type: application/json"),
        ("{}", "text/plain", 415, "Content-Type: application/json"),
    ],
)
def test_malformed_bodies(api, data, content_type, status, detail):
    response = api.post("/api/orders/upload", data, content_type=content_type)
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert detail in response.json()["detail"]


def test_body_over_10_mb_is_413(api):
    body = make_upload(1)
    body["padding"] = "x" * (10 * 1024 * 1024)
    response = api.upload(body)
    assert response.status_code == 413
    assert "over the limit" in response.json()["detail"]
    assert not Order.objects.exists()


def test_any_utc_offset_is_stored_as_the_same_instant(api):
    body = make_upload(1)
    body["orders"][0]["created_at"] = "2025-06-05T03:30:10-23:57"
    assert api.upload(body).status_code == 200
    stored = Order.objects.get().created_at
    assert stored.isoformat() == "2025-06-06T03:27:10+00:00"


def test_dates_that_overflow_are_refused(api):
    body = make_upload(1)
    body["orders"][0]["created_at"] = "0001-01-01T00:00:00+05:00"
    assert errors_of(api.upload(body)) == {
        "/orders/0/created_at": "is outside the supported range of dates"
    }


def test_a_quantity_written_with_a_zero_fraction_is_an_integer():
    """Issue 10 (schemathesis): 176596.0 is an integer in JSON Schema; it was refused."""
    body = json.loads(
        json.dumps(make_upload(1)).replace('"quantity": 1', '"quantity": 3.0'), parse_float=Decimal
    )
    assert UploadIn.model_validate(body).orders[0].items[0].quantity == 3
    body["orders"][0]["items"][0]["quantity"] = Decimal("3.5")
    with pytest.raises(pydantic.ValidationError):
        UploadIn.model_validate(body)
