"""Every status code the OpenAPI document promises is produced by the input that should."""

from __future__ import annotations

import io
import json
import re

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from orders.api_keys import api_key_create
from orders.models import ApiKeyScope
from orders.tests.conftest import SEED_003_BODY, make_upload
from project.openapi import openapi_document
from reports.tests.conftest import live_reports_reset

REPORT_LISTS = [
    "/api/reports/customers/ranking",
    "/api/reports/customers/loyal",
    "/api/reports/products/top",
    "/api/reports/products/tea01/also-bought",
    "/api/reports/revenue/monthly",
    "/api/reports/revenue/daily",
    "/api/v1/orders/cancelled/",
]
BAD_QUERY = {
    "/api/reports/customers/ranking": "limit=x",
    "/api/reports/customers/loyal": "min_completed_orders=0",
    "/api/reports/products/top": "by=price",
    "/api/reports/products/tea01/also-bought": "limit=-1",
    "/api/reports/revenue/monthly": "from=2025-13",
    "/api/reports/revenue/daily": "to=yesterday",
    "/api/v1/orders/cancelled/": "page=0",
}
TEMPLATES = {
    "/api/orders/{order_number}": "/api/orders/12345",
    "/api/orders/{order_number}/status": "/api/orders/12345/status",
    "/api/reports/products/{sku}/also-bought": "/api/reports/products/tea01/also-bought",
}
BIG = json.dumps({**SEED_003_BODY, "pad": "x" * (10 * 1024 * 1024 + 1)})


def cases() -> list[tuple[str, str, int, dict]]:
    """(method, path, expected status, request options) for every documented response."""
    listed = [
        ("POST", "/api/orders/upload", 200, {"body": SEED_003_BODY}),
        ("POST", "/api/orders/upload", 400, {"body": "[]"}),
        ("POST", "/api/orders/upload", 401, {"key": None, "body": SEED_003_BODY}),
        ("POST", "/api/orders/upload", 403, {"key": "read", "body": SEED_003_BODY}),
        ("POST", "/api/orders/upload", 409, {"body": {**SEED_003_BODY, "user": "thief"}}),
        ("POST", "/api/orders/upload", 413, {"body": BIG}),
        ("POST", "/api/orders/upload", 415, {"body": "{}", "content_type": "text/plain"}),
        ("POST", "/api/orders/upload", 422, {"body": {"user": ""}}),
        ("POST", "/api/orders/12345/status", 201, {"body": {"status": "paid"}}),
        ("POST", "/api/orders/12345/status", 400, {"body": "nope"}),
        ("POST", "/api/orders/12345/status", 401, {"key": None, "body": {"status": "paid"}}),
        ("POST", "/api/orders/12345/status", 403, {"key": "read", "body": {"status": "x"}}),
        ("POST", "/api/orders/77777/status", 404, {"body": {"status": "paid"}}),
        ("POST", "/api/orders/12345/status", 413, {"body": BIG}),
        ("POST", "/api/orders/12345/status", 415, {"body": "{}", "content_type": "text/xml"}),
        ("POST", "/api/orders/12345/status", 422, {"body": {"status": "lost"}}),
        ("GET", "/api/orders/12345", 200, {}),
        ("GET", "/api/orders/12345", 401, {"key": None}),
        ("GET", "/api/orders/12345", 404, {"key": "bound_other"}),  # as if it did not exist
        ("GET", "/api/orders/stats?user=test_seller", 200, {}),
        ("GET", "/api/orders/stats", 400, {}),
        ("GET", "/api/orders/stats?user=test_seller", 401, {"key": None}),
        ("GET", "/api/orders/stats?user=test_seller", 403, {"key": "bound_other"}),
        ("GET", "/api/orders/stats?user=nobody", 404, {}),
        ("GET", "/api/reports/", 200, {}),
        ("GET", "/api/reports/", 401, {"key": None}),
        ("GET", "/api/reports/products/NOPE/also-bought", 404, {}),
        ("GET", "/api/v1/orders/cancelled/?page=999", 404, {}),
        ("GET", "/healthz", 200, {"key": None}),
        ("GET", "/healthz", 503, {"key": None, "stale": True}),
    ]
    for path in REPORT_LISTS:
        listed += [
            ("GET", path, 200, {}),
            ("GET", f"{path}?{BAD_QUERY[path]}", 400, {}),
            ("GET", path, 401, {"key": None}),
            ("GET", path, 403, {"key": "bound_other"}),
        ]
    for path, operations in openapi_document()["paths"].items():
        for method in operations:
            if path != "/healthz":
                listed.append((method.upper(), TEMPLATES.get(path, path), 503, {"dead": True}))
    return listed


def documented() -> set[tuple[str, str, int]]:
    return {
        (method.upper(), path, int(status))
        for path, operations in openapi_document()["paths"].items()
        for method, operation in operations.items()
        for status in operation["responses"]
    }


def template_of(path: str) -> str:
    concrete = path.split("?")[0]
    if concrete in openapi_document()["paths"]:
        return concrete
    for template in openapi_document()["paths"]:
        if re.fullmatch(re.sub(r"\{[^/]+\}", "[^/]+", template), concrete):
            return template
    raise AssertionError(f"{path} is not documented")


def test_every_documented_status_has_a_case():
    produced = {(method, template_of(path), status) for method, path, status, _ in cases()}
    assert documented() - produced == set()


@pytest.fixture
def keys(transactional_db) -> dict:
    live_reports_reset()  # lives outside the flushed schema: start unrefreshed
    writer = api_key_create(name="writer", scope=ApiKeyScope.WRITE)
    return {
        "write": writer,
        "read": api_key_create(name="reader", scope=ApiKeyScope.READ),
        "writer": writer,
    }


def kill_own_connection() -> None:
    """Terminate this test's database session from outside: its next query fails."""
    connection.ensure_connection()
    pid = connection.connection.get_backend_pid()
    settings = connection.get_connection_params()
    with psycopg2.connect(**settings) as other, other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    other.close()


@pytest.mark.parametrize(
    ("method", "path", "status", "options"),
    cases(),
    ids=lambda value: value if isinstance(value, str | int) else "",
)
def test_documented_status_is_produced(client, keys, method, path, status, options):
    client.post(
        "/api/orders/upload",
        json.dumps(SEED_003_BODY),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {keys['write']}",
    )
    client.post(
        "/api/orders/upload",
        json.dumps(make_upload(1, user="shop_b", prefix="B")),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {keys['write']}",
    )
    keys["bound_other"] = api_key_create(
        name="bound", scope=ApiKeyScope.WRITE, customer_username="shop_b"
    )
    if not options.get("stale"):
        call_command("refresh_reports", stdout=io.StringIO())
    role = options.get("key", "write")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {keys[role]}"} if role else {}
    body = options.get("body")
    data = body if isinstance(body, str) or body is None else json.dumps(body)
    if options.get("dead"):
        kill_own_connection()
    try:
        if method == "GET":
            response = client.get(path, **headers)
        else:
            content_type = options.get("content_type", "application/json")
            response = client.post(path, data, content_type=content_type, **headers)
    finally:
        if options.get("dead"):
            connection.close()
    assert response.status_code == status, response.content[:300]
