"""check_reports: every stored report against its definition, and the repair of what differs.

Runs in the refresh lock's snapshot (`reports.refresh.refresh_snapshot`): it first applies the
changes pending in that snapshot, so the stored reports and the definitions then describe the
same commits and any difference is a real one. The definitions scan the orders: this costs about
what a full rebuild costs, and refreshes wait meanwhile; run it after an incident or off-peak.
A rebuild that is due (never built, after a TRUNCATE) is not run here: the differences show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection

from reports.refresh import apply_pending, mark_applied, refresh_snapshot
from reports.stored import (
    ALSO_BOUGHT_PAIR,
    CATEGORY_APPLIED,
    CUSTOMER_MONTH,
    ORDER_APPLIED,
    RANK_TABLES,
    STORED_TABLES,
    report_differences,
    stored_differences,
    stored_merge,
)


@dataclass
class CheckResult:
    lock_acquired: bool
    differences: dict[str, list[tuple]] = field(default_factory=dict)
    fixed: int = 0
    after_fix: dict[str, list[tuple]] = field(default_factory=dict)


def _all_differences() -> dict[str, list[tuple]]:
    differences = report_differences()
    for stored in (
        *RANK_TABLES,
        ALSO_BOUGHT_PAIR,
        CUSTOMER_MONTH,
        *CATEGORY_APPLIED,
        ORDER_APPLIED,
    ):
        differences[stored.name] = stored_differences(stored)
    return differences


def reports_check(*, fix: bool = False) -> CheckResult:
    """The differing keys per report; with `fix`, the stored rows at those keys rebuilt."""
    with refresh_snapshot() as state:
        if state is None:
            return CheckResult(lock_acquired=False)
        as_of, rebuild_required = state
        if not rebuild_required:
            with connection.cursor() as cursor:
                mark_applied(cursor, as_of=as_of, applied=apply_pending(cursor))
        result = CheckResult(lock_acquired=True, differences=_all_differences())
        if fix and any(result.differences.values()):
            # Contributions first: the next change to a repaired order then moves the reports
            # from the right starting point.
            for stored in (ORDER_APPLIED, *STORED_TABLES):
                result.fixed += stored_merge(stored, keys=stored_differences(stored))
            result.after_fix = _all_differences()
    return result
