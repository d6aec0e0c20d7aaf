"""The dashboard's page and data: staff only, the API's numbers, no scan of the orders."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from psycopg import sql

from api.problems import PROBLEM_CONTENT_TYPE
from orders.tests.conftest import Api
from reports.dashboard import CANCELLED_PAGE, dashboard_panels
from reports.dashboard_dimensions import COHORTS_SHOWN
from reports.tests.test_customer_value import write_fit

from .conftest import END, other_connection

pytestmark = pytest.mark.django_db
DATA = "/dashboard/data"
# The queries' tables that grow with the orders: none may be read by a sequential scan.
ORDER_TABLES = re.compile(r"Seq Scan on (orders_order|orders_orderitem|orders_orderstatus)\b")


@pytest.fixture
def staff(refreshed) -> Client:
    user = get_user_model().objects.create_user("dash-staff", password="x-pass-12345")
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/dashboard/", DATA])
def test_the_dashboard_asks_anonymous_and_non_staff_users_to_log_in(client, path):
    assert client.get(path).url == f"/admin/login/?next={path}"
    client.force_login(get_user_model().objects.create_user("shopper", password="x-pass-12345"))
    assert client.get(path).status_code == 302


def test_the_page_names_its_data_and_poll_interval(staff, settings):
    settings.DASHBOARD_POLL_SECONDS = 7
    page = staff.get("/dashboard/").content.decode()
    assert 'data-url="/dashboard/data"' in page and 'data-poll-seconds="7"' in page
    assert "/static/vendor/plotly.min.js" in page


def test_every_panel_shows_what_the_api_answers(staff, client_all):
    api = Api(client_all, None)
    data = staff.get(DATA).json()
    ranking = api.get("/api/reports/customers/ranking", limit=10).json()
    assert data["freshness"]["as_of"] == ranking["as_of"].replace("+00:00", "Z")
    assert [(r["user"], r["total_revenue"]) for r in data["customers"]] == [
        (r["user"], float(r["total_revenue"])) for r in ranking["results"]
    ]
    monthly = api.get("/api/reports/revenue/monthly").json()["results"]
    assert [(r["month"], r["cumulative_revenue"]) for r in data["monthly"]] == [
        (r["month"], float(r["cumulative_revenue"])) for r in monthly
    ]
    daily = api.get("/api/reports/revenue/daily").json()
    assert (data["daily"]["from"], data["daily"]["to"]) == (daily["from"], daily["to"])
    for mine, theirs in zip(data["daily"]["results"], daily["results"], strict=True):
        pending = theirs["orders_count"] - theirs["completed_orders"] - theirs["cancelled_orders"]
        assert mine["pending_orders"] == pending
        assert mine["cancellation_rate"] == round(
            theirs["cancelled_orders"] / theirs["orders_count"], 4
        )
    for by in ("revenue", "units"):
        top = api.get("/api/reports/products/top", by=by).json()["results"]
        assert [r["sku"] for r in data["products"][by]] == [r["sku"] for r in top]
    sku = data["also_bought"]["sku"]
    assert sku == data["products"]["revenue"][0]["sku"]  # the top product by default
    also = api.get("/api/reports/products/also-bought", sku=sku).json()["results"]
    assert [r["sku"] for r in data["also_bought"]["results"]] == [r["sku"] for r in also]
    stats = api.get("/api/orders/stats", user=data["customer"]["user"]).json()
    assert data["customer"]["stats"]["orders_count"] == stats["orders_count"]
    cancelled = api.get(
        "/api/v1/orders/cancelled/", order="-cancelled_at", page_size=CANCELLED_PAGE
    ).json()
    assert [r["order_number"] for r in data["cancelled"]["results"]] == [
        r["order_number"] for r in cancelled["results"]
    ]
    assert data["cancelled"]["count"] == cancelled["count"]


def test_the_cancelled_panel_pages_by_cursor_without_gaps(staff):
    first = staff.get(DATA).json()["cancelled"]
    second = staff.get(DATA, {"cursor": first["next"]}).json()["cancelled"]
    numbers = [r["order_number"] for r in first["results"] + second["results"]]
    assert len(numbers) == len(set(numbers)) == 2 * CANCELLED_PAGE
    moments = [r["cancelled_at"] for r in first["results"] + second["results"]]
    assert moments == sorted(moments, reverse=True)


def test_a_chosen_range_product_and_customer(staff):
    data = staff.get(
        DATA, {"from": "2025-06-01", "to": "2025-06-30", "sku": "SKU-0003", "user": "nobody"}
    ).json()
    days = [row["day"] for row in data["daily"]["results"]]
    assert days and days[0] >= "2025-06-01" and days[-1] <= "2025-06-30"
    assert data["also_bought"]["sku"] == "SKU-0003"
    assert data["customer"] == {"user": "nobody", "stats": None}


@pytest.mark.parametrize(
    ("params", "parameter", "message"),
    [
        ({"from": "June"}, "from", "must be a date as YYYY-MM-DD"),
        ({"from": "2025-07-01", "to": "2025-06-01"}, "from", "must not be after to"),
        ({"from": "2020-01-01", "to": "2025-06-01"}, "from", "spans more than 366 days"),
        ({"from": "2030-01-01"}, "from", "must not be after to"),  # the last day with orders
        ({"to": "1999-12-31"}, "to", "must not be before 2000-01"),
        ({"cursor": "not-a-cursor"}, "cursor", "is not a position this page made"),
    ],
)
def test_bad_parameters_are_400s_that_say_which(staff, params, parameter, message):
    response = staff.get(DATA, params)
    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM_CONTENT_TYPE)
    [error] = response.json()["errors"]
    assert error["pointer"] == f"/query/{parameter}" and message in error["detail"]


# Issue 19 (item 9): these reached PostgreSQL and answered Django's HTML 500.
@pytest.mark.parametrize(
    ("params", "api_path"),
    [
        ("user=%00", "/api/orders/stats?user=%00"),
        ("user=a%00b", "/api/orders/stats?user=a%00b"),
        ("sku=%00abc", "/api/reports/products/also-bought?sku=%00abc"),
        ("sku=a%E2%80%8Bb", "/api/reports/products/also-bought?sku=a%E2%80%8Bb"),
        ("sku=" + "x" * 51, "/api/reports/products/also-bought?sku=" + "x" * 51),
        ("from=2025-02-30", "/api/reports/revenue/daily?from=2025-02-30"),
        ("to=0001-01-01", "/api/reports/revenue/daily?to=0001-01-01"),
    ],
)
def test_the_dashboard_refuses_what_the_api_refuses_with_the_same_problem(
    staff, client_all, params, api_path
):
    mine, theirs = staff.get(f"{DATA}?{params}"), client_all.get(api_path)
    assert (mine.status_code, mine["Content-Type"]) == (400, PROBLEM_CONTENT_TYPE)
    assert mine.json() == theirs.json()


def test_no_panel_scans_the_orders_and_the_queries_are_few(staff, rf):
    request = rf.get(DATA)
    with CaptureQueriesContext(connection) as queries:
        dashboard_panels(request)
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("SELECT")]
    assert len(selects) <= 22, selects
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # what an index cannot serve still scans
        for statement in selects:  # the page's own statements, as they were executed
            cursor.execute(sql.SQL("EXPLAIN {}").format(sql.SQL(statement)))
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert not ORDER_TABLES.search(plan), (statement, plan)


def test_money_is_a_number_for_the_charts(staff):
    data = json.loads(staff.get(DATA).content)
    assert isinstance(data["monthly"][0]["revenue"], float)
    assert datetime.date.fromisoformat(data["daily"]["to"]) <= END.date()


@pytest.mark.django_db(transaction=True)
def test_a_database_that_does_not_answer_is_a_json_503_the_page_keeps_polling_on():
    """Not Django's HTML 500: dashboard.js takes an HTML answer for the login page and stops."""
    staff = Client()
    staff.force_login(get_user_model().objects.create_user("dash-ops", is_staff=True))
    with other_connection() as other:
        other.execute("BEGIN")
        other.execute("LOCK TABLE reports_data.refresh_state IN ACCESS EXCLUSIVE MODE")
        with override_settings(REQUEST_STATEMENT_TIMEOUT_MS=200):
            response = staff.get(DATA)
        other.execute("ROLLBACK")
    # The session keeps the request's 200 ms timeout: the test's flush gets a new session (on
    # a loaded machine TRUNCATE of every table takes longer than that).
    connection.close()
    assert (response.status_code, response["Content-Type"]) == (503, "application/json")
    assert response["Retry-After"] == "5"
    assert "did not answer" in response.json()["error"]


