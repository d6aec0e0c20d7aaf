"""GET /healthz (no key): is the database reachable, and is every report fresh enough?"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.views.decorators.http import require_GET

from orders.http import json_response
from reports.catalog import report_catalog


@require_GET
def healthz(request: HttpRequest):
    """200 when healthy; 503 when a report is stale beyond HEALTH_MAX_REPORT_AGE_MINUTES.

    A report is stale when it never refreshed, or when its sources changed since its last
    successful refresh and that refresh is older than the maximum age. An unreachable database
    answers 503 problem+json before this view runs (project.middleware).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    max_age = datetime.timedelta(minutes=settings.HEALTH_MAX_REPORT_AGE_MINUTES)
    reports = {
        entry["name"]: {"as_of": entry["as_of"], "stale": entry["stale"]}
        for entry in report_catalog(stale_after=max_age)
    }
    healthy = not any(report["stale"] for report in reports.values())
    response = json_response(
        {"status": "ok" if healthy else "degraded", "database": "ok", "reports": reports},
        status=200 if healthy else 503,
    )
    response["Cache-Control"] = "no-store"
    return response
