from __future__ import annotations

import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from celery.schedules import crontab
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from project.celery import app
from project.settings import env_int, env_time_of_day
from reports.models import DailyOrderStats, RefreshLog
from reports.tasks import ReportsRefreshError, reports_refresh_task


@pytest.mark.django_db
def test_the_task_runs_the_refresh_service(orders_data):
    result = reports_refresh_task.apply(kwargs={"only": ["status_counts"]})
    assert result.successful()
    assert result.get()["views"][0]["status"] == "refreshed"
    assert RefreshLog.objects.get().view == "status_counts"


@pytest.mark.django_db
def test_a_failed_refresh_fails_the_task(monkeypatch):
    monkeypatch.setattr(DailyOrderStats, "_concurrent_index", None)
    result = reports_refresh_task.apply(kwargs={"only": ["daily_order_stats"]})
    assert result.failed()
    assert isinstance(result.result, ReportsRefreshError)
    assert "daily_order_stats" in str(result.result)


def test_beat_refreshes_changed_views_every_n_minutes_and_daily_stats_after_midnight():
    schedule = settings.CELERY_BEAT_SCHEDULE
    every = schedule["reports-refresh-if-changed"]
    assert every["task"] == reports_refresh_task.name
    assert every["schedule"] == settings.REPORTS_REFRESH_MINUTES * 60
    assert every["kwargs"] == {"if_changed": True}
    daily = schedule["reports-daily-stats"]
    assert daily["kwargs"] == {"only": ["daily_order_stats"]}
    assert daily["schedule"] == crontab(hour=0, minute=5)


def test_the_schedule_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("REPORTS_REFRESH_MINUTES", "15")
    monkeypatch.setenv("REPORTS_DAILY_STATS_AT", "01:30")
    assert env_int("REPORTS_REFRESH_MINUTES", 5) == 15
    assert env_time_of_day("REPORTS_DAILY_STATS_AT", "00:05") == (1, 30)
    monkeypatch.setenv("REPORTS_REFRESH_MINUTES", "0")
    with pytest.raises(ImproperlyConfigured):
        env_int("REPORTS_REFRESH_MINUTES", 5)
    monkeypatch.setenv("REPORTS_DAILY_STATS_AT", "25:00")
    with pytest.raises(ImproperlyConfigured):
        env_time_of_day("REPORTS_DAILY_STATS_AT", "00:05")


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
        result = reports_refresh_task.apply_async(kwargs={"only": ["status_counts"]}, queue=queue)
        outcome = result.get(timeout=60)
    assert outcome["lock_acquired"] is True
    assert [view["status"] for view in outcome["views"]] == ["refreshed"]
    assert RefreshLog.objects.get(view="status_counts").ok
