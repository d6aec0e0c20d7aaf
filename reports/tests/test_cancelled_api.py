"""Seed 000's URL: the cancelled list, live from orders, paged by number or by cursor."""

from __future__ import annotations

import base64
import datetime

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from psycopg import sql

from api.pagination import cursor_decode, cursor_encode
from api.problems import PROBLEM_CONTENT_TYPE
from orders.api import MAX_PAGE_SIZE
from orders.models import Order, Status
from orders.selectors import (
    CANCELLED_MAX_OFFSET,
    CANCELLED_ORDERINGS,
    order_list_cancelled,
    order_list_cancelled_after,
)
from orders.services import order_status_add
from orders.tests.test_faults import Blocker
from project.sqlfiles import read_sql
from reports.selectors import reports_as_of, status_count
from reports.tests.conftest import csv_rows, json_body

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders/cancelled/"
CSV_URL = "/api/v1/orders/cancelled.csv"
NEWEST = "-created_at"


def body(response) -> dict:
    assert response.status_code == 200, response.content
    return json_body(response)


def numbers(page: dict) -> list[str]:
    return [row["order_number"] for row in page["results"]]


@pytest.fixture
def cancelled(refreshed) -> list[str]:
    return list(order_list_cancelled().values_list("order_number", flat=True))


def test_pages_by_number_list_the_cancelled_orders_newest_first(cancelled, client_all):
    first = body(client_all.get(f"{URL}?page=1&page_size=50"))
    assert numbers(first) == cancelled[:50]
    assert first["previous"] is None
    second = body(client_all.get(first["next"]))
    assert numbers(second) == cancelled[50:100]
    assert second["previous"].endswith("page=1&page_size=50")
    assert set(first) >= {"count", "next", "previous", "results"}
    row = first["results"][0]
    order = Order.objects.select_related("customer").get(order_number=row["order_number"])
    assert row == {
        "order_number": order.order_number,
        "user": order.customer.username,
        "created_at": order.created_at.isoformat(),
        "total_amount": order.total_amount,
        "currency": order.currency,
        "channel": order.channel,
        "cancelled_at": order.current_status_at.isoformat(),
    }


def test_the_count_comes_from_status_counts_not_from_a_count(cancelled, client_all):
    with CaptureQueriesContext(connection) as queries:
        page = body(client_all.get(URL))
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert page["count"] == status_count(status=Status.CANCELLED) == len(cancelled)
    assert page["count_as_of"] == reports_as_of().isoformat()


def test_a_cancellation_shows_at_once(cancelled, client_all):
    order = Order.objects.filter(current_status=Status.COMPLETE).order_by("-created_at").first()
    order_status_add(order=order, status=Status.CANCELLED)  # a refund, no refresh
    first = body(client_all.get(URL))
    assert order.order_number in numbers(first)
    assert first["count"] == len(cancelled)  # the count waits for the next refresh


def test_cursor_pages_walk_the_whole_list_once(cancelled, client_all):
    url, seen = f"{URL}?cursor=&page_size={MAX_PAGE_SIZE}", []
    while url:
        page = body(client_all.get(url))
        assert page["previous"] is None
        seen += numbers(page)
        url = page["next"]
    assert seen == cancelled


def test_page_one_offers_a_cursor_to_continue_from(cancelled, client_all):
    first = body(client_all.get(f"{URL}?page_size=30"))
    assert numbers(body(client_all.get(first["next_cursor"]))) == cancelled[30:60]


def test_ties_on_created_at_are_broken_by_id(refreshed):
    tied = list(order_list_cancelled()[:3])
    Order.objects.filter(pk__in=[o.pk for o in tied]).update(created_at=tied[0].created_at)
    ordered = list(order_list_cancelled()[:3])
    position = cursor_decode(
        cursor_encode(NEWEST, ordered[0].created_at, ordered[0].pk), kind=NEWEST
    )
    after_first = list(order_list_cancelled_after(ordering=NEWEST, position=position))
    assert after_first[:2] == ordered[1:3]


def test_a_deep_cursor_starts_on_the_partial_index(cancelled):
    deep = Order.objects.get(order_number=cancelled[-5])
    position = (deep.created_at, deep.pk)
    plan = order_list_cancelled_after(ordering=NEWEST, position=position)[:50].explain()
    assert "order_cancelled_recent_idx" in plan
    assert "Index Cond" in plan and "created_at <=" in plan


def test_limits(cancelled, client_all):
    assert len(body(client_all.get(f"{URL}?page_size=100000"))["results"]) == MAX_PAGE_SIZE
    too_deep = CANCELLED_MAX_OFFSET // 50 + 2
    assert client_all.get(f"{URL}?page={too_deep}").status_code == 400
    past_the_end = len(cancelled) // 50 + 2
    assert client_all.get(f"{URL}?page={past_the_end}").status_code == 404


def test_csv_streams_the_whole_list(cancelled, client_all):
    rows = csv_rows(client_all.get(CSV_URL))
    assert [row["order_number"] for row in rows] == cancelled
    first = body(client_all.get(URL))["results"][0]
    assert rows[0] == {key: str(value) for key, value in first.items()}


def test_cursors_are_opaque_round_trips():
    moment = datetime.datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=datetime.UTC)
    assert cursor_decode(cursor_encode(NEWEST, moment, 42), kind=NEWEST) == (moment, 42)


