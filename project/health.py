"""GET /healthz (no key): is the database reachable, and are the reports fresh?"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest
from django.views.decorators.http import require_GET

from api.body import json_response
from project.replica import replica_status
from reports.catalog import reports_freshness


@require_GET
def healthz(request: HttpRequest):
    """200 when healthy; 503 "degraded" when the reports are stale.

    Stale has one meaning, shared with the catalog and BI's `reports.freshness`: never built, a
    full rebuild due, or a committed change waiting longer than REPORTS_STALE_AFTER_SECONDS. An
    unreachable database answers 503 problem+json before this view runs (project.middleware).
    With a read replica (DATABASE_REPLICA_URL), `replica` says whether it answers, its replay
    lag and the reports as it sees them; an unreachable replica is not unhealthy: report reads
    then use the primary (project.replica).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    freshness = reports_freshness()
    healthy = not freshness["stale"]
    body = {"status": "ok" if healthy else "degraded", "database": "ok", "reports": freshness}
    replica = replica_status()
    if replica is not None:
        body["replica"] = replica
    response = json_response(body, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
