from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.models import Category, PriceOperation, Product
from catalog.services import ERROR_CYCLE, ERROR_UNKNOWN_CATEGORY
from orders.api_keys import api_key_create
from orders.models import ApiKeyScope, Customer
from orders.tests.conftest import Api


def _catalog_state() -> tuple[list, list]:
    categories = list(Category.objects.order_by("key").values_list("key", "name", "parent__key"))
    products = list(
        Product.objects.order_by("sku").values_list(
            "sku", "name", "category__key", "price", "rating", "active"
        )
    )
    return categories, products


@pytest.mark.django_db
def test_an_upload_creates_the_tree_and_the_products(api, catalog_body):
    answer = api.post("/api/catalog", catalog_body)
    assert answer.status_code == 200
    assert answer.json() == {
        "categories": {"received": 5, "created": 5, "updated": 0, "unchanged": 0},
        "products": {"received": 7, "created": 7, "updated": 0, "unchanged": 0},
    }
    categories, products = _catalog_state()
    assert categories == [
        ("coffee", "Coffee", "drinks"),
        ("drinks", "Drinks", None),
        ("green", "Green tea", "tea"),
        ("kitchen", "Kitchen", None),
        ("tea", "Tea", "drinks"),
    ]
    assert products[0] == ("cof01", "Arabica", "coffee", Decimal("900.00"), Decimal("4.20"), True)
    assert ("misc1", "Gift card", None, Decimal("100.00"), None, True) in products
    assert ("pot01", "Teapot", "kitchen", Decimal("2500.00"), Decimal("4.80"), False) in products


@pytest.mark.django_db
def test_a_repeat_is_an_update_never_a_duplicate(stocked, catalog_body):
    before = _catalog_state()
    again = stocked.post("/api/catalog", catalog_body)
    assert again.json() == {
        "categories": {"received": 5, "created": 0, "updated": 0, "unchanged": 5},
        "products": {"received": 7, "created": 0, "updated": 0, "unchanged": 7},
    }
    assert _catalog_state() == before
    changed = {
        "categories": [{"key": "green", "name": "Green", "parent": "drinks"}],
        "products": [{"sku": "tea01", "name": "Sencha", "category": "kitchen", "price": 510}],
    }
    answer = stocked.post("/api/catalog", changed)
    assert answer.json()["categories"]["updated"] == 1
    assert answer.json()["products"]["updated"] == 1
    assert Category.objects.get(key="green").parent.key == "drinks"
    tea01 = Product.objects.get(sku="tea01")
    assert (tea01.category.key, tea01.price, tea01.rating) == ("kitchen", Decimal(510), None)
    assert Category.objects.count() == 5
    assert Product.objects.count() == 7


@pytest.mark.django_db
def test_a_category_cycle_is_a_422_naming_the_path_and_nothing_is_written(stocked):
    before = _catalog_state()
    body = {
        "categories": [
            {"key": "new", "name": "New"},
            {"key": "drinks", "name": "Drinks", "parent": "green"},
        ],
        "products": [{"sku": "x1", "name": "X", "price": 1}],
    }
    answer = stocked.post("/api/catalog", body)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "pointer": "/categories/1/parent",
            "detail": ERROR_CYCLE.format(path="drinks → green → tea → drinks"),
        }
    ]
    assert _catalog_state() == before


@pytest.mark.django_db
def test_a_cycle_within_one_body_and_a_category_its_own_parent_are_refused(api):
    two = {
        "categories": [
            {"key": "a", "name": "A", "parent": "b"},
            {"key": "b", "name": "B", "parent": "a"},
        ]
    }
    answer = api.post("/api/catalog", two)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["detail"] == ERROR_CYCLE.format(path="a → b → a")
    own = {"categories": [{"key": "a", "name": "A", "parent": "a"}]}
    answer = api.post("/api/catalog", own)
    assert answer.json()["errors"][0] == {
        "pointer": "/categories/0/parent",
        "detail": ERROR_CYCLE.format(path="a → a"),
    }
    assert not Category.objects.exists()


@pytest.mark.django_db
def test_unknown_parents_and_categories_are_422_with_pointers(stocked):
    before = _catalog_state()
    body = {
        "categories": [{"key": "x", "name": "X", "parent": "nowhere"}],
        "products": [
            {"sku": "ok", "name": "Ok", "category": "x", "price": 1},
            {"sku": "bad", "name": "Bad", "category": "missing", "price": 1},
        ],
    }
    answer = stocked.post("/api/catalog", body)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"pointer": "/categories/0/parent", "detail": ERROR_UNKNOWN_CATEGORY},
        {"pointer": "/products/1/category", "detail": ERROR_UNKNOWN_CATEGORY},
    ]
    assert _catalog_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "detail"),
    [
        ("price", -1, "must be at least 0"),
        ("price", 1.234, "must have at most 2 decimal places"),
        ("price", "10", "must be a number"),
        ("rating", 5.01, "must be at most 5"),
        ("rating", -0.5, "must be at least 0"),
        ("rating", True, "must be a number or null"),
    ],
)
def test_bad_prices_and_ratings_are_422_with_pointers(stocked, field, value, detail):
    before = _catalog_state()
    body = {"products": [{"sku": "tea01", "name": "Sencha", "price": 1, field: value}]}
    answer = stocked.post("/api/catalog", body)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"pointer": f"/products/0/{field}", "detail": detail}]
    assert _catalog_state() == before


@pytest.mark.django_db
def test_repeated_keys_in_one_body_are_422(api):
    body = {
        "categories": [{"key": "a", "name": "A"}, {"key": "a", "name": "A2"}],
        "products": [{"sku": "s", "name": "S", "price": 1}, {"sku": "s", "name": "T", "price": 2}],
    }
    answer = api.post("/api/catalog", body)
    assert answer.status_code == 422
    assert [error["pointer"] for error in answer.json()["errors"]] == [
        "/categories/1/key",
        "/products/1/sku",
    ]
    assert not Product.objects.exists()


@pytest.mark.django_db
def test_writing_the_catalog_needs_a_write_key_not_bound_to_a_customer(client, catalog_body):
    Customer.objects.create(username="alice")
    bound = api_key_create(name="bound", scope=ApiKeyScope.WRITE, customer_username="alice")
    read = api_key_create(name="read", scope=ApiKeyScope.READ)
    for key in (bound, read):
        answer = Api(client, key).post("/api/catalog", catalog_body)
        assert answer.status_code == 403
        operation = {"kind": "raise", "percent": 10, "category": "tea"}
        assert Api(client, key).post("/api/catalog/price-operations", operation).status_code == 403
    assert Api(client, None).post("/api/catalog", catalog_body).status_code == 401
    assert not Product.objects.exists()
    assert not PriceOperation.objects.exists()
    assert Api(client, read).get("/api/catalog/categories").status_code == 200
