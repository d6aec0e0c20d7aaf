"""The stored side of the live reports: which table holds what, and how it meets its definition.

Every table in `reports_data` that a report reads has a definition view of the same name in
`reports_definition` giving exactly its columns (the report definitions also give ranks and
averages, computed on read from the stored rows, which the merge leaves out). Two operations:

- `stored_differences`: the keys where a stored table and its definition disagree (check_reports);
- `stored_merge`: make the table equal its definition, for every key or for the given ones,
  touching only rows that differ (refresh_reports --full, check_reports --fix). Rows change in
  place in the caller's transaction: readers keep reading the old rows until it commits.

Identifiers come from this module's constants and go through `psycopg.sql.Identifier`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from psycopg import sql

from project.sqlfiles import read_sql
from reports.models import DATA_SCHEMA, DEFINITION_SCHEMA, SCHEMA
from reports.schema import report_view_classes


@dataclass(frozen=True)
class StoredTable:
    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    # True: derived from other stored tables through the view reports_data.<name>_source,
    # not from the orders through a definition.
    source: bool = False
    # A SQL file giving the same rows from reports_data.order_applied, which a full rebuild
    # reads right after rebuilding it (cheaper than the definition); None: the definition.
    rebuild: str | None = None

    @property
    def rebuild_source(self) -> sql.Composable:
        if self.rebuild is None:
            return self.definition
        return sql.SQL("({}) AS rebuilt").format(sql.SQL(read_sql("reports", self.rebuild)))

    @property
    def table(self) -> sql.Identifier:
        return sql.Identifier(DATA_SCHEMA, self.name)

    @property
    def definition(self) -> sql.Identifier:
        if self.source:
            return sql.Identifier(DATA_SCHEMA, f"{self.name}_source")
        return sql.Identifier(DEFINITION_SCHEMA, self.name)


CUSTOMER_STATS = StoredTable(
    "customer_stats",
    key=("customer_id",),
    columns=(
        "username",
        "orders_count",
        "completed_orders",
        "cancelled_orders",
        "pending_orders",
        "total_revenue",
        "first_order_at",
        "last_order_at",
    ),
)
# The rank structure, derived from the stored customer_stats (so merged after it).
RANK_TABLES = (
    StoredTable("revenue_level", key=("total_revenue",), columns=("customers",), source=True),
    StoredTable("revenue_bucket", key=("bucket",), columns=("levels",), source=True),
)
ALSO_BOUGHT_PAIR = StoredTable(
    "also_bought_pair",
    key=("sku", "other_sku"),
    columns=("orders_together",),
    rebuild="rebuild_also_bought_pair.sql",
)
# Cohorts (live_apply_cohorts.sql): each customer's months, and the retention matrix from them.
CUSTOMER_MONTH = StoredTable(
    "customer_month", key=("customer_id", "month"), columns=("orders", "revenue")
)
COHORT_TABLES = (
    CUSTOMER_MONTH,
    StoredTable(
        "cohort_month", key=("cohort", "month"), columns=("customers", "orders", "revenue")
    ),
)
# The category report (reports.category) and the catalog as it last applied it.
CATEGORY_APPLIED = (
    StoredTable("category_tree_applied", key=("category_id", "ancestor_id"), columns=("depth",)),
    StoredTable("category_product_applied", key=("sku",), columns=("category_id",)),
)
CATEGORY_SALES = StoredTable(
    "category_sales",
    key=("category_id", "month"),
    columns=("units_sold", "revenue", "orders_count"),
)
# Revenue by month per channel and per currency (live_apply_money.sql).
MONEY_TABLES = (
    StoredTable(
        "revenue_by_channel",
        key=("month", "channel"),
        columns=("orders_count", "completed_orders", "cancelled_orders", "revenue"),
    ),
    StoredTable(
        "revenue_by_currency",
        key=("month", "currency"),
        columns=(
            "orders_count",
            "completed_orders",
            "revenue_original",
            "revenue",
            "unconverted_orders",
            "unconverted_revenue_original",
        ),
    ),
)
STORED_TABLES = (
    CUSTOMER_STATS,
    *RANK_TABLES,
    StoredTable(
        "product_sales",
        key=("sku",),
        columns=("name", "units_sold", "revenue", "orders_count"),
        rebuild="rebuild_product_sales.sql",
    ),
    ALSO_BOUGHT_PAIR,
    StoredTable(
        "daily_order_stats",
        key=("day",),
        columns=("orders_count", "completed_orders", "cancelled_orders", "revenue"),
    ),
    StoredTable("status_counts", key=("status",), columns=("orders_count",)),
    *COHORT_TABLES,
    *CATEGORY_APPLIED,
    CATEGORY_SALES,
    *MONEY_TABLES,
)
# What each order contributes, as last applied, against its definition: a difference here means
# the next change to that order would move the reports by a wrong amount.
ORDER_APPLIED = StoredTable(
    "order_applied",
    key=("order_id",),
    columns=(
        "customer_id",
        "created_at",
        "status",
        "total_amount",
        "skus",
        "units",
        "revenue",
        "channel",
        "currency",
        "rate",
        "original_total",
    ),
)
ORDER_CONTRIBUTION = "order_contribution"


def _names(names: tuple[str, ...], *, prefix: str | None = None) -> sql.Composable:
    if prefix is None:
        return sql.SQL(", ").join(sql.Identifier(name) for name in names)
    return sql.SQL(", ").join(sql.Identifier(prefix, name) for name in names)


def _definition_of(stored: StoredTable) -> sql.Identifier:
    if stored is ORDER_APPLIED:
        return sql.Identifier(DEFINITION_SCHEMA, ORDER_CONTRIBUTION)
    return stored.definition


def _difference_query(columns: tuple[str, ...], key: tuple[str, ...], left, right) -> sql.Composed:
    """Keys of the rows in `left` or `right` that the other one lacks (multiset difference)."""
    return sql.SQL(
        "SELECT DISTINCT {key} FROM ("
        "(SELECT {columns} FROM {left} EXCEPT ALL SELECT {columns} FROM {right}) "
        "UNION ALL "
        "(SELECT {columns} FROM {right} EXCEPT ALL SELECT {columns} FROM {left})"
        ") AS difference ORDER BY {key}"
    ).format(key=_names(key), columns=_names(columns), left=left, right=right)


def stored_differences(stored: StoredTable) -> list[tuple]:
    """The keys of `stored` whose row differs from its definition (missing or extra included)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _difference_query(
                stored.key + stored.columns, stored.key, stored.table, _definition_of(stored)
            )
        )
        return cursor.fetchall()


