from __future__ import annotations

import copy
import json

import pytest

from orders.api_keys import api_key_create
from orders.models import ApiKeyScope

SEED_003_BODY = {
    "user": "test_seller",
    "orders": [
        {
            "order_number": "12345",
            "created_at": "2025-11-12T10:00:00Z",
            "total_amount": 2500.00,
            "status": "delivered",
            "items": [
                {"sku": "tea01", "name": "Чай зелёный", "quantity": 2, "price": 500},
                {"sku": "cup01", "name": "Чашка фарфоровая", "quantity": 1, "price": 1500},
            ],
        }
    ],
}


class Api:
    """A test client that speaks the API: bearer key, JSON bodies, parsed JSON answers."""

    def __init__(self, client, key: str | None):
        self.client = client
        self.key = key

    def _headers(self) -> dict:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}"} if self.key else {}

    def get(self, path: str, **params):
        return self.client.get(path, params, **self._headers())

    def post(self, path: str, body, *, content_type: str = "application/json"):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return self.client.post(path, data, content_type=content_type, **self._headers())

    def upload(self, body):
        return self.post("/api/orders/upload", body)


@pytest.fixture
def write_key(db) -> str:
    return api_key_create(name="test-write", scope=ApiKeyScope.WRITE)


@pytest.fixture
def read_key(db) -> str:
    return api_key_create(name="test-read", scope=ApiKeyScope.READ)


@pytest.fixture
def api(client, write_key) -> Api:
    return Api(client, write_key)


@pytest.fixture
def seed_body() -> dict:
    return copy.deepcopy(SEED_003_BODY)


def make_upload(count: int, *, user: str = "bulk", items: int = 3, prefix: str = "B") -> dict:
    return {
        "user": user,
        "orders": [
            {
                "order_number": f"{prefix}-{n}",
                "created_at": "2025-06-01T08:00:00+02:00",
                "total_amount": 30.5 * items,
                "status": ["new", "paid", "failed"][n % 3],
                "items": [
                    {"sku": f"S{k}", "name": f"Item {k}", "quantity": 1 + k, "price": 10.5}
                    for k in range(items)
                ],
            }
            for n in range(count)
        ],
    }
