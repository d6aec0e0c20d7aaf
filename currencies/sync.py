"""The base currency as the database knows it (reports_data.base_currency), kept equal to
settings.REPORTS_BASE_CURRENCY after every migrate. A change makes every stored sum wrong, so
it also marks the reports for a full rebuild (rates must then be to the new base)."""

from __future__ import annotations

from django.db import connections

from currencies.conf import base_currency


def base_currency_sync(*, using: str = "default", **kwargs) -> str | None:
    """Store the configured base currency; returns the one it replaced, if it changed."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT to_regclass('reports_data.base_currency') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None  # migrated to before reports 0012
        cursor.execute("SELECT currency FROM reports_data.base_currency")
        (stored,) = cursor.fetchone()
        if stored == base_currency():
            return None
        cursor.execute("UPDATE reports_data.base_currency SET currency = %s", [base_currency()])
        cursor.execute(
            "UPDATE reports_data.refresh_state SET rebuild_required = true, rebuild_reason = %s",
            [f"base currency changed from {stored} to {base_currency()}"],
        )
        return stored
