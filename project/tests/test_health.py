from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from orders.services import order_status_add
from orders.tests.factories import make_order
from project import health
from reports.catalog import report_catalog
from reports.tests.conftest import live_reports_reset

PROBES = ("/healthz", "/readyz")


@pytest.fixture
def fresh_reports(transactional_db):
    live_reports_reset()
    make_order("H-1")
    call_command("refresh_reports", stdout=io.StringIO())


@pytest.fixture
def one_migration_unapplied(transactional_db, monkeypatch):
    """The database as a new release finds it before its `migrate`: one migration not recorded."""
    monkeypatch.setattr(health, "_all_migrations_applied", False)
    recorded = MigrationRecorder.Migration.objects.get(app="orders", name="0001_initial")
    recorded.delete()
    yield "orders.0001_initial"
    MigrationRecorder.Migration.objects.create(
        app=recorded.app, name=recorded.name, applied=recorded.applied
    )


def _age_pending_changes(seconds: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_data.order_change SET logged_at = logged_at - %s",
            [datetime.timedelta(seconds=seconds)],
        )


@pytest.mark.parametrize("probe", PROBES)
def test_healthy_after_a_refresh_without_a_key(client, fresh_reports, probe):
    response = client.get(probe)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    reports = body["reports"]
    assert reports["as_of"] and not reports["stale"] and reports["pending_changes"] == 0
    assert response["Cache-Control"] == "no-store"


def test_readiness_says_the_migrations_are_applied(client, fresh_reports):
    assert client.get("/readyz").json()["migrations"] == "ok"


@pytest.mark.parametrize("probe", PROBES)
def test_never_refreshed_is_live_and_ready_and_says_stale(client, transactional_db, probe):
    live_reports_reset()
    response = client.get(probe)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["reports"]["stale"] is True and body["reports"]["as_of"] is None


def test_a_change_waiting_longer_than_the_threshold_is_stale_in_the_body_and_the_catalog(
    client, fresh_reports
):
    """A lagging refresher does not take a web server out of rotation: both probes stay 200."""
    order_status_add(order=make_order("H-2"), status="Cancelled")
    assert client.get("/healthz").json()["reports"]["stale"] is False  # pending, not for long
    _age_pending_changes(61)  # REPORTS_STALE_AFTER_SECONDS is 60 by default
    for probe in PROBES:
        stale = client.get(probe)
        assert stale.status_code == 200, probe
        assert stale.json()["status"] == "ok"
        assert stale.json()["reports"]["stale"] is True
        assert stale.json()["reports"]["lag_seconds"] > 60
        assert stale.json()["reports"]["pending_changes"] > 0
    assert {entry["stale"] for entry in report_catalog()["reports"]} == {True}
    call_command("refresh_reports", stdout=io.StringIO())
    assert client.get("/healthz").json()["reports"]["stale"] is False


def test_an_unapplied_migration_makes_it_unready_but_still_live(client, one_migration_unapplied):
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.json()
    assert (body["status"], body["database"], body["migrations"]) == ("unready", "ok", "pending")
    assert body["unapplied_migrations"] == [one_migration_unapplied]
    assert ready["Cache-Control"] == "no-store"
    assert client.get("/healthz").status_code == 200


def test_probes_take_only_get(client, transactional_db):
    for probe in PROBES:
        assert client.post(probe).status_code == 405
