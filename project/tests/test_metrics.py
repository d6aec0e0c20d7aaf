"""GET /metrics through Django's test client: the token, bounded labels, uploads, reports."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import DatabaseError, connections
from django.test import Client

from orders.api_keys import api_key_create
from orders.models import ApiKeyScope
from orders.tests.conftest import Api, make_upload
from orders.tests.test_faults import BASE_DIR
from project.tests.scrape import AUTHORIZATION, TOKEN, Scrape
from reports.refresh import reports_refresh
from reports.schema import report_view_classes
from reports.tests.conftest import live_reports_reset

pytestmark = pytest.mark.django_db

REPORTS = {view.view_name() for view in report_view_classes()}


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN


def scrape(client: Client | None = None) -> Scrape:
    response = (client or Client()).get("/metrics", HTTP_AUTHORIZATION=AUTHORIZATION)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    return Scrape(response.content.decode())


def test_without_a_token_the_endpoint_is_off(settings, client):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION=AUTHORIZATION).status_code == 404
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong-token-0123456789", f"Basic {TOKEN}", f"Bearer {TOKEN}x"],
)
def test_a_missing_or_wrong_token_is_refused(client, authorization):
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    response = client.get("/metrics", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"http_requests_total" not in response.content


def test_a_short_token_stops_the_app_from_starting():
    environment = {**os.environ, "DJANGO_DEMO": "1", "METRICS_TOKEN": "short"}
    checked = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode != 0
    assert "METRICS_TOKEN must be at least 16 characters" in checked.stderr


def test_the_token_is_accepted_and_only_for_get(client):
    assert client.get("/metrics", HTTP_AUTHORIZATION=AUTHORIZATION).status_code == 200
    openmetrics = client.get(
        "/metrics",
        HTTP_AUTHORIZATION=AUTHORIZATION,
        HTTP_ACCEPT="application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
    )  # what Prometheus asks for
    assert openmetrics["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    assert openmetrics.content.endswith(b"# EOF\n")
    assert client.post("/metrics", HTTP_AUTHORIZATION=AUTHORIZATION).status_code == 405


def test_requests_are_counted_by_route_not_by_path(client):
    key = api_key_create(name="metrics-reader", scope=ApiKeyScope.READ)
    api = Api(client, key)
    series = {"method": "GET", "endpoint": "/api/orders/<order_number>", "status": "404"}
    before = scrape()
    for number in ("NOT-THERE-1", "NOT-THERE-2"):
        assert api.get(f"/api/orders/{number}").status_code == 404
    after = scrape()
    assert (
        after.value("http_requests_total", **series)
        == (before.value("http_requests_total", **series) or 0) + 2
    )
    assert (
        after.value("http_request_duration_seconds_count", **series)
        == (before.value("http_request_duration_seconds_count", **series) or 0) + 2
    )
    endpoints = after.label_values("http_requests_total", "endpoint")
    assert not any("NOT-THERE" in endpoint for endpoint in endpoints)


def test_unknown_paths_and_methods_share_one_series_each(client):
    for n in range(3):
        client.get(f"/no/such/page/{n}")
        client.generic(f"BREW{n}", "/healthz")
    after = scrape()
    assert after.value("http_requests_total", method="GET", endpoint="<unmatched>", status="404")
    assert after.value("http_requests_total", method="other", endpoint="/healthz", status="405")
    assert after.label_values("http_requests_total", "method") <= {
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"
    }  # fmt: skip
    assert not any("/no/such" in e for e in after.label_values("http_requests_total", "endpoint"))


def test_upload_rows_are_counted(client):
    api = Api(client, api_key_create(name="metrics-writer", scope=ApiKeyScope.WRITE))
    before = scrape()
    changed = make_upload(3, prefix="MET")
    changed["orders"][0]["total_amount"] = 1.5
    answers = [api.upload(body) for body in (make_upload(3, prefix="MET"), changed)]
    assert [answer.status_code for answer in answers] == [200, 200]
    after = scrape()

    def grown(name: str, **labels) -> float:
        return after.value(name, **labels) - before.value(name, **labels)

    def total(field: str) -> int:
        return sum(answer.json()[field] for answer in answers)

    assert (total("created"), total("updated"), total("unchanged")) == (3, 1, 2)
    for outcome in ("received", "created", "updated", "unchanged"):
        assert grown("orders_upload_orders_total", outcome=outcome) == total(outcome)
    assert grown("orders_upload_status_changes_total") == total("status_changes") > 0
    assert grown("orders_upload_size_orders_count") == 2
    assert grown("orders_upload_size_orders_sum") == 6


def test_report_lag_and_the_last_refresh_are_read_at_scrape_time(client):
    live_reports_reset()
    never_built = scrape()
    assert never_built.value("reports_database_up") == 1
    assert {never_built.value("reports_stale", report=r) for r in REPORTS} == {1}
    assert never_built.series("reports_as_of_timestamp_seconds", report="customer_stats") == []

    api = Api(client, api_key_create(name="metrics-lag", scope=ApiKeyScope.WRITE))
    assert reports_refresh().mode == "full"
    assert api.upload(make_upload(2, prefix="LAG")).status_code == 200
    waiting = scrape()
    assert waiting.value("reports_pending_changes") > 0
    assert {r for r in REPORTS if waiting.value("reports_lag_seconds", report=r) > 0} == REPORTS
    assert waiting.value(
        "reports_last_refresh_duration_seconds", report="status_counts", mode="full"
    )
    assert waiting.value("reports_last_refresh_timestamp_seconds", mode="full")

    run = reports_refresh()
    applied = scrape()
    assert applied.value("reports_pending_changes") == 0
    assert {applied.value("reports_lag_seconds", report=r) for r in REPORTS} == {0}
    assert {applied.value("reports_stale", report=r) for r in REPORTS} == {0}
    assert applied.value("reports_as_of_timestamp_seconds", report="also_bought") == (
        run.as_of.timestamp()
    )
    assert applied.value(
        "reports_last_refresh_duration_seconds", report="customer_stats", mode="incremental"
    ) == pytest.approx(run.duration_ms / 1000, abs=0.001)


def test_refresh_failures_are_a_counter_whichever_process_failed(client, monkeypatch):
    before = scrape()

    def failing(cursor):
        raise DatabaseError("simulated failure")

    monkeypatch.setattr("reports.refresh._rebuild", failing)
    assert reports_refresh(full=True).failed
    assert reports_refresh(full=True).failed
    after = scrape()
    assert after.value("reports_refresh_failures_total") == (
        before.value("reports_refresh_failures_total") + 2
    )
    assert after.value("reports_last_refresh_failure_timestamp_seconds") > 0


def test_a_scrape_still_answers_when_the_reports_cannot_be_read(client, monkeypatch):
    def unreadable():
        raise DatabaseError("the database is away")

    monkeypatch.setattr("reports.metrics.reports_state_get", unreadable)
    scraped = scrape()
    assert scraped.value("reports_database_up") == 0
    assert scraped.series("reports_lag_seconds", report="customer_stats") == []
    assert "http_requests_total" in {sample.name for sample in scraped.samples}


def test_connections_open_and_pool_gauges(client, monkeypatch):
    client.get("/healthz")
    assert scrape().value("db_connections_open", alias="default") == 1
    assert scrape().series("db_pool_size") == []  # no DATABASE_POOL_MAX_SIZE here

    class Pool:  # what psycopg_pool.ConnectionPool.get_stats() answers
        def get_stats(self):
            return {"pool_min": 2, "pool_max": 8, "pool_size": 5, "pool_available": 3}

    monkeypatch.setattr(type(connections["default"]), "pool", property(lambda wrapper: Pool()))
    scraped = scrape()
    assert scraped.value("db_pool_size", alias="default") == 5
    assert scraped.value("db_pool_available", alias="default") == 3
    assert scraped.value("db_pool_max", alias="default") == 8
    assert scraped.value("db_pool_min", alias="default") == 2
    assert scraped.value("db_pool_requests_waiting", alias="default") == 0
