from __future__ import annotations

import warnings

import pytest
from django.core.paginator import UnorderedObjectListWarning
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.admin import COUNT_CAP, LargeTablePaginator
from orders.models import Order, Status
from orders.tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(django_user_model):
    """pytest-django's admin without hashing a password (0.3 s a test): admin_client logs in
    with force_login, which never reads it."""
    return django_user_model.objects.create_superuser("admin", "admin@example.com", password=None)


def set_estimated_rows(table: str, rows: int) -> None:
    """What ANALYZE would have left in pg_class for a table of `rows` rows."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pg_class SET reltuples = %s WHERE oid = %s::regclass", [rows, table])


def query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_order_changelist_has_no_n_plus_one(admin_client):
    make_order("A-0")
    admin_client.get("/admin/orders/order/")  # warm per-process caches
    few = query_count(admin_client, "/admin/orders/order/")
    for n in range(1, 30):
        make_order(f"A-{n}", username=f"user{n}")
    assert query_count(admin_client, "/admin/orders/order/") == few


def test_order_page_shows_items_and_history_without_n_plus_one(admin_client):
    small = make_order("S-1", items=1)
    large = make_order("L-1", items=25)
    admin_client.get(f"/admin/orders/order/{small.pk}/change/")  # warm per-process caches
    small_count = query_count(admin_client, f"/admin/orders/order/{small.pk}/change/")
    assert query_count(admin_client, f"/admin/orders/order/{large.pk}/change/") == small_count
    page = admin_client.get(f"/admin/orders/order/{large.pk}/change/").content.decode()
    assert "SKU-24" in page
    assert "Pending" in page


def test_filters_and_search(admin_client):
    make_order("FIND-ME", username="bob")
    response = admin_client.get("/admin/orders/order/?current_status__exact=Pending&q=FIND-ME")
    assert b"FIND-ME" in response.content
    response = admin_client.get("/admin/orders/order/?q=bob")
    assert b"FIND-ME" in response.content


def test_admin_requires_staff_login(client):
    response = client.get("/admin/orders/order/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_changelist_never_counts_the_whole_table(admin_client):
    for n in range(3):
        make_order(f"C-{n}", username=f"counted{n}")
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get("/admin/orders/order/").status_code == 200
        filtered = admin_client.get("/admin/orders/order/?current_status__exact=Pending")
        assert filtered.status_code == 200
        assert filtered.context["cl"].result_count == 3
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts, "the paginator counts something"
    assert all("LIMIT" in sql.upper() for sql in counts), counts


def test_large_table_paginator_uses_the_estimate_when_unfiltered():
    make_order("E-1")
    newest_first = Order.objects.order_by("-id")
    set_estimated_rows("orders_order", 5_000_000)
    assert LargeTablePaginator(newest_first, 100).count == 5_000_000
    assert LargeTablePaginator(newest_first.filter(order_number="E-1"), 100).count == 1
    set_estimated_rows("orders_order", COUNT_CAP - 1)  # a small table is counted exactly
    assert LargeTablePaginator(newest_first, 100).count == 1


def test_a_filtered_count_stops_one_past_the_cap(monkeypatch):
    for n in range(4):
        make_order(f"F-{n}")
    monkeypatch.setattr("orders.admin.COUNT_CAP", 2)
    pending = Order.objects.filter(current_status=Status.PENDING).order_by("-id")
    assert LargeTablePaginator(pending, 100).count == 3


@pytest.mark.parametrize("model", ["order", "customer", "apikey"])
def test_every_changelist_pages_an_ordered_list(admin_client, model):
    make_order("W-1")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnorderedObjectListWarning)
        response = admin_client.get(f"/admin/orders/{model}/")
    assert response.status_code == 200
    assert response.context["cl"].queryset.ordered
