"""Every status code the OpenAPI document promises is produced by the input that should.

One world (project/tests/conftest.py) for all cases; each case runs in a savepoint that
is rolled back, so cases do not see each other's writes.
"""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection, transaction
from django.test import Client

from api.main import api
from orders.tests.conftest import SEED_003_BODY
from project.connections import raw_connection

DOCUMENT = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/")))
SHOP_B_BODY = {**SEED_003_BODY, "user": "shop_b"}
BIG = json.dumps({**SEED_003_BODY, "pad": "x" * (10 * 1024 * 1024 + 1)})
# A query string each operation refuses with 400 (a .csv operation: that of its list).
BAD_QUERY = {
    "/api/reports/customers/ranking": "limit=x",
    "/api/reports/customers/loyal": "min_completed_orders=0",
    "/api/reports/customers/lifetime-value": "user=test_seller&format=csv",
    "/api/reports/customers/lifetime-value/ranking": "cursor=abc",
    "/api/reports/customers/premium": "more_than=-1",
    "/api/reports/orders/recent": "days=0",
    "/api/reports/customers/last-order": "cursor=abc",
    "/api/reports/cohorts": "from=2025-13",
    "/api/reports/products/top": "by=price",
    "/api/reports/products/{sku}/also-bought": "limit=-1",
    "/api/reports/products/also-bought": "sku=tea01&limit=-1",
    "/api/reports/revenue/monthly": "from=2025-13",
    "/api/reports/revenue/daily": "to=yesterday",
    "/api/reports/revenue/channels": "channel=mail",
    "/api/reports/revenue/currencies": "currency=eur",
    "/api/v1/orders/cancelled/": "page=0",
    "/api/v1/orders/cancelled": "order=oldest",
    "/api/orders/stats": "user=test_seller&format=csv",
    "/api/reports/": "format=csv",
    "/api/order": "",
    "/api/uploads": "cursor=nonsense",
    "/api/catalog/products": "any=price<500",
    "/api/catalog/price-operations": "cursor=zz",
    "/api/reports/categories/sales": "from=2025-13",
    "/api/reports/categories/top-products": "category=tea&by=price",
    "/api/rates": "currency=EURO",
}
# The bodies of the catalog's and the rates' writes (the world has category tea, product tea01):
# one that succeeds and one that is a 422.
CATALOG_BODIES = {
    "/api/catalog": (
        {"categories": [{"key": "cups", "name": "Cups"}]},
        {"products": [{"sku": "x", "name": "X", "price": -1}]},
    ),
    "/api/catalog/price-operations": (
        {"kind": "raise", "percent": 10, "category": "tea"},
        {"kind": "raise", "percent": 10, "category": "nope"},
    ),
    "/api/rates": (
        {"rates": [{"currency": "EUR", "day": "2026-01-06", "rate": "1.0921"}]},
        {"rates": [{"currency": "USD", "day": "2026-01-06", "rate": "1"}]},
    ),
}
# (method, path, status, options) beyond what every operation of a kind gets (see cases()).
LISTED = [
    ("POST", "/api/orders/upload", 409, {"body": {**SEED_003_BODY, "user": "thief"}}),
    ("POST", "/api/orders/upload", 403, {"key": "bound_other", "body": SEED_003_BODY}),
    ("POST", "/api/orders/upload", 429, {"key": "bound_paused", "body": SHOP_B_BODY}),
    ("POST", "/api/order/status?number=77777", 404, {"body": {"status": "paid"}}),
    ("POST", "/api/orders/77777/status", 404, {"body": {"status": "paid"}}),
    ("GET", "/api/order?number=12345", 404, {"key": "bound_other"}),  # as if it did not exist
    ("GET", "/api/orders/12345", 404, {"key": "bound_other"}),
    ("GET", "/api/orders/stats?user=test_seller", 403, {"key": "bound_other"}),
    ("GET", "/api/orders/stats?user=nobody", 404, {}),
    ("GET", "/api/reports/customers/lifetime-value?user=nobody", 404, {}),
    ("GET", "/api/reports/products/NOPE/also-bought", 404, {}),
    ("GET", "/api/reports/products/NOPE/also-bought.csv", 404, {}),
    ("GET", "/api/reports/products/also-bought?sku=NOPE", 404, {}),
    ("GET", "/api/reports/products/also-bought.csv?sku=NOPE", 404, {}),
    ("GET", "/api/v1/orders/cancelled/?page=999", 404, {}),
    ("GET", "/api/reports/categories/sales?category=nope", 404, {}),
    ("GET", "/api/reports/categories/sales.csv?category=nope", 404, {}),
    ("GET", "/api/reports/categories/top-products?category=nope", 404, {}),
    ("GET", "/api/reports/categories/top-products.csv?category=nope", 404, {}),
    ("DELETE", "/api/rates/EUR/2025-01-01", 404, {}),  # the world's rate is EUR on 2026-01-05
    ("DELETE", "/api/rates/EURO/2026-01-05", 400, {}),
]