def report_differences() -> dict[str, list[tuple]]:
    """For every report view in `reports`: the keys where it differs from its definition."""
    differences = {}
    for view in report_view_classes():
        name = view.view_name()
        fields = view._meta.concrete_fields
        key = tuple(field.column for field in view._meta.pk_fields)
        with connection.cursor() as cursor:
            cursor.execute(
                _difference_query(
                    tuple(field.column for field in fields),
                    key,
                    sql.Identifier(SCHEMA, name),
                    sql.Identifier(DEFINITION_SCHEMA, name),
                )
            )
            differences[name] = cursor.fetchall()
    return differences


def _arrays(columns: list[list]) -> sql.Composed:
    """One placeholder per key column. Values are bound client-side, where a list of strings
    has no type of its own (unnest would be ambiguous), so those say text[]."""
    return sql.SQL(", ").join(
        sql.SQL("{}::text[]").format(sql.Placeholder())
        if isinstance(column[0], str)
        else sql.Placeholder()
        for column in columns
    )


def stored_merge(
    stored: StoredTable, *, keys: list[tuple] | None = None, rebuilding: bool = False
) -> int:
    """Make `stored` equal its definition (only at `keys` when given); returns rows changed.

    `rebuilding`: order_applied was just rebuilt in this transaction, so the table's rebuild
    source (the same rows, from order_applied) may stand for its definition."""
    restrict = sql.SQL("")
    params: list = []
    if keys is not None:
        if not keys:
            return 0
        params = [list(column) for column in zip(*keys, strict=True)]
        arrays = _arrays(params)
        restrict = sql.SQL(" WHERE ({key}) IN (SELECT * FROM unnest({arrays}))").format(
            key=_names(stored.key), arrays=arrays
        )
    everything = stored.key + stored.columns
    statements = [
        sql.SQL(
            "CREATE TEMP TABLE stored_fresh ON COMMIT DROP AS SELECT {columns} FROM {definition}"
        ).format(
            columns=_names(everything),
            definition=stored.rebuild_source if rebuilding else _definition_of(stored),
        )
        + restrict,
        sql.SQL(
            "DELETE FROM {table} AS stored WHERE {scope} NOT EXISTS ("
            "SELECT FROM stored_fresh AS fresh WHERE ({fresh_key}) = ({stored_key}))"
        ).format(
            table=stored.table,
            scope=sql.SQL("")
            if keys is None
            else sql.SQL("({key}) IN (SELECT * FROM unnest({arrays})) AND ").format(
                key=_names(stored.key, prefix="stored"), arrays=arrays
            ),
            fresh_key=_names(stored.key, prefix="fresh"),
            stored_key=_names(stored.key, prefix="stored"),
        ),
        sql.SQL(
            "INSERT INTO {table} AS stored ({columns}) SELECT {columns} FROM stored_fresh "
            "ON CONFLICT ({key}) DO UPDATE SET {assign} "
            "WHERE ({stored_values}) IS DISTINCT FROM ({new_values})"
        ).format(
            table=stored.table,
            columns=_names(everything),
            key=_names(stored.key),
            assign=sql.SQL(", ").join(
                sql.SQL("{0} = excluded.{0}").format(sql.Identifier(column))
                for column in stored.columns
            ),
            stored_values=_names(stored.columns, prefix="stored"),
            new_values=_names(stored.columns, prefix="excluded"),
        ),
    ]
    changed = 0
    with connection.cursor() as cursor:
        cursor.execute(statements[0], params)
        cursor.execute(statements[1], params)
        changed += cursor.rowcount
        cursor.execute(statements[2])
        changed += cursor.rowcount
        cursor.execute("DROP TABLE stored_fresh")
    return changed