def test_the_category_panel_shows_the_category_report_and_drills_into_a_category(staff, client_all):
    api = Api(client_all, None)
    panel = staff.get(DATA).json()["categories"]
    sales = api.get("/api/reports/categories/sales").json()["results"]
    assert panel["category"] is None and sales
    assert [(r["category_key"], r["month"], r["revenue"]) for r in panel["results"]] == [
        (r["category_key"], r["month"], float(r["revenue"])) for r in sales
    ]
    earned = {}
    for row in sales:
        if row["category_key"] is not None:
            earned[row["category_key"]] = earned.get(row["category_key"], 0) + float(row["revenue"])
    biggest = max(earned, key=earned.get)
    assert panel["top_of"] == biggest
    top = api.get("/api/reports/categories/top-products", category=biggest).json()["results"]
    assert [r["sku"] for r in panel["top"]] == [r["sku"] for r in top] and top

    drilled = staff.get(DATA, {"category": biggest}).json()["categories"]
    children = api.get("/api/reports/categories/sales", category=biggest).json()["results"]
    assert drilled["category"] == drilled["top_of"] == biggest
    assert [(r["category_key"], r["month"]) for r in drilled["results"]] == [
        (r["category_key"], r["month"]) for r in children
    ]
    assert {r["parent_key"] for r in drilled["results"]} - {None} <= {biggest} | {
        r["parent_key"] for r in children
    }


