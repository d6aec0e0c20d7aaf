"""The category report's part of a refresh: revenue, units and orders by category and month,
rolled up to every ancestor (reports.category_sales; docs/CATALOG.md).

An incremental run moves the report by the orders whose contribution changed, each line in the
category its sku had when the catalog was last applied (`live_apply_category.sql`); then, when
no order change is left in the log, by the catalog's own changes: the products that moved to
another category or sit under a re-parented one, at a cost that follows their sales
(`live_apply_catalog.sql`). Catalog changes wait while a batch leaves order changes behind, so
the orders a run reads are the orders as applied.

Reads: `category_sales` (by month, a level of the tree at a time) and `category_top_products`
(the best sellers under a category, from the stored product_sales).
"""

from __future__ import annotations

import datetime

from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import sql

from project.sqlfiles import read_sql, run_sql
from reports.selectors import ReportQuery


def category_apply(cursor, *, orders_drained: bool) -> None:
    """After live_apply.sql, in its transaction: the category report follows."""
    cursor.execute(
        "SELECT to_regclass('pg_temp.live_category_delta') IS NULL, "
        "EXISTS (SELECT FROM reports_data.catalog_change)"
    )
    tables_missing, catalog_changed = cursor.fetchone()
    if tables_missing:
        run_sql(cursor, "reports", "live_category_tables.sql")
    run_sql(cursor, "reports", "live_apply_category.sql")
    if orders_drained and catalog_changed:
        run_sql(cursor, "reports", "live_apply_catalog.sql")


def category_rebuild_start(cursor) -> int:
    """A full rebuild merges the category tables from their definitions (reports.stored): the
    catalog changes visible to it are in them."""
    cursor.execute("DELETE FROM reports_data.catalog_change")
    return cursor.rowcount


CATEGORY_TOP_COLUMNS = {"revenue": "revenue", "units": "units_sold"}
# Up to this many products a category's top products are found by sorting its products'
# figures (about 1 ms per 1,000); beyond, by walking product_sales' index, where a large
# category's best sellers come early.
SMALL_CATEGORY_PRODUCTS = 3_000


def category_exists(*, key: str, using: str = DEFAULT_DB_ALIAS) -> bool:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT FROM catalog_category WHERE key = %s)", [key])
        return cursor.fetchone()[0]


def category_sales(
    *, key: str | None, first: datetime.date | None, last: datetime.date | None
) -> ReportQuery:
    return ReportQuery(
        "category_sales",
        read_sql("reports", "report_category_sales.sql"),
        {"key": key, "first": first, "last": last},
    )


def category_top_products(
    *, key: str, by: str, limit: int | None, using: str = DEFAULT_DB_ALIAS
) -> ReportQuery:
    """Two plans, chosen by the category's size: a small one's products are looked up and
    sorted; a large one's best sellers come first down product_sales' index on `by`."""
    with connections[using].cursor() as cursor:
        run_sql(cursor, "reports", "category_subtree.sql", {"key": key})
        ids, products = cursor.fetchone()
    small = products <= SMALL_CATEGORY_PRODUCTS
    name = "report_category_top_products_small.sql" if small else "report_category_top_products.sql"
    statement = sql.SQL(read_sql("reports", name)).format(
        column=sql.Identifier(CATEGORY_TOP_COLUMNS[by])
    )
    return ReportQuery("product_sales", statement, {"ids": ids or [], "limit": limit})
