from __future__ import annotations

import datetime

import pytest
from django.db import connection

from currencies.schemas import (
    ERROR_BASE,
    ERROR_DAY_AFTER,
    ERROR_DAY_BEFORE,
    ERROR_RATE_PLACES,
    ERROR_RATE_RANGE,
    ERROR_RATE_TYPE,
    ERROR_REPEATED,
    MAX_RATES,
)
from currencies.tests.conftest import rates_stored
from currencies.types import ERROR_CURRENCY
from orders.api_keys import api_key_create
from orders.models import ApiKeyScope, Customer
from orders.tests.conftest import Api

EUR = {"currency": "EUR", "day": "2026-01-05", "rate": "1.0921"}
GBP = {"currency": "GBP", "day": "2026-01-05", "rate": 1.2712}


def counts(answer) -> dict:
    assert answer.status_code == 200, answer.json()
    return answer.json()


def test_an_upload_creates_then_a_repeat_changes_nothing_and_a_new_rate_updates(api):
    body = {"rates": [EUR, GBP]}
    assert counts(api.post("/api/rates", body)) == {
        "received": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert rates_stored() == {
        ("EUR", "2026-01-05", "1.0921", "api"),
        ("GBP", "2026-01-05", "1.2712", "api"),
    }
    assert counts(api.post("/api/rates", body))["unchanged"] == 2
    # The same value written differently is no change either.
    same = {"rates": [{**EUR, "rate": "1.092100"}, {**GBP, "rate": "1.2713"}]}
    assert counts(api.post("/api/rates", same)) == {
        "received": 2,
        "created": 0,
        "updated": 1,
        "unchanged": 1,
    }
    assert ("GBP", "2026-01-05", "1.2713", "api") in rates_stored()


def test_an_equal_rate_is_not_rewritten_and_logs_no_change(api):
    counts(api.post("/api/rates", {"rates": [EUR]}))
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM currencies_exchangerate")
        (version,) = cursor.fetchone()
        cursor.execute("DELETE FROM reports_data.rate_change")
    counts(api.post("/api/rates", {"rates": [{**EUR, "rate": 1.0921}]}))
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM currencies_exchangerate")
        assert cursor.fetchone() == (version,)
        cursor.execute("SELECT count(*) FROM reports_data.rate_change")
        assert cursor.fetchone() == (0,)
    counts(api.post("/api/rates", {"rates": [{**EUR, "rate": 1.1}]}))
    with connection.cursor() as cursor:
        cursor.execute("SELECT currency, day::text FROM reports_data.rate_change")
        assert cursor.fetchall() == [("EUR", "2026-01-05")]


def _day_after_tomorrow() -> str:
    return (datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=2)).isoformat()


def _tomorrow() -> str:
    return (datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("change", "where", "detail"),
    [
        ({"currency": "EURO"}, "currency", ERROR_CURRENCY),
        ({"currency": "eur"}, "currency", ERROR_CURRENCY),
        ({"currency": "XXY"}, "currency", ERROR_CURRENCY),
        ({"currency": None}, "currency", "is required"),
        ({"currency": "USD"}, "currency", ERROR_BASE.format(base="USD")),
        ({"day": "2026-1-5"}, "day", "must be a date as YYYY-MM-DD"),
        ({"day": "2026-02-30"}, "day", "must be a date as YYYY-MM-DD"),
        ({"day": 20260105}, "day", "must be a date as YYYY-MM-DD"),
        ({"day": "1999-12-31"}, "day", ERROR_DAY_BEFORE),
        ({"day": "after"}, "day", None),
        ({"rate": 0}, "rate", ERROR_RATE_RANGE),
        ({"rate": -1.5}, "rate", ERROR_RATE_RANGE),
        ({"rate": "0"}, "rate", ERROR_RATE_RANGE),
        ({"rate": 1_000_001}, "rate", ERROR_RATE_RANGE),
        ({"rate": "1.00000000001"}, "rate", ERROR_RATE_PLACES),
        ({"rate": 1.00000000001}, "rate", ERROR_RATE_PLACES),
        ({"rate": "abc"}, "rate", ERROR_RATE_TYPE),
        ({"rate": "1e3"}, "rate", ERROR_RATE_TYPE),
        ({"rate": True}, "rate", ERROR_RATE_TYPE),
        ({"rate": None}, "rate", "is required"),
    ],
)
def test_each_invalid_field_is_a_422_with_its_pointer_and_nothing_is_written(
    api, change, where, detail
):
    if change.get("day") == "after":
        change = {"day": _day_after_tomorrow()}
        detail = ERROR_DAY_AFTER.format(tomorrow=_tomorrow())
    entry = {key: value for key, value in {**EUR, **change}.items() if value is not None}
    answer = api.post("/api/rates", {"rates": [GBP, entry]})
    assert answer.status_code == 422
    assert answer.json()["errors"] == [{"pointer": f"/rates/1/{where}", "detail": detail}]
    assert rates_stored() == set()


def test_the_largest_rate_and_the_smallest_are_accepted(api):
    body = {"rates": [{**EUR, "rate": 1_000_000}, {**GBP, "rate": "0.0000000001"}]}
    assert counts(api.post("/api/rates", body))["created"] == 2
    tomorrow = {"rates": [{**EUR, "day": _tomorrow()}, {**EUR, "day": "2000-01-01"}]}
    assert counts(api.post("/api/rates", tomorrow))["created"] == 2


def test_a_currency_and_day_given_twice_is_refused(api):
    body = {"rates": [EUR, GBP, {**EUR, "rate": 1.2}]}
    answer = api.post("/api/rates", body)
    assert answer.status_code == 422
    detail = ERROR_REPEATED.format(other="/rates/0")
    assert answer.json()["errors"] == [{"pointer": "/rates/2/day", "detail": detail}]
    assert rates_stored() == set()


def test_an_empty_or_too_long_list_is_refused(api):
    empty = api.post("/api/rates", {"rates": []})
    assert empty.json()["errors"] == [{"pointer": "/rates", "detail": "must not be empty"}]
    days = [datetime.date(2000, 1, 1) + datetime.timedelta(days=n) for n in range(MAX_RATES + 1)]
    body = {"rates": [{**EUR, "day": day.isoformat()} for day in days]}
    long = api.post("/api/rates", body)
    assert long.status_code == 422
    assert long.json()["errors"][0]["pointer"] == "/rates"
    body["rates"].pop()
    assert counts(api.post("/api/rates", body))["created"] == MAX_RATES


def test_writing_rates_needs_a_write_key_not_bound_to_a_customer(client, reader, db):
    assert reader.post("/api/rates", {"rates": [EUR]}).status_code == 403
    Customer.objects.create(username="shop")
    bound = api_key_create(name="bound", scope=ApiKeyScope.WRITE, customer_username="shop")
    assert Api(client, bound).post("/api/rates", {"rates": [EUR]}).status_code == 403
    assert Api(client, None).post("/api/rates", {"rates": [EUR]}).status_code == 401
    assert rates_stored() == set()
