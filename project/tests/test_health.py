from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from orders.services import order_status_add
from orders.tests.factories import make_order
from reports.models import RefreshLog


@pytest.fixture
def fresh_reports(transactional_db):
    RefreshLog.objects.all().delete()
    make_order("H-1")
    call_command("refresh_reports", stdout=io.StringIO())


def test_healthy_after_a_refresh_without_a_key(client, fresh_reports):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    assert set(body["reports"]) == {
        "customer_stats",
        "product_sales",
        "monthly_revenue",
        "daily_order_stats",
        "also_bought",
        "status_counts",
    }
    assert all(report["as_of"] and not report["stale"] for report in body["reports"].values())
    assert response["Cache-Control"] == "no-store"


def test_never_refreshed_is_503(client, transactional_db):
    RefreshLog.objects.all().delete()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"


def test_changed_sources_and_an_old_refresh_is_503(client, fresh_reports):
    import time

    order_status_add(order=make_order("H-2"), status="Cancelled")
    time.sleep(1.2)  # PostgreSQL publishes table write counters with up to ~1 s of lag
    with override_settings(HEALTH_MAX_REPORT_AGE_MINUTES=0):
        stale = client.get("/healthz")
    assert stale.status_code == 503
    assert stale.json()["reports"]["status_counts"]["stale"] is True
    assert client.get("/healthz").status_code == 200  # within the default maximum age