def concrete(path: str) -> str:
    return (
        path.replace("{order_number}", "12345")
        .replace("{sku}", "tea01")
        .replace("{currency}", "EUR")
        .replace("{day}", "2026-01-05")
    )


def cases() -> list[tuple[str, str, int, dict]]:
    """(method, path, expected status, request options) for every documented response."""
    listed = list(LISTED)
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            method, documented = method.upper(), set(operation["responses"])
            by_user = path.endswith(("/stats", "/lifetime-value"))
            url = concrete(path) + ("?user=test_seller" if by_user else "")
            url += "?number=12345" if path in ("/api/order", "/api/order/status") else ""
            url += "?sku=tea01" if path.startswith("/api/reports/products/also-bought") else ""
            url += "?more_than=0" if path.startswith("/api/reports/customers/premium") else ""
            url += "?category=tea" if path.startswith("/api/reports/categories/top") else ""
            body = {"status": "paid"} if path.endswith("/status") else SEED_003_BODY
            body, invalid = CATALOG_BODIES.get(path, (body, {"status": "lost"}))
            options = {"body": body} if method == "POST" else {}
            listed.append((method, url, 201 if "201" in documented else 200, options))
            if "307" in documented:
                listed.append(
                    (method, f"{url}{'&' if '?' in url else '?'}format=csv", 307, options)
                )
            listed.append((method, url, 401, {**options, "key": None}))
            if "403" in documented:  # a read key writing, a bound key reading another's
                key = "read" if method in ("POST", "DELETE") else "bound_other"
                listed.append((method, url, 403, {**options, "key": key}))
            if "400" in documented and method == "GET":
                bad = BAD_QUERY[path.removesuffix(".csv")]
                listed.append((method, f"{concrete(path)}?{bad}", 400, {}))
            if "requestBody" in operation:
                listed += [
                    (method, url, 400, {"body": "[]"}),
                    (method, url, 413, {"body": BIG}),
                    (method, url, 415, {"body": "{}", "content_type": "text/plain"}),
                    (method, url, 422, {"body": invalid}),  # and no user, no orders
                ]
            listed.append((method, url, 503, {**options, "dead": True}))
    return listed


def template_of(path: str) -> str:
    concrete_path = path.split("?")[0]
    for template in DOCUMENT["paths"]:
        if re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", template), concrete_path):
            return template
    raise AssertionError(f"{path} is not documented")


def test_every_documented_status_has_a_case_and_every_case_is_documented():
    documented = {
        (method.upper(), path, int(status))
        for path, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
        for status in operation["responses"]
    }
    produced = {(method, template_of(path), status) for method, path, status, _ in cases()}
    assert documented - produced == set()
    assert produced - documented == set()


def call(world: dict, method: str, path: str, options: dict):
    role = options.get("key", "write")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {world[role]}") if role else Client()
    if method == "GET":
        return client.get(path)
    if method == "DELETE":
        return client.delete(path)
    body = options.get("body")
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(path, data, content_type=options.get("content_type", "application/json"))


def test_documented_statuses_are_produced(world):
    wrong = []
    for method, path, status, options in cases():
        if options.get("dead"):
            continue
        with transaction.atomic():  # a CSV read to its end: its cursor closes in the savepoint
            response = call(world, method, path, options)
            content = b"".join(response) if response.streaming else response.content
            transaction.set_rollback(True)
        if response.status_code != status:
            wrong.append((method, path, status, response.status_code, content[:200]))
    assert wrong == []


def kill_own_connection() -> None:
    """Terminate this test's database session from outside: its next query fails."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with raw_connection() as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_a_lost_database_is_a_503_on_every_operation(world):
    assert call(world, "GET", "/api/reports/", {}).status_code == 200  # a session in use
    wrong = []
    for method, path, status, options in cases():
        if not options.get("dead"):
            continue
        kill_own_connection()
        try:
            response = call(world, method, path, options)
        finally:
            connection.close()
        if response.status_code != status:
            wrong.append((method, path, response.status_code))
    assert wrong == []
