"""The probes (no key): liveness `/healthz` and readiness `/readyz`.

Neither depends on the reports' freshness: a refresher that lags does not make a web server
unable to take uploads, answer order reads or list the cancelled orders, so a load balancer or
an orchestrator must not take it out of rotation for that (docs/OPERATIONS.md says which probe
goes where). Both report freshness in their body, and /metrics exports it (`reports_stale`,
`reports_lag_seconds`, `reports_pending_changes`) for an alert; so are the orders waiting for an
exchange rate (`unconverted_orders`, `reports_unconverted_orders`), which never fail a probe.

An unreachable database answers 503 problem+json before these views run (project.middleware).
"""

from __future__ import annotations

import logging

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.migrations.loader import MigrationLoader
from django.http import HttpRequest
from django.views.decorators.http import require_GET

from api.body import json_response
from project.replica import replica_status
from reports.catalog import reports_freshness, unconverted_orders_count

logger = logging.getLogger(__name__)

OK, UNREADY = "ok", "unready"
MIGRATIONS_PENDING = "pending"

_all_migrations_applied = False  # once true in this process, it stays true (the code is fixed)


def _freshness() -> dict | None:
    """The reports' freshness, or None when it cannot be read (e.g. before `migrate`)."""
    try:
        return reports_freshness()
    except DatabaseError as error:
        logger.warning("probe: the reports' freshness could not be read: %s", error)
        return None


def _unconverted_orders() -> int | None:
    """The orders waiting for a rate, or None when that cannot be read (e.g. before `migrate`).
    Said in the body only: an order waiting for its currency's rate is data, not ill health."""
    try:
        return unconverted_orders_count()
    except DatabaseError as error:
        logger.warning("probe: the orders waiting for a rate could not be counted: %s", error)
        return None


def unapplied_migrations() -> list[str]:
    """`app.name` of each migration this code has and the database has not applied."""
    global _all_migrations_applied
    if _all_migrations_applied:
        return []
    loader = MigrationLoader(connections[DEFAULT_DB_ALIAS])
    # Every node, not a plan to the leaves: a plan skips a leaf that is recorded as applied.
    pending = sorted(
        f"{app}.{name}" for app, name in set(loader.graph.nodes) - set(loader.applied_migrations)
    )
    _all_migrations_applied = not pending
    return pending


def _probe_response(body: dict, *, status: int):
    freshness = _freshness()
    body["reports"] = freshness
    body["unconverted_orders"] = _unconverted_orders()
    replica = replica_status()
    if replica is not None:
        body["replica"] = replica
    response = json_response(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def healthz(request: HttpRequest):
    """Liveness: 200 while this process answers and the database answers `SELECT 1`.

    Stale reports are said in the body (`reports.stale`, the same `stale` as the catalog and
    BI's `reports.freshness`), never by the status. With a read replica (DATABASE_REPLICA_URL),
    `replica` says whether it answers, its replay lag and the reports as it sees them.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return _probe_response({"status": OK, "database": OK}, status=200)


@require_GET
def readyz(request: HttpRequest):
    """Readiness: 200 when the database answers and every migration of this code is applied;
    503 while some are not (a new release started before its `migrate`)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    pending = unapplied_migrations()
    if pending:
        body = {"status": UNREADY, "database": OK, "migrations": MIGRATIONS_PENDING}
        body["unapplied_migrations"] = pending
        return _probe_response(body, status=503)
    return _probe_response({"status": OK, "database": OK, "migrations": OK}, status=200)
