"""The reports' metrics, read from PostgreSQL at scrape time.

The refresher is another process (`refresh_reports --follow`, a container of its own, a Celery
worker), so nothing here is counted in memory: each scrape reads `reports.freshness` (the same
view as the catalog, /healthz and BI), the last runs in `reports_data.refresh_log`, and the failure
counter `reports_data.refresh_failures`. Every report is applied in the same run, so the lag and
the last run's duration are the same for each report; they are labelled by report all the same,
as the catalog lists them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from project.replica import replica_status
from reports.catalog import reports_freshness, unconverted_orders_count
from reports.models import RefreshLog
from reports.refresh import FULL, INCREMENTAL
from reports.schema import report_view_classes

logger = logging.getLogger(__name__)

# A scrape must answer within Prometheus's timeout even when PostgreSQL is slow.
SCRAPE_STATEMENT_TIMEOUT_MS = 2000
MODES = (INCREMENTAL, FULL)


@dataclass(frozen=True)
class ReportsState:
    freshness: dict
    last_ok: dict[str, RefreshLog]
    last_failure: RefreshLog | None
    failures_total: int
    unconverted_orders: int


def _last(**filters) -> RefreshLog | None:
    return RefreshLog.objects.filter(**filters).order_by("-started_at", "-id").first()


def reports_state_get() -> ReportsState:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, true)", [str(SCRAPE_STATEMENT_TIMEOUT_MS)]
        )
        cursor.execute("SELECT total FROM reports_data.refresh_failures")
        (failures_total,) = cursor.fetchone()
        last_ok = {mode: _last(view=mode, ok=True) for mode in MODES}
        return ReportsState(
            freshness=reports_freshness(),
            last_ok={mode: run for mode, run in last_ok.items() if run is not None},
            last_failure=_last(view__in=MODES, ok=False),
            failures_total=failures_total,
            unconverted_orders=unconverted_orders_count(),
        )


def _gauge(name: str, documentation: str, labels=(), samples=()) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=list(labels))
    for label_values, value in samples:
        family.add_metric(list(label_values), value)
    return family


def _finished(run: RefreshLog) -> float:
    return (run.finished_at or run.started_at).timestamp()


def reports_families(state: ReportsState, reports: list[str]) -> list:
    freshness = state.freshness
    as_of = freshness["as_of"]
    families = [
        _gauge(
            "reports_lag_seconds",
            "How long the oldest committed change has waited to be applied (0: none waiting).",
            ["report"],
            [((report,), freshness["lag_seconds"]) for report in reports],
        ),
        _gauge(
            "reports_stale",
            "1 when the report is stale (never built, rebuild due, or lag over the threshold).",
            ["report"],
            [((report,), int(freshness["stale"])) for report in reports],
        ),
        _gauge(
            "reports_as_of_timestamp_seconds",
            "The commit point the report reflects (absent until first built).",
            ["report"],
            [((report,), as_of.timestamp()) for report in reports] if as_of else [],
        ),
        _gauge(
            "reports_pending_changes",
            "Change log rows waiting to be applied.",
            samples=[((), freshness["pending_changes"])],
        ),
        _gauge(
            "reports_unconverted_orders",
            "Orders waiting for an exchange rate on or before their day: in no money sum yet.",
            samples=[((), state.unconverted_orders)],
        ),
        _gauge(
            "reports_rebuild_required",
            "1 when a full rebuild is due.",
            samples=[((), int(freshness["rebuild_required"]))],
        ),
        _gauge(
            "reports_last_refresh_duration_seconds",
            "Wall time of the last successful refresh that applied something, by mode.",
            ["report", "mode"],
            [
                ((report, mode), run.duration_ms / 1000)
                for mode, run in state.last_ok.items()
                for report in reports
            ],
        ),
        _gauge(
            "reports_last_refresh_timestamp_seconds",
            "When the last successful refresh that applied something finished, by mode.",
            ["mode"],
            [((mode,), _finished(run)) for mode, run in state.last_ok.items()],
        ),
        _gauge(
            "reports_last_refresh_failure_timestamp_seconds",
            "When the last failed refresh finished (absent: none in the last 7 days).",
            samples=[((), _finished(state.last_failure))] if state.last_failure is not None else [],
        ),
    ]
    failures = CounterMetricFamily(
        "reports_refresh_failures", "Failed refresh runs, whichever process ran them."
    )
    failures.add_metric([], state.failures_total)
    families.append(failures)
    return families


def replica_families() -> list:
    """With DATABASE_REPLICA_URL: whether report reads use the replica (it answers), and what
    it has replayed. Read through project.replica, as a request would choose."""
    try:
        status = replica_status()
    except DatabaseError as error:
        logger.warning("metrics: the read replica's state could not be read: %s", error)
        status = {"status": "unreachable"}
    if status is None:
        return []
    answering = status["status"] == "ok"
    families = [
        _gauge(
            "reports_replica_up",
            "1 when the read replica answers and report reads use it; 0: they use the primary.",
            samples=[((), int(answering))],
        )
    ]
    if answering:
        families.append(
            _gauge(
                "reports_replica_replay_lag_seconds",
                "Since the last transaction the replica replayed, while it has WAL left to "
                "replay (0: it has replayed all it received).",
                samples=[((), status["replay_lag_seconds"] or 0)],
            )
        )
        if status["as_of"]:
            families.append(
                _gauge(
                    "reports_replica_as_of_timestamp_seconds",
                    "The commit point the reports on the replica reflect.",
                    samples=[((), status["as_of"].timestamp())],
                )
            )
    return families


class ReportsCollector:
    """A prometheus_client collector; registered only on the scrape's own registry."""

    def collect(self):
        up = GaugeMetricFamily(
            "reports_database_up", "1 when this scrape could read the reports' state."
        )
        try:
            state = reports_state_get()
        except DatabaseError as error:
            logger.warning("metrics: the reports' state could not be read: %s", error)
            if connection.connection is not None and not connection.is_usable():
                connection.close()
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from reports_families(state, [view.view_name() for view in report_view_classes()])
        yield from replica_families()
