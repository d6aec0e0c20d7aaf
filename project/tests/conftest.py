from __future__ import annotations

import io
import json
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from orders.api_keys import api_key_create
from orders.models import ApiKeyScope
from orders.tests.conftest import SEED_003_BODY, make_upload
from reports.tests.conftest import live_reports_reset


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> dict:
    """Committed once per module: two customers' orders, refreshed reports, one key per role.

    Tests read it inside their own transaction (the `db` fixture), which rolls back what they
    write; the module's end empties the tables it filled.
    """
    run = uuid.uuid4().hex
    with django_db_blocker.unblock():
        live_reports_reset()
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
        call_command("refresh_reports", stdout=io.StringIO())
        yield keys
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE orders_customer, orders_order, orders_orderitem, orders_orderstatus, "
                "orders_apikey CASCADE"
            )
        live_reports_reset()
