from __future__ import annotations

import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from orders.models import Customer
from project.celery import app
from project.settings import env_int
from reports.models import RefreshLog
from reports.tasks import ReportsRefreshError, reports_refresh_task
from reports.tests.conftest import refresh_times_out


@pytest.mark.django_db
def test_the_task_runs_the_refresh_service(orders_data):
    result = reports_refresh_task.apply()
    assert result.successful()
    assert result.get()["mode"] == "full"  # generated orders are rebuilt, not applied one by one
    Customer.objects.create(username="after_the_rebuild")
    assert reports_refresh_task.apply().get()["customers_touched"] == 1
    assert list(RefreshLog.objects.values_list("view", flat=True).order_by("id")) == [
        "full",
        "incremental",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_failed_refresh_fails_the_task(orders_data):
    with refresh_times_out():
        result = reports_refresh_task.apply(kwargs={"full": True})
    assert result.failed()
    assert isinstance(result.result, ReportsRefreshError)
    assert "statement timeout" in str(result.result)


def test_beat_runs_the_incremental_refresh_every_n_minutes():
    every = settings.CELERY_BEAT_SCHEDULE["reports-refresh"]
    assert every["task"] == reports_refresh_task.name
    assert every["schedule"] == settings.REPORTS_REFRESH_MINUTES * 60
    assert "kwargs" not in every


def test_the_schedule_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("REPORTS_REFRESH_MINUTES", "15")
    assert env_int("REPORTS_REFRESH_MINUTES", 5) == 15
    monkeypatch.setenv("REPORTS_REFRESH_MINUTES", "0")
    with pytest.raises(ImproperlyConfigured):
        env_int("REPORTS_REFRESH_MINUTES", 5)


def _redis_reachable() -> bool:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
            return True
    except Exception:  # any failure to reach the broker means: skip
        return False


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_refresh_through_redis(orders_data):
    if not _redis_reachable():
        pytest.skip(f"no Redis broker at {settings.CELERY_BROKER_URL}")
    queue = f"reports-test-{uuid.uuid4().hex[:8]}"  # no other worker takes it
    with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]):
        result = reports_refresh_task.apply_async(queue=queue)
        outcome = result.get(timeout=60)
    assert outcome["lock_acquired"] is True
    assert outcome["mode"] == "full" and outcome["error"] == ""
    assert RefreshLog.objects.get(view="full").ok
