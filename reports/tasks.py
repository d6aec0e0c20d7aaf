"""Celery tasks: the scheduled refresh runs the same service as `refresh_reports`."""

from __future__ import annotations

from celery import shared_task

from reports.refresh import reports_refresh

ERROR_TASK_FAILED = "report views did not refresh: {details}"


class ReportsRefreshError(Exception):
    pass


@shared_task(name="reports.refresh")
def reports_refresh_task(only: list[str] | None = None, if_changed: bool = False) -> dict:
    """Refresh the report views; a run that finds another one in progress returns at once."""
    run = reports_refresh(only=only or (), if_changed=if_changed)
    if run.failed:
        details = "; ".join(f"{o.view} ({o.detail})" for o in run.failed)
        raise ReportsRefreshError(ERROR_TASK_FAILED.format(details=details))
    return run.as_dict()
