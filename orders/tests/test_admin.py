from __future__ import annotations

import re
import warnings

import pytest
from django.contrib import admin
from django.core.paginator import UnorderedObjectListWarning
from django.db import connection
from django.test.utils import CaptureQueriesContext
from psycopg import sql

from orders.admin import COUNT_CAP, COUNT_CAPPED_LABEL, LargeTablePaginator
from orders.models import Order, Status
from orders.selectors import order_currencies
from orders.templatetags.orders_admin import DASHBOARD_PATH, reports_url
from orders.tests.factories import make_order
from project.sqlfiles import read_sql

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


def page_text(response) -> str:
    """The page as a reader sees it: tags dropped, white space collapsed."""
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def changelist_columns(response) -> list[str]:
    """The order list's columns, as rendered (the checkbox column has no name)."""
    return re.findall(r'<th scope="col" class="[^"]*column-(\w+)', response.content.decode())


def offers_select_all(response) -> bool:
    """Django's "Select all N orders" across pages (not the checkbox for the page's rows)."""
    html = response.content.decode()
    return 'class="question' in html or re.search(r"Select all [\d,]+ ", html) is not None


@pytest.fixture
def four_pending_orders_over_a_cap_of_two(monkeypatch):
    for n in range(4):
        make_order(f"P-{n}", username=f"capped{n}")
    monkeypatch.setattr("orders.admin.COUNT_CAP", 2)


def test_a_capped_count_reads_as_the_cap_and_a_plus(
    admin_client, four_pending_orders_over_a_cap_of_two
):
    text = page_text(admin_client.get("/admin/orders/order/?current_status__exact=Pending"))
    assert "2+ results" in text
    assert "2+ orders" in text
    assert "3 results" not in text and "3 orders" not in text  # COUNT_CAP + 1, counted to stop
    assert COUNT_CAPPED_LABEL.format(cap=COUNT_CAP) == "10,000+"


def test_a_capped_count_offers_no_select_all(admin_client, four_pending_orders_over_a_cap_of_two):
    response = admin_client.get("/admin/orders/order/?current_status__exact=Pending")
    assert not offers_select_all(response)
    assert "0 of 4 selected" in page_text(response)  # the page's own rows stay selectable


def test_an_exact_count_still_offers_select_all(admin_client, monkeypatch):
    for n in range(4):
        make_order(f"X-{n}", username=f"exact{n}")
    monkeypatch.setattr(admin.site._registry[Order], "list_per_page", 2)
    response = admin_client.get("/admin/orders/order/?current_status__exact=Pending")
    assert offers_select_all(response)
    assert "Select all 4 orders" in page_text(response)


def test_an_estimated_count_reads_as_about(admin_client):
    make_order("E-1")
    set_estimated_rows("orders_order", 5_000_000)
    response = admin_client.get("/admin/orders/order/")
    assert "about 5,000,000 orders" in page_text(response)
    assert not offers_select_all(response)


def test_page_links_name_no_last_page_past_a_capped_count(monkeypatch):
    for n in range(12):
        make_order(f"L-{n}")
    monkeypatch.setattr("orders.admin.COUNT_CAP", 10)
    newest_first = Order.objects.filter(current_status=Status.PENDING).order_by("-id")
    capped = LargeTablePaginator(newest_first, 1)
    assert capped.count_label == "10+" and not capped.count_is_exact
    assert list(capped.get_elided_page_range(1)) == [1, 2, 3, 4, capped.ELLIPSIS]
    monkeypatch.setattr("orders.admin.COUNT_CAP", 100)
    exact = LargeTablePaginator(newest_first, 1)
    assert exact.count_label == "12" and exact.count_is_exact
    assert list(exact.get_elided_page_range(1))[-2:] == [11, 12]


def test_the_order_list_keeps_to_seven_narrow_columns(admin_client):
    make_order("N-1")  # created 2025-01-01 12:00 UTC
    response = admin_client.get("/admin/orders/order/")
    assert changelist_columns(response) == [
        "order_number",
        "customer",
        "created",
        "total",
        "currency",
        "channel",
        "status",
    ]
    text = page_text(response)
    assert "2025-01-01 12:00" in text
    assert "p.m." not in text and "a.m." not in text
    # long order numbers and usernames wrap inside their columns (orders/static/orders/admin.css)
    assert "orders/admin.css" in response.content.decode()


def test_the_status_filter_never_counts_every_order(admin_client):
    make_order("S-1")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get("/admin/orders/order/?_facets=True")
    assert "Show counts" not in page_text(response)
    assert not [q["sql"] for q in queries if "FILTER (WHERE" in q["sql"].upper()]


def test_the_admin_links_to_the_reports_dashboard(admin_client):
    link = re.compile(r'<a href="/dashboard/"[^>]*>Reports</a>')
    assert link.search(admin_client.get("/admin/").content.decode())  # the index's Reports entry
    assert link.search(admin_client.get("/admin/orders/order/").content.decode())  # header


def test_the_reports_link_falls_back_to_the_dashboard_path(monkeypatch):
    monkeypatch.setattr("orders.templatetags.orders_admin.DASHBOARD_URL_NAME", "no-such-url")
    assert reports_url() == DASHBOARD_PATH == "/dashboard/"


@pytest.fixture
def orders_in_three_currencies():
    for number, currency, channel in [
        ("C-USD", "USD", "online"),
        ("C-EUR", "EUR", "wholesale"),
        ("C-GBP", "GBP", "retail"),
        ("C-EUR-2", "EUR", "online"),
    ]:
        Order.objects.filter(pk=make_order(number).pk).update(currency=currency, channel=channel)


def listed(response) -> set[str]:
    return {order.order_number for order in response.context["cl"].result_list}


def test_the_currency_filter_lists_the_currencies_the_orders_are_in(
    admin_client, orders_in_three_currencies
):
    assert order_currencies() == ["EUR", "GBP", "USD"]
    response = admin_client.get("/admin/orders/order/?currency=EUR")
    assert listed(response) == {"C-EUR", "C-EUR-2"}
    text = page_text(response)
    assert "By currency" in text and "EUR GBP USD" in text


def test_the_currency_filter_reads_the_index_not_the_table(orders_in_three_currencies):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: what it could use
        cursor.execute(
            sql.SQL("EXPLAIN {}").format(sql.SQL(read_sql("orders", "order_currencies.sql")))
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "order_currency_day_idx" in plan and "Seq Scan" not in plan


def test_the_channel_filter_lists_the_configured_channels(admin_client, orders_in_three_currencies):
    response = admin_client.get("/admin/orders/order/?channel=online")
    assert listed(response) == {"C-USD", "C-EUR-2"}
    assert "By channel" in page_text(response) and "online retail wholesale" in page_text(response)
    both = admin_client.get("/admin/orders/order/?channel=online&currency=EUR")
    assert listed(both) == {"C-EUR-2"}
