"""Issue 19 (items 7 and 11): the revenue reports' ranges accept the days orders can have.

No order is dated before 2000-01-01 (orders.schemas.EARLIEST_TIME), so a range that starts or
ends before it is a 400 with its pointer; a range that ends in the future ("this month") is
valid and selects what there is. A `from` after the default `to` (the last day with orders) is
refused like a reversed range, and months are echoed zero-padded.
"""

from __future__ import annotations

import datetime

import pytest

from reports.api import ERROR_AFTER_LAST_DAY
from reports.schemas import ERROR_BEFORE_ORDERS, month_text
from reports.tests.conftest import END
from reports.tests.conftest import json_body as body

pytestmark = pytest.mark.django_db
LAST_DAY = (END - datetime.timedelta(days=1)).date().isoformat()  # the generator's last day


def problems_of(response) -> dict[str, str]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    return {error["pointer"]: error["detail"] for error in response.json()["errors"]}


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ("monthly?from=0001-01", "/query/from"),  # echoed "1-01" with a 200
        ("monthly?to=1999-12", "/query/to"),
        ("monthly.csv?from=1970-01", "/query/from"),
        ("daily?from=1999-12-31", "/query/from"),
        ("daily?to=0001-01-30", "/query/to"),
        ("daily.csv?to=1970-01-01", "/query/to"),
    ],
)
def test_a_range_before_the_oldest_possible_order_is_a_400(client_all, query, where):
    response = client_all.get(f"/api/reports/revenue/{query}")
    assert problems_of(response) == {where: ERROR_BEFORE_ORDERS}


def test_months_are_echoed_zero_padded(refreshed, client_all):
    assert month_text(datetime.date(1, 1, 1)) == "0001-01"
    answer = body(client_all.get("/api/reports/revenue/monthly?from=2000-01&to=2000-02"))
    assert (answer["from"], answer["to"], answer["results"]) == ("2000-01", "2000-02", [])


@pytest.mark.parametrize("operation", ["daily", "daily.csv"])
def test_a_from_after_the_default_to_is_a_400_like_a_reversed_range(
    refreshed, client_all, operation
):
    response = client_all.get(f"/api/reports/revenue/{operation}?from=2026-02-01")
    assert problems_of(response) == {"/query/from": ERROR_AFTER_LAST_DAY.format(last=LAST_DAY)}


def test_the_default_daily_range_starts_no_earlier_than_the_oldest_possible_order(
    refreshed, client_all
):
    answer = body(client_all.get("/api/reports/revenue/daily?to=2000-01-10"))
    assert (answer["from"], answer["to"], answer["results"]) == ("2000-01-01", "2000-01-10", [])


def test_a_range_that_ends_in_the_future_is_valid(refreshed, client_all):
    answer = body(client_all.get("/api/reports/revenue/monthly?from=2025-12&to=2030-12"))
    assert [row["month"] for row in answer["results"]] == ["2025-12"]
    daily = body(client_all.get(f"/api/reports/revenue/daily?from={LAST_DAY}&to=2026-01-15"))
    assert [row["day"] for row in daily["results"]] == [LAST_DAY]
