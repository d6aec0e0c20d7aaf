from __future__ import annotations

import pytest

from catalog.models import Product
from catalog.selectors import ERROR_ANY_SHAPE

pytestmark = pytest.mark.django_db


def _skus(api, **params) -> list[str]:
    answer = api.get("/api/catalog/products", **params)
    assert answer.status_code == 200, answer.json()
    return [row["sku"] for row in answer.json()["results"]]


def test_the_list_is_by_sku_with_the_category_key(stocked):
    body = stocked.get("/api/catalog/products").json()
    assert [row["sku"] for row in body["results"]] == [
        "cof01", "cof02", "cup01", "misc1", "pot01", "tea01", "tea02"
    ]  # fmt: skip
    assert body["results"][0] | {"updated_at": None} == {
        "sku": "cof01",
        "name": "Arabica",
        "category": "coffee",
        "price": 900.0,
        "rating": 4.2,
        "active": True,
        "updated_at": None,
    }
    assert body["next"] is None


def test_a_category_with_or_without_its_sub_categories(stocked):
    assert _skus(stocked, category="drinks") == ["cof01", "cof02", "tea01", "tea02"]
    assert _skus(stocked, category="tea") == ["tea01", "tea02"]
    assert _skus(stocked, category="tea", subcategories="false") == ["tea02"]
    assert _skus(stocked, category="drinks", subcategories="false") == []


def test_price_range_minimum_rating_and_active(stocked):
    assert _skus(stocked, price_min=450, price_max=900) == ["cof01", "cof02", "tea01"]
    assert _skus(stocked, rating_min=4.5) == ["pot01", "tea01"]
    assert _skus(stocked, active="false") == ["pot01"]
    assert _skus(stocked, rating_min=4.5, active="true") == ["tea01"]


def test_seed_002_price_below_500_or_rating_above_4(stocked):
    expected = sorted(
        Product.objects.filter(price__lt=500)
        .values_list("sku", flat=True)
        .union(Product.objects.filter(rating__gt=4).values_list("sku", flat=True))
    )
    assert _skus(stocked, any="price_lt:500,rating_gt:4") == expected
    assert expected == ["cof01", "cof02", "misc1", "pot01", "tea01", "tea02"]
    # ANDed with the other filters
    assert _skus(stocked, any="price_lt:500,rating_gt:4", category="coffee") == ["cof01", "cof02"]


@pytest.mark.parametrize(
    "text", ["price<500", "weight_lt:1", "price_ne:5", "price_lt:abc", "price_lt:", "price_lt:NaN"]
)
def test_filter_syntax_errors_are_400_naming_the_parameter(stocked, text):
    answer = stocked.get("/api/catalog/products", any=text)
    assert answer.status_code == 400
    (error,) = answer.json()["errors"]
    assert error["pointer"] == "/query/any"
    assert "condition 1" in error["detail"]


def test_bad_ranges_categories_and_cursors_are_400(stocked):
    answer = stocked.get(
        "/api/catalog/products", category="nowhere", price_min=5, price_max=4, cursor="zz"
    )
    assert answer.status_code == 400
    assert sorted(error["pointer"] for error in answer.json()["errors"]) == [
        "/query/category",
        "/query/cursor",
        "/query/price_max",
    ]
    assert ERROR_ANY_SHAPE.startswith("condition")


def test_keyset_pages_cover_every_product_once(stocked):
    seen, params = [], {"page_size": 3}
    while True:
        body = stocked.get("/api/catalog/products", **params).json()
        seen += [row["sku"] for row in body["results"]]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert seen == sorted(Product.objects.values_list("sku", flat=True))


def test_the_category_tree_counts_active_products_own_and_below(stocked):
    body = stocked.get("/api/catalog/categories").json()
    assert body["uncategorised_products"] == 1
    drinks, kitchen = body["categories"]
    assert (drinks["key"], drinks["products"], drinks["products_total"]) == ("drinks", 0, 4)
    coffee, tea = drinks["children"]
    assert (coffee["key"], coffee["products_total"]) == ("coffee", 2)
    assert (tea["key"], tea["products"], tea["products_total"]) == ("tea", 1, 2)
    assert tea["children"] == [
        {"key": "green", "name": "Green tea", "products": 1, "products_total": 1, "children": []}
    ]
    assert (kitchen["products"], kitchen["products_total"]) == (1, 1)  # the teapot is inactive


def test_active_and_with_sales_chain(stocked):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reports_data.product_sales VALUES ('tea01', 'Sencha', 3, 1500, 2)"
        )
    rows = dict(
        Product.objects.active()
        .with_sales()
        .filter(category__key="green")
        .values_list("sku", "units_sold")
    )
    assert rows == {"tea01": 3}
    assert Product.objects.active().with_sales().get(sku="tea02").revenue == 0
