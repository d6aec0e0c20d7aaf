from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from orders.api_keys import (
    ERROR_KEY_PREFIX_TAKEN,
    ERROR_MALFORMED_KEY,
    ApiKeyError,
    api_key_authenticate,
    api_key_create,
)
from orders.models import ApiKey, ApiKeyScope
from orders.tests.conftest import Api

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("post", "/api/orders/upload", True),
    ("post", "/api/orders/12345/status", True),
    ("get", "/api/orders/12345", False),
]


def call(api: Api, method: str, path: str, body=None):
    if method == "get":
        return api.get(path)
    return api.post(path, body if body is not None else {"status": "paid"})


@pytest.fixture
def seeded(api, seed_body):
    assert api.upload(seed_body).status_code == 200


@pytest.mark.parametrize(("method", "path", "_write"), ENDPOINTS)
def test_missing_and_unknown_keys_are_401(client, seeded, method, path, _write):
    for key in (None, "ok_nothing_here", "garbage"):
        response = call(Api(client, key), method, path)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path", "write"), ENDPOINTS)
def test_read_keys_read_and_write_keys_do_both(
    client, seeded, read_key, seed_body, method, path, write
):
    body = seed_body if path.endswith("upload") else None
    read = call(Api(client, read_key), method, path, body)
    assert read.status_code == (403 if write else 200)
    assert call(Api(client, read_key.replace("_", "-")), method, path, body).status_code == 401


def test_revoked_key_is_401(client, seeded, write_key):
    call_command("revoke_api_key", "test-write", stdout=io.StringIO())
    assert Api(client, write_key).get("/api/orders/12345").status_code == 401
    with pytest.raises(CommandError, match="No active API key"):
        call_command("revoke_api_key", "test-write", stdout=io.StringIO())


def test_customer_bound_key(client, seeded, seed_body):
    other = api_key_create(name="other", scope=ApiKeyScope.WRITE)
    Api(client, other).upload(
        {
            **seed_body,
            "user": "shop_b",
            "orders": [{**seed_body["orders"][0], "order_number": "B-1"}],
        }
    )
    bound = Api(
        client,
        api_key_create(name="bound", scope=ApiKeyScope.WRITE, customer_username="test_seller"),
    )
    assert bound.upload(seed_body).status_code == 200
    assert bound.get("/api/orders/12345").status_code == 200
    assert bound.post("/api/orders/12345/status", {"status": "paid"}).status_code == 201
    refused = bound.upload({**seed_body, "user": "shop_b"})
    assert refused.status_code == 403
    assert "test_seller" in refused.json()["detail"]
    # Another customer's order answers like a missing one: the key learns nothing (issue 10).
    for number in ("B-1", "NO-SUCH"):
        read = bound.get(f"/api/orders/{number}")
        write = bound.post(f"/api/orders/{number}/status", {"status": "paid"})
        assert (read.status_code, write.status_code) == (404, 404)
        assert (
            read.json()["detail"]
            == write.json()["detail"]
            == f"No order has the number {number!r}."
        )


def test_create_api_key_prints_the_key_alone_on_the_last_line_and_stores_a_digest():
    out = io.StringIO()
    call_command("create_api_key", "ci", scope="read", stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip().splitlines()[-1]
    assert key.startswith("ok_")
    stored = ApiKey.objects.get(name="ci")
    assert key not in (stored.digest, stored.prefix)
    assert len(stored.digest) == 64
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_api_key", "ci", scope="read", stdout=out, stderr=io.StringIO())
    with pytest.raises(CommandError, match="No customer"):
        call_command("create_api_key", "x", scope="read", customer="ghost", stderr=io.StringIO())


def test_a_key_issued_before_can_be_stored_again(db):
    """The demo gives a new database the key it printed before (orders/demo.py)."""
    key = api_key_create(name="first", scope=ApiKeyScope.WRITE)
    ApiKey.objects.all().delete()
    assert api_key_create(name="again", scope=ApiKeyScope.READ, plaintext=key) == key
    assert api_key_authenticate(presented=key).name == "again"
    with pytest.raises(ApiKeyError, match=re.escape(ERROR_KEY_PREFIX_TAKEN)):
        api_key_create(name="twice", scope=ApiKeyScope.READ, plaintext=key)
    for malformed in (
        "",
        "ok_",
        "ok__secret",
        "ok_prefix_",
        "xx_prefix_secret",
        "ok_" + "p" * 17 + "_s",
    ):
        with pytest.raises(ApiKeyError, match=re.escape(ERROR_MALFORMED_KEY)):
            api_key_create(name="bad", scope=ApiKeyScope.READ, plaintext=malformed)


def test_wrong_method_is_405(api, seeded):
    response = api.get("/api/orders/upload")
    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_keys_are_listed_never_shown_in_the_admin(admin_client, write_key):
    page = admin_client.get("/admin/orders/apikey/").content.decode()
    assert "test-write" in page
    assert write_key not in page
    assert write_key.split("_", 2)[2] not in page
