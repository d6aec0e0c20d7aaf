from __future__ import annotations

import datetime
import json
import uuid

import pytest
from django.conf import settings
from django.test import Client

from catalog.models import Category, Product
from currencies.models import ExchangeRate
from orders.api_keys import api_key_create
from orders.models import ApiKey, ApiKeyScope
from orders.services import upload_conflict_record
from orders.tests.conftest import SEED_003_BODY, make_upload
from orders.tests.shared_rows import shared_rows
from reports.refresh import reports_refresh
from reports.tests.conftest import live_reports_reset


def world_build() -> dict:
    """Two customers' orders, a catalog (category tea, product tea01), a rate (EUR on
    2026-01-05), refreshed reports, and a key per role: write, read, and one bound to the other
    customer."""
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
    # Bound to shop_b and refused as often as a key may be in a window: its uploads are paused.
    keys["bound_paused"] = api_key_create(
        name=f"paused-{run}", scope=ApiKeyScope.WRITE, customer_username="shop_b"
    )
    for _ in range(settings.UPLOAD_CONFLICT_LIMIT):
        upload_conflict_record(key_id=ApiKey.objects.get(name=f"paused-{run}").pk)
    tea = Category.objects.create(key="tea", name="Tea")
    Product.objects.create(sku="tea01", name="Чай зелёный", price=500, category=tea)
    ExchangeRate.objects.create(currency="EUR", day=datetime.date(2026, 1, 5), rate="1.0921")
    assert not reports_refresh().failed
    return keys


@pytest.fixture
def world(db) -> dict:
    """`world_build` in the test's own transaction (committed and flushed after a
    transactional test)."""
    return world_build()


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker) -> dict:
    """`world_build` once for a module's non-transactional tests, each of which starts from it
    and has its own writes rolled back (orders/tests/shared_rows.py). The rows stay until the
    module's last test: the tests that ask for them come last in their module."""
    with shared_rows(django_db_blocker, world_build) as keys:
        yield keys
