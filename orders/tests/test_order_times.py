"""Issue 19 (item 7): every time an order or a status event carries is bounded.

An order dated 9999-12-31 or 0001-01-01 was accepted, and the default daily range and the
dashboard then showed December 9999 only. Times now run from EARLIEST_TIME to now plus the
clock skew, for `created_at`, `status_at` and the webhook's `created` alike.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from orders.models import Customer, Order, OrderStatus
from orders.schemas import ERROR_BEFORE_EARLIEST, ERROR_STATUS_IN_FUTURE, STATUS_FUTURE_SKEW
from orders.services import ItemData, order_create
from orders.tests.conftest import make_upload
from orders.tests.test_upload_validation import errors_of

pytestmark = pytest.mark.django_db


def moment(delta: datetime.timedelta) -> str:
    return (datetime.datetime.now(datetime.UTC) + delta).isoformat()


def as_sent(created_at: str | datetime.timedelta) -> str:
    """A time relative to now is taken when the test runs, not when it is collected (minutes
    earlier in a long suite on a loaded machine)."""
    return moment(created_at) if isinstance(created_at, datetime.timedelta) else created_at


FAR_FUTURE = "9999-12-31T00:00:00Z"
ZERO_DAY = "0001-01-01T00:00:00Z"
UNIX_ZERO = "1970-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("created_at", "detail"),
    [
        (FAR_FUTURE, ERROR_STATUS_IN_FUTURE),
        (ZERO_DAY, ERROR_BEFORE_EARLIEST),
        (UNIX_ZERO, ERROR_BEFORE_EARLIEST),
        ("1999-12-31T23:59:59.999999Z", ERROR_BEFORE_EARLIEST),
        ("2000-01-01T00:59:59+01:00", ERROR_BEFORE_EARLIEST),  # 1999-12-31 in UTC
        (STATUS_FUTURE_SKEW + datetime.timedelta(minutes=1), ERROR_STATUS_IN_FUTURE),
    ],
)
def test_an_order_time_out_of_bounds_is_a_422_with_its_pointer(api, created_at, detail):
    body = make_upload(2)
    body["orders"][1]["created_at"] = as_sent(created_at)
    assert errors_of(api.upload(body)) == {"/orders/1/created_at": detail}
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "created_at",
    ["2000-01-01T00:00:00Z", "2000-01-01T01:00:00+01:00", datetime.timedelta(minutes=4)],
)
def test_order_times_at_the_bounds_are_accepted(api, created_at):
    created_at = as_sent(created_at)
    body = make_upload(1)
    body["orders"][0]["created_at"] = created_at
    assert api.upload(body).status_code == 200
    assert Order.objects.get().created_at == datetime.datetime.fromisoformat(created_at)


def test_a_status_time_before_the_bound_is_refused_in_an_upload(api):
    body = make_upload(1)
    body["orders"][0]["status_at"] = UNIX_ZERO
    assert errors_of(api.upload(body)) == {"/orders/0/status_at": ERROR_BEFORE_EARLIEST}


@pytest.fixture
def legacy_order() -> Order:
    """An order stored before the bound existed (or written by a command, not the API)."""
    return order_create(
        customer=Customer.objects.create(username="legacy"),
        order_number="OLD-1",
        created_at=datetime.datetime(1990, 1, 1, tzinfo=datetime.UTC),
        total_amount=Decimal("1.00"),
        items=[ItemData("OLD", "Old item", 1, Decimal("1.00"))],
    )


@pytest.mark.parametrize("created", ["1995-06-01T00:00:00Z", UNIX_ZERO])
def test_a_webhook_time_before_the_bound_is_refused_even_for_an_older_order(
    api, legacy_order, created
):
    history = list(OrderStatus.objects.values_list("pk", flat=True))
    response = api.post("/api/order/status?number=OLD-1", {"status": "paid", "created": created})
    assert errors_of(response) == {"/created": ERROR_BEFORE_EARLIEST}
    assert list(OrderStatus.objects.values_list("pk", flat=True)) == history


def test_the_document_states_the_bounds(client):
    document = client.get("/api/openapi.json").json()
    order = document["components"]["schemas"]["OrderIn"]["properties"]["created_at"]
    assert "2000-01-01" in order["description"] and "5 minutes" in order["description"]
