"""Issue 19 (item 8): every sku the upload accepts has a product report route.

Skus such as `A/1`, `.`, `..` showed in the top products, but
`/api/reports/products/{sku}/also-bought` could not be asked for them (404 "There is no
endpoint"). `/api/reports/products/also-bought?sku=…` reaches any of them, as
`/api/order?number=…` does for order numbers; the path route stays, deprecated.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlencode

import pytest

from api.main import api as ninja_api
from orders.api_keys import api_key_create
from orders.models import ApiKeyScope
from orders.tests.conftest import Api
from reports.refresh import reports_refresh
from reports.tests.conftest import csv_rows

pytestmark = pytest.mark.django_db
PARTNER = "PARTNER"
SKUS = [
    "A/1",
    ".",
    "..",
    "%",
    "%00",
    "a b",
    " padded ",
    "?x=1&y#z",
    "+1",
    "Café",
    "日本語",
    "{sku}",
]


@pytest.fixture
def api(client) -> Api:
    return Api(client, api_key_create(name="test-skus", scope=ApiKeyScope.WRITE))


@pytest.fixture
def uploaded(api) -> None:
    """Each sku bought with PARTNER, by the API, then the reports refreshed."""
    orders = [
        {
            "order_number": f"SKU-{index}",
            "created_at": "2025-06-01T08:00:00Z",
            "total_amount": 3,
            "status": "paid",
            "items": [
                {"sku": sku, "name": f"Product {index}", "quantity": 1, "price": 1},
                {"sku": PARTNER, "name": "Partner", "quantity": 1, "price": 2},
            ],
        }
        for index, sku in enumerate(SKUS)
    ]
    assert api.upload({"user": "sku-shop", "orders": orders}).status_code == 200
    assert not reports_refresh().failed


def also_bought(api: Api, sku: str, *, suffix: str = "", **params):
    return api.get(f"/api/reports/products/also-bought{suffix}", sku=sku, **params)


@pytest.mark.parametrize("sku", SKUS)
def test_every_uploaded_sku_has_its_also_bought_report(api, uploaded, sku):
    answer = also_bought(api, sku)
    assert answer.status_code == 200, answer.content
    assert answer.json()["sku"] == sku
    assert [(row["sku"], row["orders_together"]) for row in answer.json()["results"]] == [
        (PARTNER, 1)
    ]
    assert [row["sku"] for row in csv_rows(also_bought(api, sku, suffix=".csv"))] == [PARTNER]
    redirect = also_bought(api, sku, format="csv", limit=5)
    assert redirect.status_code == 307
    assert redirect["Location"] == "/api/reports/products/also-bought.csv?" + urlencode(
        {"sku": sku, "limit": 5}
    )


def test_the_partner_was_bought_with_every_one_of_them(api, uploaded):
    rows = also_bought(api, PARTNER, limit=20).json()["results"]
    assert sorted(row["sku"] for row in rows) == sorted(SKUS)
    top = api.get("/api/reports/products/top", limit=20).json()["results"]
    assert set(SKUS) <= {row["sku"] for row in top}


def test_a_sku_is_found_in_either_unicode_spelling(api, uploaded):
    answer = also_bought(api, unicodedata.normalize("NFD", "Café"))
    assert (answer.status_code, answer.json()["sku"]) == (200, "Café")


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("sku=%00abc", "must not contain NUL characters"),
        ("sku=", "must not be empty"),
        ("sku=+", "must not be empty"),
        ("sku=" + "x" * 51, "must be at most 50 characters"),
        ("sku=a%E2%80%8Bb", "invisible"),  # a zero-width space: no upload stores it
        ("limit=3", "is required"),
    ],
)
def test_a_sku_no_upload_could_store_is_a_400_with_its_pointer(api, query, detail):
    for suffix in ("", ".csv"):
        response = api.client.get(
            f"/api/reports/products/also-bought{suffix}?{query}",
            HTTP_AUTHORIZATION=f"Bearer {api.key}",
        )
        assert response.status_code == 400, response.content
        [error] = response.json()["errors"]
        assert error["pointer"] == "/query/sku" and detail in error["detail"]


def test_an_unknown_sku_is_a_404(api, uploaded):
    for suffix in ("", ".csv"):
        response = also_bought(api, "NOPE/1", suffix=suffix)
        assert response.status_code == 404
        assert response.json()["detail"] == "No product has the sku 'NOPE/1'."


def test_the_path_routes_still_answer_and_are_marked_deprecated(api, uploaded):
    assert api.get("/api/reports/products/PARTNER/also-bought").status_code == 200
    assert len(csv_rows(api.get("/api/reports/products/PARTNER/also-bought.csv", limit=20))) == len(
        SKUS
    )
    paths = ninja_api.get_openapi_schema(path_prefix="/api/")["paths"]
    for path in (
        "/api/reports/products/{sku}/also-bought",
        "/api/reports/products/{sku}/also-bought.csv",
    ):
        assert paths[path]["get"]["deprecated"] is True
    for path in ("/api/reports/products/also-bought", "/api/reports/products/also-bought.csv"):
        assert not paths[path]["get"].get("deprecated")


def test_the_catalog_names_the_query_route(api, uploaded):
    entries = {entry["name"]: entry for entry in api.get("/api/reports/").json()["reports"]}
    assert entries["also_bought"]["endpoints"] == [
        "http://testserver/api/reports/products/also-bought?sku={sku}"
    ]
