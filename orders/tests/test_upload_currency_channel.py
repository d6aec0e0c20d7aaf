"""Issue 23 at the upload: an order's currency and sales channel, defaults and checks."""

from __future__ import annotations

import pytest
from django.test import override_settings

from currencies.conf import base_currency, channels, default_channel
from currencies.types import ERROR_CURRENCY
from orders.models import Customer, Order, OrderItem, OrderStatus
from orders.tests.test_upload_validation import errors_of

pytestmark = pytest.mark.django_db


def stored(number: str = "12345") -> tuple[str, str]:
    return Order.objects.values_list("currency", "channel").get(order_number=number)


def counts(answer) -> tuple[int, int, int]:
    assert answer.status_code == 200, answer.content
    body = answer.json()
    return body["created"], body["updated"], body["unchanged"]


def test_seed_003_sample_gets_the_base_currency_and_the_default_channel(api, seed_body):
    assert "currency" not in seed_body["orders"][0] and "channel" not in seed_body["orders"][0]
    assert counts(api.upload(seed_body)) == (1, 0, 0)
    assert stored() == (base_currency(), default_channel()) == ("USD", "online")


@override_settings(REPORTS_BASE_CURRENCY="EUR", REPORTS_CHANNELS=["shop", "b2b"])
def test_the_defaults_follow_the_settings(api, seed_body):
    assert counts(api.upload(seed_body)) == (1, 0, 0)
    assert stored() == ("EUR", "shop")


def test_a_currency_and_a_channel_given_are_stored(api, seed_body):
    seed_body["orders"][0].update(currency="EUR", channel="wholesale")
    assert counts(api.upload(seed_body)) == (1, 0, 0)
    assert stored() == ("EUR", "wholesale")


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [("currency", "GBP", ("GBP", "online")), ("channel", "retail", ("USD", "retail"))],
)
def test_a_changed_currency_or_channel_is_an_update(api, seed_body, field, value, expected):
    assert counts(api.upload(seed_body)) == (1, 0, 0)
    seed_body["orders"][0][field] = value
    assert counts(api.upload(seed_body)) == (0, 1, 0)
    assert stored() == expected
    assert counts(api.upload(seed_body)) == (0, 0, 1)  # the same body again
    assert stored() == expected


def test_naming_the_defaults_changes_nothing(api, seed_body):
    api.upload(seed_body)
    seed_body["orders"][0].update(currency=base_currency(), channel=default_channel())
    assert counts(api.upload(seed_body)) == (0, 0, 1)


def test_leaving_them_out_again_restores_the_defaults(api, seed_body):
    """Like every field of an upload, an omitted currency is the default, not "keep"."""
    api.upload({**seed_body, "orders": [{**seed_body["orders"][0], "currency": "EUR"}]})
    assert counts(api.upload(seed_body)) == (0, 1, 0)
    assert stored() == ("USD", "online")


def table_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count() for model in (Customer, Order, OrderItem, OrderStatus)
    }


@pytest.mark.parametrize("value", ["eur", "XXX1", "ABC", None, 5, "", " EUR", True, ["EUR"]])
def test_an_invalid_currency_is_refused_with_its_pointer(api, seed_body, value):
    api.upload(seed_body)  # a valid order first: the refusal must leave it as it was
    before = (table_counts(), stored())
    seed_body["orders"][0]["currency"] = value
    errors = errors_of(api.upload(seed_body))
    assert errors == {"/orders/0/currency": ERROR_CURRENCY}
    assert (table_counts(), stored()) == before


@pytest.mark.parametrize("value", ["marketplace", "Online", "", None, 5])
def test_an_unknown_channel_is_refused_with_its_pointer(api, seed_body, value):
    api.upload(seed_body)
    before = (table_counts(), stored())
    seed_body["orders"][0]["channel"] = value
    errors = errors_of(api.upload(seed_body))
    assert list(errors) == ["/orders/0/channel"]
    assert errors["/orders/0/channel"] == "must be one of: " + ", ".join(channels())
    assert (table_counts(), stored()) == before


def test_a_refused_new_order_writes_nothing(api, seed_body):
    seed_body["orders"][0].update(currency="XXX1", channel="marketplace")
    errors = errors_of(api.upload(seed_body))
    assert set(errors) == {"/orders/0/currency", "/orders/0/channel"}
    assert set(table_counts().values()) == {0}


def test_the_document_describes_both_fields(client, db):
    order_in = client.get("/api/openapi.json").json()["components"]["schemas"]["OrderIn"]
    currency, channel = order_in["properties"]["currency"], order_in["properties"]["channel"]
    assert (
        currency["pattern"] == "^[A-Z]{3}$" and "REPORTS_BASE_CURRENCY" in currency["description"]
    )
    assert "REPORTS_CHANNELS" in channel["description"]
    assert {"currency", "channel"}.isdisjoint(order_in["required"])
