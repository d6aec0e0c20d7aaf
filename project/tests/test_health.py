from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection

from orders.services import order_status_add
from orders.tests.factories import make_order
from reports.catalog import report_catalog
from reports.tests.conftest import live_reports_reset


@pytest.fixture
def fresh_reports(transactional_db):
    live_reports_reset()
    make_order("H-1")
    call_command("refresh_reports", stdout=io.StringIO())


def _age_pending_changes(seconds: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_data.order_change SET logged_at = logged_at - %s",
            [datetime.timedelta(seconds=seconds)],
        )


def test_healthy_after_a_refresh_without_a_key(client, fresh_reports):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    reports = body["reports"]
    assert reports["as_of"] and not reports["stale"] and reports["pending_changes"] == 0
    assert response["Cache-Control"] == "no-store"


def test_never_refreshed_is_503(client, transactional_db):
    live_reports_reset()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"


def test_a_change_waiting_longer_than_the_threshold_is_503_here_and_in_the_catalog(
    client, fresh_reports
):
    order_status_add(order=make_order("H-2"), status="Cancelled")
    assert client.get("/healthz").status_code == 200  # pending, but not for long
    _age_pending_changes(61)  # REPORTS_STALE_AFTER_SECONDS is 60 by default
    stale = client.get("/healthz")
    assert stale.status_code == 503
    assert stale.json()["reports"]["stale"] is True
    assert stale.json()["reports"]["lag_seconds"] > 60
    assert {entry["stale"] for entry in report_catalog()["reports"]} == {True}
    call_command("refresh_reports", stdout=io.StringIO())
    assert client.get("/healthz").status_code == 200
