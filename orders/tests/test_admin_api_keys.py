"""API keys in the admin: created with the key shown once, revoked, staff only (issue 22)."""

from __future__ import annotations

import re

import pytest

from orders.api_keys import api_key_create
from orders.models import ApiKey, ApiKeyScope
from orders.tests.factories import make_order

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/orders/apikey/add/"
LIST_URL = "/admin/orders/apikey/"
KEY_SHAPE = re.compile(r'value="(ok_[0-9a-f]+_[^"]+)"')


def created_key(response) -> str:
    assert response.status_code == 200
    found = KEY_SHAPE.findall(response.content.decode())
    assert len(found) == 1, found
    return found[0]


def order_lookup(client, key: str, number: str = "NONE-1") -> int:
    return client.get(
        "/api/order", {"number": number}, HTTP_AUTHORIZATION=f"Bearer {key}"
    ).status_code


def test_staff_creates_a_key_shown_once_stored_as_a_digest_that_authenticates(admin_client, client):
    response = admin_client.post(ADD_URL, {"name": "shop-1", "scope": ApiKeyScope.READ})
    plaintext = created_key(response)
    stored = ApiKey.objects.get(name="shop-1")
    assert stored.scope == ApiKeyScope.READ and stored.customer is None
    _, prefix, secret = plaintext.split("_", 2)
    assert stored.prefix == prefix
    assert secret not in stored.digest and plaintext not in stored.digest
    # Shown once: neither the list nor the key's own page carries it.
    assert secret not in admin_client.get(LIST_URL).content.decode()
    page = admin_client.get(f"{LIST_URL}{stored.pk}/change/").content.decode()
    assert secret not in page
    assert order_lookup(client, plaintext) == 404  # authenticated: the order does not exist


def test_a_key_bound_to_a_customer_reads_only_that_customer(admin_client, client):
    alice = make_order("A-1", username="alice").customer
    make_order("B-1", username="bob")
    response = admin_client.post(
        ADD_URL, {"name": "alice-key", "scope": ApiKeyScope.WRITE, "customer": alice.pk}
    )
    plaintext = created_key(response)
    assert ApiKey.objects.get(name="alice-key").customer == alice
    assert order_lookup(client, plaintext, "A-1") == 200
    assert order_lookup(client, plaintext, "B-1") == 404


def test_a_taken_name_is_refused_on_the_form(admin_client):
    admin_client.post(ADD_URL, {"name": "twice", "scope": ApiKeyScope.READ})
    response = admin_client.post(ADD_URL, {"name": "twice", "scope": ApiKeyScope.READ})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert ApiKey.objects.filter(name="twice").count() == 1


def test_revoked_from_the_list_the_key_gets_401(admin_client, client):
    plaintext = created_key(admin_client.post(ADD_URL, {"name": "old", "scope": "read"}))
    kept = created_key(admin_client.post(ADD_URL, {"name": "kept", "scope": "read"}))
    old = ApiKey.objects.get(name="old")
    response = admin_client.post(
        LIST_URL, {"action": "revoke", "_selected_action": [old.pk]}, follow=True
    )
    assert "Revoked 1 API key" in response.content.decode()
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert order_lookup(client, plaintext) == 401
    assert order_lookup(client, kept) == 404


def test_non_staff_cannot_reach_the_keys(client, django_user_model):
    user = django_user_model.objects.create_user("shopper", password=None)
    client.force_login(user)
    for url in (LIST_URL, ADD_URL):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = client.post(ADD_URL, {"name": "sneaky", "scope": "write"})
    assert response.status_code == 302
    assert not ApiKey.objects.filter(name="sneaky").exists()


def test_last_used_is_stamped_once_a_minute(client):
    plaintext = api_key_create(name="used", scope=ApiKeyScope.READ)
    assert ApiKey.objects.get(name="used").last_used_at is None
    assert order_lookup(client, plaintext) == 404
    first = ApiKey.objects.get(name="used").last_used_at
    assert first is not None
    assert order_lookup(client, plaintext) == 404
    assert ApiKey.objects.get(name="used").last_used_at == first  # not a write per request
