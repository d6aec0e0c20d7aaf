"""The catalog of reports: for each view, how fresh it is and what its last refresh cost."""

from __future__ import annotations

import datetime

from django.utils import timezone

from reports.models import RefreshLog
from reports.refresh import source_watermark
from reports.schema import report_view_classes


def _latest_per_view(**filters) -> dict[str, RefreshLog]:
    rows = (
        RefreshLog.objects.filter(**filters).order_by("view", "-started_at", "-id").distinct("view")
    )
    return {row.view: row for row in rows}


def report_catalog(*, stale_after: datetime.timedelta) -> list[dict]:
    """Every report view with its as_of, row count and last refresh.

    A view is stale when it never refreshed, or when its source tables changed since its last
    successful refresh (the --if-changed watermark) and that refresh is older than
    `stale_after`: its contents are behind by more than the refresh schedule allows.
    """
    now = timezone.now()
    good = _latest_per_view(ok=True)
    attempts = _latest_per_view()
    entries = []
    for view in report_view_classes():
        name = view.view_name()
        last_good, last_attempt = good.get(name), attempts.get(name)
        changed = (
            last_good is None
            or last_good.watermark is None
            or source_watermark(view) != last_good.watermark
        )
        entries.append(
            {
                "name": name,
                "description": view._meta.db_table_comment,
                "as_of": last_good.started_at if last_good else None,
                "rows": last_good.rows if last_good else None,
                "last_refresh_duration_ms": last_good.duration_ms if last_good else None,
                "last_attempt": None
                if last_attempt is None
                else {
                    "started_at": last_attempt.started_at,
                    "ok": last_attempt.ok,
                    "error": last_attempt.error,
                },
                "changed_since_refresh": changed,
                "stale": last_good is None
                or (changed and now - last_good.started_at > stale_after),
            }
        )
    return entries
