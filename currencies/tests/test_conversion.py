"""An uploaded rate converts the orders of its currency in the reports, from its day on."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from reports.refresh import reports_refresh
from reports.tests.conftest import live_reports_reset


def order(number: str, created_at: str, total: int) -> dict:
    return {
        "order_number": number,
        "created_at": created_at,
        "total_amount": total,
        "currency": "EUR",
        "status": "delivered",
        "items": [{"sku": "tea01", "name": "Tea", "quantity": 1, "price": total}],
    }


def figures() -> tuple:
    assert not reports_refresh().failed
    with connection.cursor() as cursor:
        cursor.execute("SELECT total_revenue FROM reports.customer_stats WHERE username = 'eu'")
        (revenue,) = cursor.fetchone()
        cursor.execute(
            "SELECT revenue_original, revenue, unconverted_orders "
            "FROM reports.revenue_by_currency WHERE currency = 'EUR'"
        )
        return (revenue, *cursor.fetchone())


@pytest.fixture
def eur_orders(api):
    live_reports_reset()
    body = {
        "user": "eu",
        "orders": [
            order("EU-1", "2026-01-04T12:00:00Z", 50),
            order("EU-2", "2026-01-06T00:30:00Z", 100),
        ],
    }
    answer = api.post("/api/orders/upload", body)
    assert answer.status_code == 200, answer.json()
    return api


def test_an_uploaded_rate_converts_the_orders_from_its_day_in_every_report(eur_orders):
    api = eur_orders
    assert figures() == (Decimal("0.00"), Decimal("150.00"), Decimal("0.00"), 2)
    rate = {"currency": "EUR", "day": "2026-01-05", "rate": "1.1"}
    assert api.post("/api/rates", {"rates": [rate]}).status_code == 200
    # EU-2 converts at 1.1; EU-1 (a day before the rate) waits, counted apart.
    assert figures() == (Decimal("110.00"), Decimal("150.00"), Decimal("110.00"), 1)
    earlier = {"currency": "EUR", "day": "2026-01-01", "rate": "1.05"}
    assert api.post("/api/rates", {"rates": [{**rate, "rate": "1.2"}, earlier]}).status_code == 200
    assert figures() == (Decimal("172.50"), Decimal("150.00"), Decimal("172.50"), 0)
    assert api.delete("/api/rates/EUR/2026-01-05").status_code == 200
    assert figures() == (Decimal("157.50"), Decimal("150.00"), Decimal("157.50"), 0)
