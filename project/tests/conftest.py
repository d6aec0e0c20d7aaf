from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from orders.api_keys import api_key_create
from orders.models import ApiKeyScope
from orders.tests.conftest import SEED_003_BODY, make_upload
from reports.refresh import reports_refresh
from reports.tests.conftest import live_reports_reset


@pytest.fixture
def world(db) -> dict:
    """Two customers' orders, refreshed reports, and a key per role: write, read, and one
    bound to the other customer. In the test's own transaction (committed and flushed after a
    transactional test)."""
    live_reports_reset()
    run = uuid.uuid4().hex
    keys = {
        "write": api_key_create(name=f"writer-{run}", scope=ApiKeyScope.WRITE),
        "read": api_key_create(name=f"reader-{run}", scope=ApiKeyScope.READ),
    }
    client = Client(HTTP_AUTHORIZATION=f"Bearer {keys['write']}")
    for body in (SEED_003_BODY, make_upload(1, user="shop_b", prefix="B")):
        response = client.post("/api/orders/upload", json.dumps(body), "application/json")
        assert response.status_code == 200, response.content
    keys["bound_other"] = api_key_create(
        name=f"bound-{run}", scope=ApiKeyScope.WRITE, customer_username="shop_b"
    )
    assert not reports_refresh().failed
    return keys
