"""Customer lifetime value: the exact part against the orders, the keyset ranking, the
predicted part beside it (a fit's rows written as fit_clv writes them)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count

from api.csv_stream import AS_OF_HEADER
from orders.models import Customer, Order, Status
from reports.customer_api import ERROR_BAD_CURSOR
from reports.selectors import reports_as_of
from reports.stored import report_differences
from reports.tests.conftest import api_client, csv_rows
from reports.tests.conftest import json_body as body

pytestmark = pytest.mark.django_db
VALUE = "/api/reports/customers/lifetime-value"
RANKING = "/api/reports/customers/lifetime-value/ranking"


def expected_exact(username: str, as_of: datetime.datetime) -> dict:
    """The exact part recomputed in Python from the customer's orders."""
    orders = list(Order.objects.filter(customer__username=username))
    complete = [order for order in orders if order.current_status == Status.COMPLETE]
    revenue = sum((order.total_amount for order in complete), Decimal("0.00"))
    first = min(order.created_at for order in orders)
    last = max(order.created_at for order in orders)
    tenure = (as_of - first).total_seconds() / 86400
    return {
        "first_order_at": first,
        "last_order_at": last,
        "tenure_days": max(int(tenure // 1), 0),
        "days_since_last_order": max(int((as_of - last).total_seconds() // 86400), 0),
        "orders_count": len(orders),
        "completed_orders": len(complete),
        "total_revenue": revenue,
        "avg_order_value": round(revenue / len(complete), 2) if complete else None,
        "purchase_frequency": round(len(complete) * 30 / max(tenure, 30), 4),
    }


def test_the_exact_part_is_computed_from_the_orders(refreshed, client_all):
    busiest = (
        Order.objects.values("customer__username")
        .annotate(orders=Count("id"))
        .order_by("-orders", "customer__username")[0]["customer__username"]
    )
    for username in ("edge_buyer", busiest):
        answer = body(client_all.get(f"{VALUE}?user={username}"))
        as_of = reports_as_of()
        assert answer["as_of"] == as_of.isoformat()
        expected = expected_exact(username, as_of)
        exact = answer["exact"]
        for moment in ("first_order_at", "last_order_at"):
            assert datetime.datetime.fromisoformat(exact.pop(moment)) == expected.pop(moment)
        assert float(exact.pop("purchase_frequency")) == pytest.approx(
            float(expected.pop("purchase_frequency")), abs=1e-4
        )
        assert exact == expected
        assert answer["predicted"] is None  # no fit yet
    edge = body(client_all.get(f"{VALUE}?user=edge_buyer"))["exact"]
    assert (edge["orders_count"], edge["completed_orders"], edge["total_revenue"]) == (
        3,
        1,
        Decimal("30.00"),  # the refunded and the statusless orders bring nothing
    )


def test_a_customer_without_orders_has_no_dates_and_no_frequency(refreshed, client_all):
    exact = body(client_all.get(f"{VALUE}?user=no_orders"))["exact"]
    assert exact["first_order_at"] is None and exact["tenure_days"] is None
    assert exact["purchase_frequency"] is None and exact["avg_order_value"] is None
    assert exact["total_revenue"] == Decimal("0.00")


def test_the_view_equals_its_definition(refreshed):
    assert report_differences()["customer_value"] == []


def test_unknown_and_foreign_customers(refreshed, client_all):
    assert client_all.get(f"{VALUE}?user=nobody").status_code == 404
    missing = client_all.get(VALUE)
    assert missing.status_code == 400
    assert body(missing)["errors"][0]["pointer"] == "/query/user"
    bound = api_client(customer="edge_buyer")
    assert bound.get(f"{VALUE}?user=edge_buyer").status_code == 200
    assert bound.get(f"{VALUE}?user=no_orders").status_code == 403
    assert bound.get(RANKING).status_code == 403


def test_ranking_pages_follow_the_cursor_without_repeats_or_gaps(refreshed, client_all):
    url, seen = f"{RANKING}?limit=17", []
    while url:
        page = body(client_all.get(url))
        assert page["as_of"] == reports_as_of().isoformat()
        assert "total_revenue" in page["exact"] and page["predicted"] is None
        seen += [(-row["total_revenue"], row["customer_id"]) for row in page["results"]]
        url = page["next"]
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == Customer.objects.count()
    response = client_all.get(f"{RANKING}.csv")
    assert response[AS_OF_HEADER] == reports_as_of().isoformat()
    assert [int(row["customer_id"]) for row in csv_rows(response)] == [key[1] for key in seen]


def test_the_csv_starts_at_a_cursor(refreshed, client_all):
    first = body(client_all.get(f"{RANKING}?limit=10"))
    rest = csv_rows(client_all.get(f"{RANKING}.csv?cursor={first['next_cursor']}"))
    second = body(client_all.get(first["next"]))["results"]
    assert [int(row["customer_id"]) for row in rest[:10]] == [row["customer_id"] for row in second]


@pytest.mark.parametrize(
    "query",
    ["cursor=abc", "by=predicted&cursor=cmV2ZW51ZXwxMC4wMHwx", "cursor=cmV2ZW51ZXxOYU58MQ"],
)
def test_a_bad_cursor_is_a_400_pointing_at_it(query, client_all):
    for url in (f"{RANKING}?{query}", f"{RANKING}.csv?{query}"):
        response = client_all.get(url)
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert body(response)["errors"] == [
            {"pointer": "/query/cursor", "detail": ERROR_BAD_CURSOR}
        ]


def write_fit(predictions: dict[int, Decimal], *, fitted_at: datetime.datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reports_data.customer_value_model "
            "(model, fitted_at, inputs_as_of, horizon_days, customers, fit_seconds) "
            "VALUES ('BG/NBD + Gamma-Gamma', %s, %s, 365, %s, 1.5)",
            [fitted_at, reports_as_of(), len(predictions)],
        )
        for customer_id, value in predictions.items():
            cursor.execute(
                "INSERT INTO reports_data.customer_value_prediction VALUES (%s, 2.5, 0.9, %s)",
                [customer_id, value],
            )


def test_the_predicted_part_is_the_models_and_says_so(refreshed, client_all):
    edge, other = (Customer.objects.get(username=name).id for name in ("edge_buyer", "no_orders"))
    fitted_at = datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)
    write_fit({edge: Decimal("99.50"), other: Decimal("120.00")}, fitted_at=fitted_at)
    answer = body(client_all.get(f"{VALUE}?user=edge_buyer"))
    predicted = answer["predicted"]
    assert predicted["predicted_value"] == Decimal("99.50")
    assert (predicted["expected_orders"], predicted["probability_alive"]) == (
        Decimal("2.5"),
        Decimal("0.9"),
    )
    assert datetime.datetime.fromisoformat(predicted["model"]["fitted_at"]) == fitted_at
    assert predicted["model"]["horizon_days"] == 365
    assert answer["exact"]["total_revenue"] == Decimal("30.00")  # unchanged by the model
    ranked = body(client_all.get(f"{RANKING}?by=predicted&limit=1"))
    assert [row["user"] for row in ranked["results"]] == ["no_orders"]
    assert ranked["predicted"]["customers"] == 2
    rest = body(client_all.get(ranked["next"]))
    assert [row["user"] for row in rest["results"]] == ["edge_buyer"] and rest["next"] is None
    assert report_differences()["customer_value"] == []