def raw_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("moment", "utc"),
    [
        ("2025-06-01T23:59:00+23:59", "2025-06-01T00:00:00+00:00"),
        ("2025-06-01T00:00:10+00:00:10", "2025-06-01T00:00:00+00:00"),
    ],
)
def test_a_cursor_with_any_offset_python_reads_names_its_utc_instant(
    cancelled, client_all, moment, utc
):
    """Issue 10: offsets beyond ±15:59 or with seconds reached PostgreSQL and gave a 500."""
    cursor = raw_cursor(f"{moment}|{2**62}")
    expected = order_list_cancelled().filter(created_at__lte=datetime.datetime.fromisoformat(utc))
    page = body(client_all.get(URL, {"cursor": cursor}))
    assert numbers(page) == list(expected.values_list("order_number", flat=True)[:50])
    rows = csv_rows(client_all.get(CSV_URL, {"cursor": cursor}))
    assert [row["order_number"] for row in rows] == list(
        expected.values_list("order_number", flat=True)
    )


def test_a_cursor_whose_instant_leaves_the_calendar_is_a_400(cancelled, client_all):
    cursor = raw_cursor(f"0001-01-01T00:00:00+23:59|{2**62}")
    for url in (URL, CSV_URL):
        response = client_all.get(url, {"cursor": cursor})
        assert response.status_code == 400
        assert response["Content-Type"] == PROBLEM_CONTENT_TYPE


@pytest.mark.django_db(transaction=True)
def test_a_csv_whose_query_fails_is_an_error_answer_not_a_broken_stream(cancelled, client_all):
    blocker = Blocker("LOCK TABLE orders_order IN ACCESS EXCLUSIVE MODE")
    blocker.start()
    blocker.locked.wait(10)
    try:
        with override_settings(REQUEST_STATEMENT_TIMEOUT_MS=300):
            response = client_all.get(CSV_URL)
    finally:
        blocker.release.set()
        blocker.join()
        connection.close()  # drop the session that carries the short timeout
    assert not response.streaming
    assert (response.status_code, response["Content-Type"]) == (503, PROBLEM_CONTENT_TYPE)


RECENT = "-cancelled_at"


def test_by_cancellation_time_a_refund_of_an_old_order_comes_first(cancelled, client_all):
    """Issue 11: by creation, a refund of an old order lands deep in the list."""
    oldest = Order.objects.filter(current_status=Status.COMPLETE).order_by("created_at").first()
    order_status_add(order=oldest, status=Status.CANCELLED)  # refunded now
    by_creation = body(client_all.get(URL, {"page_size": 50}))
    assert oldest.order_number not in numbers(by_creation)
    by_cancellation = body(client_all.get(URL, {"order": RECENT, "page_size": 50}))
    assert numbers(by_cancellation)[0] == oldest.order_number
    expected = order_list_cancelled(ordering=RECENT).values_list("order_number", flat=True)
    assert numbers(by_cancellation) == list(expected[:50])
    moments = [row["cancelled_at"] for row in by_cancellation["results"]]
    assert moments == sorted(moments, reverse=True)


def test_cursor_pages_by_cancellation_time_walk_the_whole_list_once(cancelled, client_all):
    url, seen = f"{URL}?order={RECENT}&cursor=&page_size=37", []
    while url:
        page = body(client_all.get(url))
        seen += numbers(page)
        url = page["next"]
    expected = order_list_cancelled(ordering=RECENT).values_list("order_number", flat=True)
    assert seen == list(expected) and sorted(seen) == sorted(cancelled)
    numbered = body(client_all.get(URL, {"order": RECENT, "page": 2, "page_size": 37}))
    assert numbers(numbered) == list(expected[37:74])
    rows = csv_rows(client_all.get(CSV_URL, {"order": RECENT}))
    assert [row["order_number"] for row in rows] == list(expected)


def test_a_cursor_of_one_ordering_is_refused_by_the_other(cancelled, client_all):
    newest = body(client_all.get(URL, {"page_size": 5}))["next_cursor"]
    cursor = newest.split("cursor=")[1].split("&")[0]
    response = client_all.get(URL, {"order": RECENT, "cursor": cursor})
    assert response.status_code == 400
    assert json_body(response)["errors"][0]["pointer"] == "/query/cursor"


def test_a_deep_cursor_by_cancellation_time_starts_on_its_own_index(cancelled):
    deep = order_list_cancelled(ordering=RECENT)[len(cancelled) - 5]
    position = (deep.current_status_at, deep.pk)
    plan = order_list_cancelled_after(ordering=RECENT, position=position)[:50].explain()
    assert "order_cancelled_at_idx" in plan
    assert "Index Cond" in plan and "current_status_at <=" in plan


@pytest.mark.parametrize(
    ("ordering", "index"),
    [(NEWEST, "order_cancelled_recent_idx"), (RECENT, "order_cancelled_at_idx")],
)
def test_the_page_query_starts_a_deep_cursor_on_its_partial_index(cancelled, ordering, index):
    """The endpoint's own SQL (cancelled_page.sql), not only the ORM's: a range start."""
    deep = order_list_cancelled(ordering=ordering)[len(cancelled) - 5]
    moment = CANCELLED_ORDERINGS[ordering]
    statement = sql.SQL("EXPLAIN " + read_sql("orders", "cancelled_page.sql")).format(
        moment=sql.Identifier(moment)
    )
    at = getattr(deep, moment)
    with connection.cursor() as cursor:
        cursor.execute(statement, {"at": at, "pk": deep.pk, "size": 51, "offset": 0})
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan and "Index Cond" in plan and f"{moment} <=" in plan
