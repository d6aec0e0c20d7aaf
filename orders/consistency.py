"""Audit and repair of the trigger-kept current status."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from project.sqlfiles import run_sql


@dataclass(frozen=True)
class StatusAudit:
    mismatched_ids: list[int]
    mismatched_numbers: list[str]

    @property
    def count(self) -> int:
        return len(self.mismatched_ids)


def current_status_audit() -> StatusAudit:
    with connection.cursor() as cursor:
        run_sql(cursor, "orders", "current_status_mismatches.sql")
        rows = cursor.fetchall()
    return StatusAudit(
        mismatched_ids=[row[0] for row in rows], mismatched_numbers=[row[1] for row in rows]
    )


@transaction.atomic
def current_status_repair(*, order_ids: list[int]) -> int:
    """Recompute current_status for these orders from their history; returns how many changed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT orders_refresh_current_status(%s::bigint[])", [order_ids])
        return cursor.fetchone()[0]
