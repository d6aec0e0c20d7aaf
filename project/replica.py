"""Report reads on a streaming replica (DATABASE_REPLICA_URL), the primary when it is away.

Routing is explicit, never a blanket router: the report endpoints, their CSV exports, the
cancelled list and the dashboard ask `reports_db(request)` for the alias their selectors read
from; everything else (uploads, the status webhook and its answer, an order's detail, API keys,
the admin, `refresh_reports`) stays on "default", the primary, and reads its own writes.

A replica that cannot be reached when a request starts (refused, a connect timeout, a session
its health check finds dead) is marked down in this process for DATABASE_REPLICA_RETRY_SECONDS:
meanwhile the reads go to the primary, with a warning logged once, so no request waits for a
connect timeout twice. A replica lost in the middle of a request fails that request with a 503
(Retry-After) and is marked down, so the retry reads from the primary.
"""

from __future__ import annotations

import contextlib
import logging
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, OperationalError, connections
from django.http import HttpRequest

from project.statement_timeout import statement_timeout_set

REPLICA = "replica"
SOURCE_HEADER = "X-Reports-Database"
SOURCES = {REPLICA: "replica", DEFAULT_DB_ALIAS: "primary"}

logger = logging.getLogger("project.replica")
_down_until = 0.0  # time.monotonic() until which this process reads from the primary


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def reports_db(request: HttpRequest | None = None) -> str:
    """The alias this request's report reads use: the replica when it is configured and
    answers, else the primary. Chosen once per request (kept on it), so every read of an
    answer (its `as_of` and its rows) comes from the same server."""
    if request is None:
        return _choose()
    if getattr(request, "reports_database", None) is None:
        request.reports_database = _choose()
    return request.reports_database


def _choose() -> str:
    if not replica_configured() or time.monotonic() < _down_until:
        return DEFAULT_DB_ALIAS
    replica = connections[REPLICA]
    try:
        replica.close_if_health_check_failed()  # a session the replica's restart ended
        statement_timeout_set(replica)  # connects, as the primary's session is
    except OperationalError as error:
        replica_down(error)
        return DEFAULT_DB_ALIAS
    return REPLICA


def replica_down(error: Exception) -> None:
    """Read from the primary for DATABASE_REPLICA_RETRY_SECONDS, then try the replica again."""
    global _down_until
    retry = settings.DATABASE_REPLICA_RETRY_SECONDS
    _down_until = time.monotonic() + retry
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()
    logger.warning(
        "read replica unreachable; report reads use the primary for the next %d s: %s",
        retry,
        str(error).strip(),
    )


def replica_failed_request(request: HttpRequest, error: Exception) -> None:
    """After a database error in a request that read from the replica: if the replica's
    session is gone (not a statement timeout), the next requests read from the primary."""
    if getattr(request, "reports_database", None) != REPLICA:
        return
    if not connections[REPLICA].is_usable():
        replica_down(error)


def replica_status() -> dict | None:
    """For /healthz: None without a replica; else whether it answers and, as it sees them, the
    reports' as_of and its replay lag (reports.catalog.reports_freshness)."""
    if not replica_configured():
        return None
    if reports_db() != REPLICA:
        return {"status": "unreachable", "reads_from": SOURCES[DEFAULT_DB_ALIAS]}
    from reports.catalog import reports_freshness

    freshness = reports_freshness(using=REPLICA)
    return {"status": "ok", "reads_from": SOURCES[REPLICA], **freshness}


class ReportsDatabaseMiddleware:
    """Says which server answered a report read: `X-Reports-Database: replica` or `primary`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        alias = getattr(request, "reports_database", None)
        if alias is not None:
            response[SOURCE_HEADER] = SOURCES[alias]
        return response
