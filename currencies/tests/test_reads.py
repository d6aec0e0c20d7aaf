from __future__ import annotations

import pytest

from currencies.api import ERROR_BAD_CURSOR, ERROR_NO_RATE, ERROR_RANGE_REVERSED
from currencies.tests.conftest import rates_stored

RATES = {
    "rates": [
        {"currency": currency, "day": f"2026-01-0{day}", "rate": f"{level + day / 100:.2f}"}
        for currency, level in (("EUR", 1), ("GBP", 1.2), ("JPY", 0))
        for day in (1, 2, 3)
        if currency != "JPY" or day == 2
    ]
}


@pytest.fixture
def stored(api):
    answer = api.post("/api/rates", RATES)
    assert answer.json()["created"] == 7
    return api


def keys(answer) -> list[tuple[str, str]]:
    return [(row["currency"], row["day"]) for row in answer.json()["results"]]


def test_the_list_filters_by_currency_and_day_range(stored, reader):
    answer = reader.get("/api/rates", currency="EUR", **{"from": "2026-01-02", "to": "2026-01-03"})
    assert answer.status_code == 200
    assert answer.json()["base_currency"] == "USD"
    assert answer.json()["results"][0]["rate"] == 1.02
    assert keys(answer) == [("EUR", "2026-01-02"), ("EUR", "2026-01-03")]
    assert keys(reader.get("/api/rates", to="2026-01-01")) == [
        ("EUR", "2026-01-01"),
        ("GBP", "2026-01-01"),
    ]


def test_the_list_pages_by_cursor_through_every_rate(stored, reader):
    seen, params = [], {"page_size": 3}
    while True:
        page = reader.get("/api/rates", **params).json()
        seen += [(row["currency"], row["day"]) for row in page["results"]]
        if page["next_cursor"] is None:
            break
        assert page["next"].startswith("http")
        params = {"page_size": 3, "cursor": page["next_cursor"]}
    assert seen == sorted((rate["currency"], rate["day"]) for rate in RATES["rates"])


@pytest.mark.parametrize(
    ("query", "where", "detail"),
    [
        ({"cursor": "zz"}, "/query/cursor", ERROR_BAD_CURSOR),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "/query/from", ERROR_RANGE_REVERSED),
        ({"currency": "EURO"}, "/query/currency", None),
        ({"from": "2026-13-01"}, "/query/from", "must be a date as YYYY-MM-DD"),
    ],
)
def test_a_bad_query_is_a_400_with_its_pointer(reader, query, where, detail):
    answer = reader.get("/api/rates", **query)
    assert answer.status_code == 400
    (error,) = answer.json()["errors"]
    assert error["pointer"] == where
    assert detail is None or error["detail"] == detail


def test_delete_answers_with_the_rate_deleted_then_404(stored):
    answer = stored.delete("/api/rates/GBP/2026-01-02")
    assert answer.status_code == 200
    assert answer.json()["rate"] == 1.22 and answer.json()["source"] == "api"
    assert ("GBP", "2026-01-02", "1.22", "api") not in rates_stored()
    assert len(rates_stored()) == 6
    again = stored.delete("/api/rates/GBP/2026-01-02")
    assert again.status_code == 404
    assert again.json()["detail"] == ERROR_NO_RATE.format(currency="GBP", day="2026-01-02")


def test_delete_refuses_a_bad_path_and_a_read_key(stored, reader):
    bad = stored.delete("/api/rates/EURO/2026-01-02")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["pointer"] == "/path/currency"
    assert stored.delete("/api/rates/EUR/2026-01-32").status_code == 400
    assert reader.delete("/api/rates/EUR/2026-01-02").status_code == 403
    assert len(rates_stored()) == 7
