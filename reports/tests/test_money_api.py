"""The money reports' endpoints (revenue by channel and by currency), the orders waiting for a
rate in the catalog, /healthz and /metrics: whole answers over a small shop selling in USD (the
base currency), EUR (with rates) and GBP (without: unconverted)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from api.csv_stream import AS_OF_HEADER
from currencies.models import ExchangeRate
from currencies.types import ERROR_CURRENCY
from orders.models import Customer, Order, Status
from orders.services import order_create, order_status_add
from reports.refresh import reports_refresh
from reports.tests.conftest import csv_rows
from reports.tests.conftest import json_body as body

pytestmark = pytest.mark.django_db

# (number, created day, currency, channel, total, status): EUR converts at 1.10 from January
# and 1.20 from 2025-02-15; EUR-0 is older than any EUR rate; GBP has none.
ORDERS = [
    ("EUR-0", "2024-12-31", "EUR", "online", "30.00", Status.COMPLETE),
    ("USD-1", "2025-01-05", "USD", "online", "100.00", Status.COMPLETE),
    ("EUR-1", "2025-01-10", "EUR", "online", "50.00", Status.COMPLETE),
    ("GBP-1", "2025-01-20", "GBP", "retail", "40.00", Status.COMPLETE),
    ("USD-2", "2025-02-01", "USD", "wholesale", "200.00", Status.CANCELLED),
    ("EUR-2", "2025-02-20", "EUR", "retail", "20.00", Status.COMPLETE),
    ("GBP-2", "2025-02-21", "GBP", "online", "10.00", Status.PENDING),
]
RATES = [("EUR", "2025-01-01", "1.10"), ("EUR", "2025-02-15", "1.20")]

CHANNEL_COLUMNS = ("month", "channel", "orders_count", "completed_orders", "cancelled_orders")
CHANNELS = [
    dict(zip(CHANNEL_COLUMNS, row[:5], strict=True), revenue=Decimal(row[5]))
    for row in [
        ("2024-12", "online", 1, 1, 0, "0.00"),  # EUR-0: unconverted, adds 0
        ("2025-01", "online", 2, 2, 0, "155.00"),  # 100.00 + 50.00 x 1.10
        ("2025-01", "retail", 1, 1, 0, "0.00"),  # GBP-1
        ("2025-02", "online", 1, 0, 0, "0.00"),  # GBP-2, Pending
        ("2025-02", "retail", 1, 1, 0, "24.00"),  # 20.00 x 1.20
        ("2025-02", "wholesale", 1, 0, 1, "0.00"),
    ]
]
CURRENCY_COLUMNS = (
    "month",
    "currency",
    "orders_count",
    "completed_orders",
    "revenue_original",
    "revenue",
    "unconverted_orders",
    "unconverted_revenue_original",
)
AMOUNTS = {"revenue_original", "revenue", "unconverted_revenue_original"}
CURRENCIES = [
    {
        column: Decimal(value) if column in AMOUNTS else value
        for column, value in zip(CURRENCY_COLUMNS, row, strict=True)
    }
    for row in [
        ("2024-12", "EUR", 1, 1, "30.00", "0.00", 1, "30.00"),
        ("2025-01", "EUR", 1, 1, "50.00", "55.00", 0, "0.00"),
        ("2025-01", "GBP", 1, 1, "40.00", "0.00", 1, "40.00"),
        ("2025-01", "USD", 1, 1, "100.00", "100.00", 0, "0.00"),
        ("2025-02", "EUR", 1, 1, "20.00", "24.00", 0, "0.00"),
        ("2025-02", "GBP", 1, 0, "0.00", "0.00", 1, "0.00"),
        ("2025-02", "USD", 1, 0, "0.00", "0.00", 0, "0.00"),
    ]
]
UNCONVERTED = 3  # EUR-0, GBP-1, GBP-2


def _day(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(hour=12, tzinfo=datetime.UTC)


@pytest.fixture
def shop(db):
    customer = Customer.objects.create(username="money_buyer")
    for number, day, currency, channel, total, status in ORDERS:
        order = order_create(
            customer=customer,
            order_number=number,
            created_at=_day(day),
            total_amount=Decimal(total),
        )
        Order.objects.filter(pk=order.pk).update(currency=currency, channel=channel)
        if status != Status.PENDING:
            order_status_add(order=order, status=status, created=_day(day))
    ExchangeRate.objects.bulk_create(
        ExchangeRate(currency=currency, day=datetime.date.fromisoformat(day), rate=Decimal(rate))
        for currency, day, rate in RATES
    )
    run = reports_refresh()
    assert not run.failed
    return run


def test_revenue_by_channel_answers_every_month_and_channel(shop, client_all):
    answer = body(client_all.get("/api/reports/revenue/channels"))
    assert answer == {
        "report": "revenue_by_channel",
        "as_of": shop.as_of.isoformat(),
        "from": None,
        "to": None,
        "base_currency": "USD",
        "channel": None,
        "results": CHANNELS,
    }


def test_revenue_by_channel_filters_by_month_and_channel(shop, client_all):
    answer = body(
        client_all.get("/api/reports/revenue/channels?from=2025-01&to=2025-02&channel=online")
    )
    assert (answer["from"], answer["to"], answer["channel"]) == ("2025-01", "2025-02", "online")
    expected = [row for row in CHANNELS if row["channel"] == "online" and row["month"] >= "2025"]
    assert answer["results"] == expected


def test_revenue_by_currency_shows_unconverted_orders_apart(shop, client_all):
    answer = body(client_all.get("/api/reports/revenue/currencies"))
    assert answer == {
        "report": "revenue_by_currency",
        "as_of": shop.as_of.isoformat(),
        "from": None,
        "to": None,
        "base_currency": "USD",
        "currency": None,
        "results": CURRENCIES,
    }
    gbp = body(client_all.get("/api/reports/revenue/currencies?currency=GBP&from=2025-02"))
    assert gbp["results"] == [CURRENCIES[-2]]
    assert gbp["currency"] == "GBP"


@pytest.mark.parametrize(
    ("path", "expected"),
    [("channels?channel=retail", "channel"), ("currencies?to=2025-01", "currency")],
)
def test_csv_exports_are_the_json_rows(path, expected, shop, client_all):
    name, _, query = path.partition("?")
    as_json = body(client_all.get(f"/api/reports/revenue/{path}"))
    redirect = client_all.get(f"/api/reports/revenue/{path}&format=csv")
    assert redirect.status_code == 307
    assert redirect["Location"] == f"/api/reports/revenue/{name}.csv?{query}"
    as_csv = client_all.get(redirect["Location"])
    assert as_csv["Content-Disposition"] == f'attachment; filename="revenue_by_{expected}.csv"'
    assert as_csv[AS_OF_HEADER] == as_json["as_of"]
    assert csv_rows(as_csv) == [
        {column: str(value) for column, value in row.items()} for row in as_json["results"]
    ]
    assert as_json["results"]


@pytest.mark.parametrize(
    ("url", "pointer", "detail"),
    [
        (
            "/api/reports/revenue/channels?channel=mail",
            "/query/channel",
            "must be one of: online, retail, wholesale",
        ),
        ("/api/reports/revenue/channels.csv?channel=", "/query/channel", None),
        ("/api/reports/revenue/currencies?currency=eur", "/query/currency", ERROR_CURRENCY),
        ("/api/reports/revenue/currencies.csv?currency=XXY", "/query/currency", ERROR_CURRENCY),
        ("/api/reports/revenue/currencies?from=2025-13", "/query/from", None),
        ("/api/reports/revenue/channels?from=2025-03&to=2025-02", "/query/from", None),
        ("/api/reports/revenue/currencies.csv?from=1999-12", "/query/from", None),
    ],
)
def test_bad_parameters_are_400_problems_pointing_at_them(url, pointer, detail, client_all):
    response = client_all.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    errors = body(response)["errors"]
    assert [error["pointer"] for error in errors] == [pointer]
    if detail is not None:
        assert errors[0]["detail"] == detail


def test_the_catalog_says_the_base_currency_and_the_orders_waiting_for_a_rate(shop, client_all):
    catalog = body(client_all.get("/api/reports/"))
    assert (catalog["base_currency"], catalog["unconverted_orders"]) == ("USD", UNCONVERTED)
    entries = {entry["name"]: entry for entry in catalog["reports"]}
    assert entries["revenue_by_channel"]["rows"] == len(CHANNELS)
    assert entries["revenue_by_currency"]["rows"] == len(CURRENCIES)
    assert entries["revenue_by_channel"]["endpoints"] == [
        "http://testserver/api/reports/revenue/channels"
    ]
    assert entries["revenue_by_currency"]["endpoints"] == [
        "http://testserver/api/reports/revenue/currencies"
    ]
    ExchangeRate.objects.create(currency="GBP", day=datetime.date(2025, 1, 1), rate=Decimal("1.25"))
    assert body(client_all.get("/api/reports/"))["unconverted_orders"] == UNCONVERTED  # as stored
    assert not reports_refresh().failed
    assert body(client_all.get("/api/reports/"))["unconverted_orders"] == 1  # EUR-0 only


def test_healthz_counts_the_orders_waiting_for_a_rate_and_stays_ok(shop):
    response = Client().get("/healthz")
    assert response.status_code == 200
    answer = body(response)
    assert (answer["status"], answer["unconverted_orders"]) == ("ok", UNCONVERTED)
    assert answer["reports"]["stale"] is False


def test_metrics_export_the_orders_waiting_for_a_rate(shop, settings):
    settings.METRICS_TOKEN = "metrics-token"
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-token")
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert f"reports_unconverted_orders {float(UNCONVERTED)}" in lines


def test_the_dashboard_splits_revenue_by_channel_and_sums_each_currency(shop):
    staff = get_user_model().objects.create_user("money-staff", password="x-pass-12345")
    staff.is_staff = True
    staff.save()
    client = Client()
    client.force_login(staff)
    panel = client.get("/dashboard/data").json()["money"]
    as_numbers = [{**row, "revenue": float(row["revenue"])} for row in CHANNELS]
    assert panel == {
        "base_currency": "USD",
        "channels": as_numbers,
        "currencies": [
            dict(zip(CURRENCY_COLUMNS[1:], row, strict=True))
            for row in [
                ("EUR", 3, 3, 100.0, 79.0, 1, 30.0),
                ("GBP", 2, 1, 40.0, 0.0, 2, 40.0),
                ("USD", 2, 1, 100.0, 100.0, 0, 0.0),
            ]
        ],
        "unconverted_orders": UNCONVERTED,
    }
