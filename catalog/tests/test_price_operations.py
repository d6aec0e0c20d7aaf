from __future__ import annotations

import threading
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connections
from django.test import Client

from catalog.models import PriceOperation, Product
from catalog.services import (
    ERROR_BELOW_ZERO,
    ERROR_EMPTY_SELECTION,
    ERROR_NO_SUCH_CATEGORY,
    ERROR_UNKNOWN_SKU,
)
from orders.tests.conftest import Api

PATH = "/api/catalog/price-operations"


def _raised(price: Decimal) -> Decimal:
    """10 % more, rounded to cents half away from zero as PostgreSQL's round() does."""
    return (price * Decimal("1.1")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _prices() -> dict[str, Decimal]:
    return dict(Product.objects.values_list("sku", "price"))


@pytest.mark.django_db
def test_a_raise_of_a_category_changes_it_and_its_sub_categories_only(stocked):
    before = _prices()
    answer = stocked.post(PATH, {"kind": "raise", "percent": 10, "category": "tea"})
    assert answer.status_code == 201
    body = answer.json()
    assert (body["kind"], body["percent"], body["category"], body["products_changed"]) == (
        "raise", 10.0, "tea", 2
    )  # fmt: skip
    assert body["actor"] == "api key catalog-write"
    after = _prices()
    assert after["tea01"] == Decimal("550.00")
    assert after["tea02"] == Decimal("330.00")
    assert {sku: price for sku, price in after.items() if not sku.startswith("tea")} == {
        sku: price for sku, price in before.items() if not sku.startswith("tea")
    }


@pytest.mark.django_db
def test_discounts_by_percent_and_by_amount_of_a_list_of_skus(stocked):
    stocked.post(PATH, {"kind": "discount", "percent": 12.5, "skus": ["cof01", "cup01"]})
    stocked.post(PATH, {"kind": "discount", "amount": 0.99, "skus": ["misc1"]})
    prices = _prices()
    assert (prices["cof01"], prices["cup01"], prices["misc1"]) == (
        Decimal("787.50"), Decimal("1312.50"), Decimal("99.01")
    )  # fmt: skip
    listed = stocked.get(PATH).json()["results"]
    assert [(row["kind"], row["skus"], row["products_changed"]) for row in listed] == [
        ("discount", ["misc1"], 1),
        ("discount", ["cof01", "cup01"], 2),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("operation", "error"),
    [
        ({"kind": "discount", "amount": 301, "category": "tea"}, ("/amount", ERROR_BELOW_ZERO)),
        (
            {"kind": "raise", "percent": 5, "category": "nowhere"},
            ("/category", ERROR_NO_SUCH_CATEGORY),
        ),
        ({"kind": "raise", "percent": 5, "skus": ["tea01", "zzz"]}, ("/skus/1", ERROR_UNKNOWN_SKU)),
    ],
)
def test_a_refused_operation_changes_nothing_and_is_not_recorded(stocked, operation, error):
    before = _prices()
    answer = stocked.post(PATH, operation)
    assert answer.status_code == 422
    assert [(e["pointer"], e["detail"]) for e in answer.json()["errors"]] == [error]
    assert _prices() == before
    assert not PriceOperation.objects.exists()


@pytest.mark.django_db
def test_an_empty_selection_is_a_422(stocked):
    stocked.post("/api/catalog", {"categories": [{"key": "empty", "name": "Empty"}]})
    answer = stocked.post(PATH, {"kind": "raise", "percent": 5, "category": "empty"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"pointer": "/category", "detail": ERROR_EMPTY_SELECTION}]
    assert not PriceOperation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("operation", "pointers"),
    [
        ({"kind": "raise", "category": "tea"}, ["/percent"]),
        ({"kind": "raise", "percent": 1, "amount": 1, "category": "tea"}, ["/percent"]),
        ({"kind": "raise", "percent": 1}, ["/skus"]),
        ({"kind": "raise", "percent": 0, "category": "tea"}, ["/percent"]),
        ({"kind": "halve", "percent": 1, "category": "tea"}, ["/kind"]),
    ],
)
def test_malformed_operations_are_422_with_pointers(stocked, operation, pointers):
    answer = stocked.post(PATH, operation)
    assert answer.status_code == 422
    assert [error["pointer"] for error in answer.json()["errors"]] == pointers
    assert not PriceOperation.objects.exists()


def _raise_at_once(key: str, operation: dict, *, times: int) -> list[int]:
    """The operation sent `times` at once, each thread on its own database connection."""
    start, answers = threading.Barrier(times), []

    def send() -> None:
        try:
            start.wait(10)
            answers.append(Api(Client(), key).post(PATH, operation).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_raises_of_a_category_make_exactly_1_21_times(write_key, catalog_body):
    api = Api(Client(), write_key)
    products = [
        {"sku": f"p{n:03d}", "name": f"P{n}", "category": "green", "price": 100 + n}
        for n in range(200)
    ]
    assert api.post("/api/catalog", {**catalog_body, "products": products}).status_code == 200
    operation = {"kind": "raise", "percent": 10, "category": "drinks"}
    for _ in range(3):
        before = _prices()
        assert _raise_at_once(write_key, operation, times=2) == [201, 201]
        after = _prices()
        for sku, price in before.items():
            assert after[sku] == _raised(_raised(price)), sku
    assert PriceOperation.objects.count() == 6
    assert set(PriceOperation.objects.values_list("products_changed", flat=True)) == {200}
