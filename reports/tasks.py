"""Celery tasks: the scheduled refresh runs the same incremental service as `refresh_reports`."""

from __future__ import annotations

from celery import shared_task

from reports.refresh import reports_refresh

ERROR_TASK_FAILED = "the reports did not refresh: {error}"


class ReportsRefreshError(Exception):
    pass


@shared_task(name="reports.refresh")
def reports_refresh_task(full: bool = False) -> dict:
    """Apply pending changes (or rebuild); a run that finds another one in progress returns."""
    run = reports_refresh(full=full)
    if run.failed:
        raise ReportsRefreshError(ERROR_TASK_FAILED.format(error=run.error))
    return run.as_dict()
