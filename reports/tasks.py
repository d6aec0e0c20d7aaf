"""Celery tasks: the scheduled refresh runs the same incremental service as `refresh_reports`."""

from __future__ import annotations

from celery import shared_task

from reports.clv import customer_value_fit
from reports.clv_model import ERROR_NOT_INSTALLED, clv_available
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


@shared_task(name="reports.fit_clv")
def customer_value_fit_task() -> dict:
    """The scheduled fit of the predicted customer value; without the optional extra it says
    so and does nothing (the exact value needs no fit)."""
    if not clv_available():
        return {"skipped": ERROR_NOT_INSTALLED}
    fit = customer_value_fit()
    if fit is None:
        return {"skipped": "another fit is running"}
    return {"customers": fit.customers, "fit_seconds": fit.fit_seconds}
