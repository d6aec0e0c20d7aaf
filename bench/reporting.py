"""The reports: the cost of a full rebuild (`refresh_reports --full`), and endpoint latency from
the stored reports against the same answer computed live by the ORM (bench/reporting_live.py).
The incremental refresh and the rest of the live machinery are measured in bench/live.py.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from bench.cancelled import endpoint_get
from bench.measure import Measurement, MeasureSettings, Timing, measure
from bench.reporting_live import (
    CENT,
    live_also_bought,
    live_customer_loyal,
    live_customer_stats,
    live_product_top,
    live_revenue_daily,
    live_revenue_monthly,
)
from reports.refresh import RefreshRun, reports_refresh
from reports.selectors import product_top, report_rows, revenue_daily_last_day

STATS_USER = "customer_0000001"  # every generated dataset has it
LOYAL_MIN_COMPLETED = 6  # seed 001's "more than 5"
DAILY_DAYS = 31

ERROR_REFRESH = "refresh_reports {mode} did not complete: {details}"
ERROR_LOCKED = "another refresh_reports run holds the lock"


class RefreshError(RuntimeError):
    pass


@dataclass(frozen=True)
class RefreshCost:
    label: str
    orders: int  # orders whose contribution the run recomputed
    timing: Timing


@dataclass(frozen=True)
class ReportComparison:
    label: str
    endpoint: Measurement
    live: Measurement
    same: bool | None


@dataclass(frozen=True)
class ReportCase:
    label: str
    path: str
    params: dict
    live: Callable[[], object]
    fields: tuple[str, ...]


def refresh_checked(*, full: bool) -> RefreshRun:
    """One `reports_refresh`; a failure or a lock held elsewhere raises RefreshError."""
    run = reports_refresh(full=full)
    mode = "--full" if full else "(incremental)"
    if not run.lock_acquired:
        raise RefreshError(ERROR_REFRESH.format(mode=mode, details=ERROR_LOCKED))
    if run.failed:
        raise RefreshError(ERROR_REFRESH.format(mode=mode, details=run.error))
    return run


def refresh_measure(*, repeat: int, log: Callable[[str], None] = print) -> RefreshCost:
    """`repeat` full rebuilds (`refresh_reports --full`), each timed as the run reports it."""
    samples, orders = [], 0
    for number in range(1, repeat + 1):
        log(f"  reports: full refresh {number}/{repeat}")
        run = refresh_checked(full=True)
        samples.append(run.duration_ms / 1000)
        orders = run.orders_changed
    return RefreshCost("refresh_reports --full", orders, Timing(samples))


def report_cases() -> list[ReportCase]:
    top_sku = report_rows(product_top(by="revenue", limit=1))[0]["sku"]
    last = revenue_daily_last_day()
    first = last - datetime.timedelta(days=DAILY_DAYS - 1)
    return [
        ReportCase(
            f"seed 003: /api/orders/stats?user={STATS_USER}",
            "/api/orders/stats",
            {"user": STATS_USER},
            lambda: live_customer_stats(username=STATS_USER),
            (
                "user",
                "orders_count",
                "completed_orders",
                "cancelled_orders",
                "pending_orders",
                "total_revenue",
                "avg_order_value",
                "revenue_rank",
            ),
        ),
        ReportCase(
            f"seed 001: /api/reports/customers/loyal?min_completed_orders={LOYAL_MIN_COMPLETED}",
            "/api/reports/customers/loyal",
            {"min_completed_orders": LOYAL_MIN_COMPLETED, "limit": 50},
            lambda: live_customer_loyal(min_completed_orders=LOYAL_MIN_COMPLETED, limit=50),
            ("customer_id", "user", "completed_orders", "total_revenue", "revenue_rank"),
        ),
        ReportCase(
            "/api/reports/products/top?by=revenue&limit=10",
            "/api/reports/products/top",
            {"by": "revenue", "limit": 10},
            lambda: live_product_top(limit=10),
            ("sku", "name", "units_sold", "revenue", "orders_count", "revenue_rank", "units_rank"),
        ),
        ReportCase(
            f"seed 002: /api/reports/products/{top_sku}/also-bought?limit=10",
            f"/api/reports/products/{top_sku}/also-bought",
            {"limit": 10},
            lambda: live_also_bought(sku=top_sku, limit=10),
            ("rank", "sku", "name", "orders_together"),
        ),
        ReportCase(
            "/api/reports/revenue/monthly",
            "/api/reports/revenue/monthly",
            {},
            live_revenue_monthly,
            ("month", "orders_count", "completed_orders", "cancelled_orders", "revenue"),
        ),
        ReportCase(
            f"seed 003: /api/reports/revenue/daily ({DAILY_DAYS} days)",
            "/api/reports/revenue/daily",
            {"from": first.isoformat(), "to": last.isoformat()},
            lambda: live_revenue_daily(first=first, last=last),
            ("day", "orders_count", "completed_orders", "revenue", "avg_order_value"),
        ),
    ]


def _normal(value):
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _rows(answer, fields: tuple[str, ...]) -> list[tuple]:
    rows = answer if isinstance(answer, list) else [answer]
    return [tuple(_normal(row[name]) for name in fields) for row in rows]


def _endpoint_answer(response):
    body = json.loads(response.content, parse_float=Decimal)
    return body.get("results", body)


def reports_compare(
    *, client, settings: MeasureSettings, log: Callable[[str], None] = print
) -> list[ReportComparison]:
    comparisons = []
    for case in report_cases():
        log(f"  reports: {case.label}")
        from_view = measure(
            lambda c=case: endpoint_get(client, c.path, c.params), settings=settings, explain=False
        )
        live = measure(case.live, settings=settings, explain=False)
        same = None
        if from_view.result is not None and live.result is not None:
            expected = _rows(_endpoint_answer(from_view.result), case.fields)
            same = expected == _rows(live.result, case.fields)
        comparisons.append(ReportComparison(case.label, from_view, live, same))
    return comparisons


@dataclass(frozen=True)
class ReadersDuringRefresh:
    refresh_s: float
    requests: int
    timing: Timing

    @property
    def max_s(self) -> float:
        return max(self.timing.samples)


def readers_during_refresh(*, client, log: Callable[[str], None] = print) -> ReadersDuringRefresh:
    """Report endpoints read in a loop while another connection rebuilds every report.

    The full refresh runs in a thread with its own session; the readers (this thread) record
    each request's latency until it ends.
    """
    import threading
    import time

    from django.db import connection

    cases = report_cases()
    finished = threading.Event()
    outcome: dict = {}

    def refresher() -> None:
        started = time.perf_counter()
        try:
            outcome["run"] = refresh_checked(full=True)
        except Exception as error:  # reported by the caller
            outcome["error"] = error
        finally:
            outcome["seconds"] = time.perf_counter() - started
            connection.close()
            finished.set()

    log("  reports: readers during a full refresh")
    thread = threading.Thread(target=refresher)
    samples: list[float] = []
    thread.start()
    while not finished.is_set():
        for case in cases:
            started = time.perf_counter()
            endpoint_get(client, case.path, case.params)
            samples.append(time.perf_counter() - started)
    thread.join()
    if "error" in outcome:
        raise RefreshError(str(outcome["error"]))
    return ReadersDuringRefresh(outcome["seconds"], len(samples), Timing(samples))
