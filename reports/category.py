"""The category report's part of a refresh: revenue, units and orders by category and month,
rolled up to every ancestor (reports.category_sales; docs/CATALOG.md).

An incremental run moves the report by the orders whose contribution changed, each line in the
category its sku had when the catalog was last applied (`live_apply_category.sql`); then, when
no order change is left in the log, by the catalog's own changes: the products that moved to
another category or sit under a re-parented one, at a cost that follows their sales
(`live_apply_catalog.sql`). Catalog changes wait while a batch leaves order changes behind, so
the orders a run reads are the orders as applied.
"""

from __future__ import annotations

from project.sqlfiles import run_sql


def category_apply(cursor, *, orders_drained: bool) -> None:
    """After live_apply.sql, in its transaction: the category report follows."""
    cursor.execute("SELECT to_regclass('pg_temp.live_category_delta') IS NULL")
    if cursor.fetchone()[0]:
        run_sql(cursor, "reports", "live_category_tables.sql")
    run_sql(cursor, "reports", "live_apply_category.sql")
    if not orders_drained:
        return
    cursor.execute("SELECT EXISTS (SELECT FROM reports_data.catalog_change)")
    if cursor.fetchone()[0]:
        run_sql(cursor, "reports", "live_apply_catalog.sql")


def category_rebuild_start(cursor) -> int:
    """A full rebuild merges the category tables from their definitions (reports.stored): the
    catalog changes visible to it are in them."""
    cursor.execute("DELETE FROM reports_data.catalog_change")
    return cursor.rowcount