def test_an_unknown_category_is_a_400_that_names_the_parameter(staff):
    response = staff.get(DATA, {"category": "no-such-category"})
    assert (response.status_code, response["Content-Type"]) == (400, PROBLEM_CONTENT_TYPE)
    [error] = response.json()["errors"]
    assert error["pointer"] == "/query/category"


def test_the_customer_value_panel_counts_every_customer_and_ranks_by_revenue_without_a_model(
    staff, client_all
):
    api = Api(client_all, None)
    panel = staff.get(DATA).json()["customer_value"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT total_revenue FROM reports_data.customer_stats")
        revenues = [float(row[0]) for row in cursor.fetchall()]
    histogram = panel["histogram"]
    assert sum(b["customers"] for b in histogram) == len(revenues)
    top = max(revenues)
    assert histogram[-1]["high"] == round(top, 2)
    for bucket in histogram:
        inside = [r for r in revenues if bucket["low"] <= r < bucket["high"]]
        if bucket["bucket"] == 20:
            inside = [r for r in revenues if bucket["low"] <= r]
        assert len(inside) == bucket["customers"], bucket
    assert (panel["by"], panel["model"]) == ("revenue", None)  # no fit_clv in the tests
    ranking = api.get("/api/reports/customers/lifetime-value/ranking", by="revenue", limit=10)
    assert [r["user"] for r in panel["top"]] == [r["user"] for r in ranking.json()["results"]]


def test_the_cohort_panel_is_the_retention_matrix_of_the_last_cohorts(staff, client_all):
    api = Api(client_all, None)
    panel = staff.get(DATA).json()["cohorts"]
    matrix = api.get("/api/reports/cohorts").json()["results"]
    shown = sorted({r["cohort"] for r in matrix})[-COHORTS_SHOWN:]
    assert panel["cohorts"] == shown
    assert [(r["cohort"], r["months_since"], r["retention"]) for r in panel["results"]] == [
        (r["cohort"], r["months_since"], float(r["retention"]))
        for r in matrix
        if r["cohort"] in shown
    ]


def test_after_a_fit_the_top_customers_are_by_predicted_value_and_say_which_model(
    staff, client_all
):
    with connection.cursor() as cursor:
        cursor.execute("SELECT customer_id FROM reports_data.customer_stats ORDER BY 1 LIMIT 3")
        ids = [row[0] for row in cursor.fetchall()]
    fitted_at = datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)
    write_fit(
        dict(zip(ids, map(Decimal, ("5.00", "700.00", "60.00")), strict=True)), fitted_at=fitted_at
    )
    panel = staff.get(DATA).json()["customer_value"]
    assert panel["by"] == "predicted"
    assert (panel["model"]["model"], panel["model"]["fitted_at"]) == (
        "BG/NBD + Gamma-Gamma",
        "2026-01-02T00:00:00Z",
    )
    assert [r["customer_id"] for r in panel["top"]] == [ids[1], ids[2], ids[0]]
    ranking = Api(client_all, None).get(
        "/api/reports/customers/lifetime-value/ranking", by="predicted", limit=10
    )
    assert [r["user"] for r in panel["top"]] == [r["user"] for r in ranking.json()["results"]]
