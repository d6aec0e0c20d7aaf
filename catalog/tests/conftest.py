from __future__ import annotations

import copy

import pytest

from orders.api_keys import api_key_create
from orders.models import ApiKeyScope
from orders.tests.conftest import Api

# A small tree: drinks > tea > green, drinks > coffee; kitchen (no parent).
CATALOG = {
    "categories": [
        {"key": "drinks", "name": "Drinks"},
        {"key": "tea", "name": "Tea", "parent": "drinks"},
        {"key": "green", "name": "Green tea", "parent": "tea"},
        {"key": "coffee", "name": "Coffee", "parent": "drinks"},
        {"key": "kitchen", "name": "Kitchen"},
    ],
    "products": [
        {"sku": "tea01", "name": "Sencha", "category": "green", "price": 500, "rating": 4.5},
        {"sku": "tea02", "name": "Assam", "category": "tea", "price": 300, "rating": 3.9},
        {"sku": "cof01", "name": "Arabica", "category": "coffee", "price": 900, "rating": 4.2},
        {"sku": "cof02", "name": "Robusta", "category": "coffee", "price": 450, "rating": None},
        {"sku": "cup01", "name": "Cup", "category": "kitchen", "price": 1500, "rating": 3.0},
        {
            "sku": "pot01",
            "name": "Teapot",
            "category": "kitchen",
            "price": 2500,
            "rating": 4.8,
            "active": False,
        },
        {"sku": "misc1", "name": "Gift card", "price": 100},
    ],
}


@pytest.fixture
def catalog_body() -> dict:
    return copy.deepcopy(CATALOG)


@pytest.fixture
def write_key(db) -> str:
    return api_key_create(name="catalog-write", scope=ApiKeyScope.WRITE)


@pytest.fixture
def api(client, write_key) -> Api:
    return Api(client, write_key)


@pytest.fixture
def stocked(api, catalog_body) -> Api:
    """The API with CATALOG uploaded."""
    answer = api.post("/api/catalog", catalog_body)
    assert answer.status_code == 200, answer.json()
    return api
