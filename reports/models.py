"""The reports: views in the PostgreSQL schema `reports`, their definitions, and the refresh log.

Each report is a plain view in `reports` over a table in the private schema `reports_data`, which
`refresh_reports` keeps current incrementally (`reports.live`); ranks and averages are computed
on read. Each report's definition is one SQL view over the orders in the private schema
`reports_definition`: the specification, read by `refresh_reports --full` and `check_reports`.

Both kinds are django-pgviews-redux models: `migrate` (re-)creates each view from its SQL in
`reports/sql/`. pgviews-redux puts a view in another schema through an unquoted
`db_table = "reports.<name>"`, which the Django ORM cannot query (Django 5.2 has no schema support
and would quote it as one name), so these models are declarations: reads go through
`reports.selectors` and its SQL files. `db_table_comment` and every `db_comment` become the
views' COMMENTs after each sync (`reports.schema`).

`RefreshLog` is an ordinary table, private (not for BI); the ORM reaches it through the
`'reports_data"."refresh_log'` form, which pgviews-redux does not understand but Django does.
"""

from __future__ import annotations

from django.db import models
from django_pgviews import view as pg

from project.sqlfiles import read_sql

SCHEMA = "reports"
DEFINITION_SCHEMA = "reports_definition"
DATA_SCHEMA = "reports_data"
MONEY = {"max_digits": 38, "decimal_places": 2}


class NeedsTables:
    """A view over tables a later migration makes: migrate's view sync (pgviews, which creates
    every view the code declares whatever the migration state) skips it while they are missing,
    e.g. in a database migrated only up to an earlier migration."""

    requires_tables: tuple[str, ...] = ()

    @classmethod
    def get_view_connection(cls, using: str, restricted_mode: bool = True):
        connection = super().get_view_connection(using=using, restricted_mode=restricted_mode)
        if connection is None or not cls.requires_tables:
            return connection
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT bool_and(to_regclass(name) IS NOT NULL) FROM unnest(%s::text[]) AS name",
                [list(cls.requires_tables)],
            )
            return connection if cursor.fetchone()[0] else None


class ReportView(pg.ReadOnlyView):
    """A report: a view in schema `reports` over its stored table in `reports_data`."""

    # Whether reports_data holds a table of the same name with one row per row of the report.
    stored = True
    # The reports_data table with one row per row of the report when its name differs (the
    # catalog counts it): None, the report's own name.
    stored_as: str | None = None
    # A report computed on read (stored = False): the reports_data table it reads, whose size
    # says whether the catalog may count the report's rows (reports.catalog).
    computed_from: str | None = None

    class Meta:
        abstract = True
        managed = False

    @classmethod
    def view_name(cls) -> str:
        return cls._meta.db_table.split(".", 1)[1]


class CustomerStats(ReportView):
    sql = read_sql("reports", "view_customer_stats.sql")

    customer_id = models.BigIntegerField(primary_key=True, db_comment="orders_customer.id")
    username = models.CharField(max_length=50, db_comment="the customer's username (API: user)")
    orders_count = models.BigIntegerField(db_comment="orders of this customer, any status")
    completed_orders = models.BigIntegerField(db_comment="orders whose current status is Complete")
    cancelled_orders = models.BigIntegerField(db_comment="orders whose current status is Cancelled")
    pending_orders = models.BigIntegerField(db_comment="orders whose current status is Pending")
    total_revenue = models.DecimalField(
        **MONEY, db_comment="sum of total_amount over the Complete orders (0 when none)"
    )
    avg_order_value = models.DecimalField(
        **MONEY, null=True, db_comment="total_revenue / completed_orders; NULL without any"
    )
    first_order_at = models.DateTimeField(null=True, db_comment="created_at of the first order")
    last_order_at = models.DateTimeField(null=True, db_comment="created_at of the newest order")
    revenue_rank = models.BigIntegerField(
        db_comment="DENSE_RANK by total_revenue, highest first; order ties by customer_id"
    )

    class Meta:
        managed = False
        db_table = f"{SCHEMA}.customer_stats"
        db_table_comment = (
            "One row per customer: order counts by current status and revenue from Complete "
            "orders. Kept current by refresh_reports; freshness in reports.freshness."
        )


class ProductSales(ReportView):
    sql = read_sql("reports", "view_product_sales.sql")

    sku = models.CharField(max_length=50, primary_key=True, db_comment="product SKU")
    name = models.CharField(max_length=255, db_comment="product name on its newest order line")
    units_sold = models.BigIntegerField(db_comment="units in Complete orders")
    revenue = models.DecimalField(**MONEY, db_comment="sum of quantity * price in Complete orders")
    orders_count = models.BigIntegerField(db_comment="Complete orders containing the product")
    revenue_rank = models.BigIntegerField(db_comment="DENSE_RANK by revenue; order ties by sku")
    units_rank = models.BigIntegerField(db_comment="DENSE_RANK by units_sold; order ties by sku")

    class Meta:
        managed = False
        db_table = f"{SCHEMA}.product_sales"
        db_table_comment = (
            "One row per SKU ever ordered: units, revenue and orders from Complete orders, "
            "with rankings."
        )


class AlsoBought(ReportView):
    stored = False  # the top 20 per sku of reports_data.also_bought_pair
    computed_from = "also_bought_pair"
    sql = read_sql("reports", "view_also_bought.sql")

    pk = models.CompositePrimaryKey("sku", "other_sku")
    sku = models.CharField(max_length=50, db_comment="the product bought")
    other_sku = models.CharField(max_length=50, db_comment="a product bought in the same order")
    other_name = models.CharField(
        max_length=255, db_comment="name of other_sku (its newest order line)"
    )
    orders_together = models.BigIntegerField(
        db_comment="non-cancelled orders of at most 50 distinct skus containing both products"
    )
    rank = models.BigIntegerField(
        db_comment="1 = most often bought together; ties by other_sku; at most 20"
    )

    class Meta:
        managed = False
        db_table = f"{SCHEMA}.also_bought"
        db_table_comment = (
            "Customers who bought sku also bought other_sku: the top 20 per sku over orders "
            "that are not Cancelled."
        )


class DailyOrderStats(ReportView):
    sql = read_sql("reports", "view_daily_order_stats.sql")

    day = models.DateField(primary_key=True, db_comment="UTC day on which the orders were created")
    orders_count = models.BigIntegerField(db_comment="orders created that day, any status")
    completed_orders = models.BigIntegerField(db_comment="of those, now Complete")
    cancelled_orders = models.BigIntegerField(db_comment="of those, now Cancelled")
    revenue = models.DecimalField(**MONEY, db_comment="total_amount of those now Complete")
    avg_order_value = models.DecimalField(
        **MONEY, null=True, db_comment="revenue / completed_orders; NULL without any"
    )

    class Meta:
        managed = False
        db_table = f"{SCHEMA}.daily_order_stats"
        db_table_comment = "One row per UTC day with orders: counts by current status and revenue."


class MonthlyRevenue(ReportView):
    stored = False  # rolled up from reports_data.daily_order_stats
    computed_from = "daily_order_stats"
    sql = read_sql("reports", "view_monthly_revenue.sql")

    month = models.DateField(primary_key=True, db_comment="first day of the UTC month")
    orders_count = models.BigIntegerField(db_comment="orders created in the month, any status")
    completed_orders = models.BigIntegerField(db_comment="of those, now Complete")
    cancelled_orders = models.BigIntegerField(db_comment="of those, now Cancelled")
    revenue = models.DecimalField(**MONEY, db_comment="total_amount of those now Complete")
    cumulative_revenue = models.DecimalField(
        max_digits=38, decimal_places=2, db_comment="running total of revenue up to this month"
    )

    class Meta:
        managed = False
        db_table = f"{SCHEMA}.monthly_revenue"
        db_table_comment = (
            "One row per UTC month with orders, rolled up from daily_order_stats, with the "
            "cumulative revenue."
        )


# The catalog's tables (catalog 0001), which the category views read.
CATALOG_TABLES = ("catalog_category", "catalog_product")


class CategorySales(NeedsTables, ReportView):
    requires_tables = ("catalog_category", "reports_data.category_sales")  # reports 0007
    sql = read_sql("reports", "view_category_sales.sql")

    pk = models.CompositePrimaryKey("category_id", "month")
    category_id = models.BigIntegerField(
        db_comment="catalog_category.id; 0: uncategorised (skus not in the catalog or without "
        "a category)"
    )
    category_key = models.CharField(  # noqa: DJ001 (a view: NULL is uncategorised)
        max_length=100, null=True, db_comment="the category's key; NULL for uncategorised"
    )
    category_name = models.CharField(max_length=200, db_comment="the category's name")
    parent_id = models.BigIntegerField(
        null=True, db_comment="the enclosing category (catalog_category.id); NULL: top level"
    )
    month = models.DateField(db_comment="first day of the UTC month the orders were created in")
    units_sold = models.BigIntegerField(
        db_comment="units of the category's products and its sub-categories' in Complete orders"
    )
    revenue = models.DecimalField(
        **MONEY, db_comment="sum of quantity * price (the price paid) of those lines"
    )
    orders_count = models.BigIntegerField(
        db_comment="Complete orders with at least one of those lines (once per order)"
    )

    class Meta:
        managed = False
        db_table = f"{SCHEMA}.category_sales"
        db_table_comment = (
            "Revenue, units and orders of Complete orders per category and UTC month, each "
            "category counting its sub-categories at every depth; category_id 0 holds the lines "
            "whose sku has no category. Categories as they are now."
        )


class StatusCounts(ReportView):
    sql = read_sql("reports", "view_status_counts.sql")

    status = models.CharField(
        max_length=20, primary_key=True, db_comment="Pending, Complete or Cancelled"
    )
    orders_count = models.BigIntegerField(db_comment="orders whose current status this is")

    class Meta:
        managed = False
        db_table = f"{SCHEMA}.status_counts"
        db_table_comment = (
            "Orders per current status (every status, zero included). Also the count of "
            "/api/v1/orders/cancelled/."
        )


CUSTOMER_VALUE_TABLES = (
    f"{DATA_SCHEMA}.customer_value_prediction",
    f"{DATA_SCHEMA}.customer_value_model",
)


class CustomerValue(NeedsTables, ReportView):
    requires_tables = CUSTOMER_VALUE_TABLES  # reports 0008
    stored_as = "customer_stats"  # computed on read, one row per stored customer
    sql = read_sql("reports", "view_customer_value.sql")

    customer_id = models.BigIntegerField(primary_key=True, db_comment="orders_customer.id")
    username = models.CharField(max_length=50, db_comment="the customer's username (API: user)")
    first_order_at = models.DateTimeField(
        null=True, db_comment="exact: created_at of the first order, any status; NULL without"
    )
    last_order_at = models.DateTimeField(
        null=True, db_comment="exact: created_at of the newest order, any status"
    )
    tenure_days = models.IntegerField(
        null=True, db_comment="exact: whole days from first_order_at to as_of (reports.freshness)"
    )
    days_since_last_order = models.IntegerField(
        null=True, db_comment="exact: whole days from last_order_at to as_of (recency)"
    )
    orders_count = models.BigIntegerField(db_comment="exact: orders of this customer, any status")
    completed_orders = models.BigIntegerField(
        db_comment="exact: orders whose current status is Complete (the ones that count)"
    )
    total_revenue = models.DecimalField(
        **MONEY,
        db_comment="exact: lifetime revenue, sum of total_amount over the Complete orders only "
        "(cancelled and pending orders bring nothing); 0 when none",
    )
    avg_order_value = models.DecimalField(
        **MONEY, null=True, db_comment="exact: total_revenue / completed_orders; NULL without any"
    )
    purchase_frequency = models.DecimalField(
        max_digits=20,
        decimal_places=4,
        null=True,
        db_comment="exact: Complete orders per 30 days of tenure (a tenure under 30 days counts "
        "as 30); NULL without orders",
    )
    predicted_orders = models.DecimalField(
        max_digits=20,
        decimal_places=4,
        null=True,
        db_comment="model (BG/NBD): expected Complete orders in the next predicted_horizon_days; "
        "NULL until fit_clv has run, or for a customer newer than the fit",
    )
    predicted_probability_alive = models.DecimalField(
        max_digits=6,
        decimal_places=5,
        null=True,
        db_comment="model (BG/NBD): probability the customer is still active at the fit",
    )
    predicted_value = models.DecimalField(
        **MONEY,
        null=True,
        db_comment="model (BG/NBD with Gamma-Gamma): expected revenue of the next "
        "predicted_horizon_days, not discounted",
    )
    predicted_horizon_days = models.IntegerField(
        null=True, db_comment="model: the horizon the predicted_* columns cover, in days"
    )
    predicted_at = models.DateTimeField(null=True, db_comment="model: when fit_clv fitted it")
    predicted_inputs_as_of = models.DateTimeField(
        null=True, db_comment="model: the as_of of the customer_stats the fit read"
    )

    class Meta:
        managed = False
        db_table = f"{SCHEMA}.customer_value"
        db_table_comment = (
            "One row per customer: lifetime value. Columns marked exact are computed on read "
            "from customer_stats (revenue from Complete orders); columns marked model come from "
            "the last fit_clv run (BG/NBD with Gamma-Gamma, pymc-marketing)."
        )


class CohortMonth(NeedsTables, ReportView):
    requires_tables = (f"{DATA_SCHEMA}.cohort_month",)  # reports 0009
    sql = read_sql("reports", "view_cohort_month.sql")

    pk = models.CompositePrimaryKey("cohort", "month")
    cohort = models.DateField(
        db_comment="first day of the UTC month of the customers' first order (any status)"
    )
    month = models.DateField(
        db_comment="first day of a UTC month, from the cohort's on, in which some ordered"
    )
    months_since = models.IntegerField(db_comment="months from cohort to month (0: the first)")
    cohort_customers = models.BigIntegerField(db_comment="customers in the cohort (its size)")
    customers = models.BigIntegerField(
        db_comment="of those, the customers who placed an order in month (any status)"
    )
    retention = models.DecimalField(
        max_digits=7, decimal_places=4, db_comment="customers / cohort_customers (1 at month 0)"
    )
    orders = models.BigIntegerField(db_comment="orders they placed in month, any status")
    revenue = models.DecimalField(
        **MONEY, db_comment="total_amount of those orders now Complete (what they spent)"
    )

    class Meta:
        managed = False
        db_table = f"{SCHEMA}.cohort_month"
        db_table_comment = (
            "The retention matrix: customers by the month of their first order, and for each "
            "later month how many ordered again and what they spent. Kept by refresh_reports."
        )


class Freshness(pg.ReadOnlyView):
    """reports.freshness: how current the reports are, readable by BI users."""

    sql = read_sql("reports", "view_freshness.sql")

    as_of = models.DateTimeField(
        primary_key=True,
        db_comment="every write committed before this is in the reports; NULL: never built",
    )
    pending_changes = models.BigIntegerField(
        db_comment="committed changes (orders and customers touched) not yet applied"
    )
    oldest_pending_at = models.DateTimeField(
        null=True, db_comment="when the oldest change not yet applied was written"
    )
    lag = models.DurationField(db_comment="now - oldest_pending_at; 0 when nothing is pending")
    rebuild_required = models.BooleanField(
        db_comment="true when only refresh_reports --full can bring the reports up to date"
    )
    stale_after = models.DurationField(db_comment="the lag beyond which the reports are stale")
    stale = models.BooleanField(
        db_comment="never built, a rebuild is due, or the lag exceeds stale_after"
    )

    class Meta:
        managed = False
        db_table = f"{SCHEMA}.freshness"
        db_table_comment = (
            "One row: how current every report in this schema is (they are applied together)."
        )


# The definitions' money in the base currency (reports 0012: reports_definition.order_base and
# order_line_base, over the orders and the exchange rates).
ORDER_BASE = (f"{DEFINITION_SCHEMA}.order_base",)


class Definition(pg.ReadOnlyView):
    """A report's definition: one SQL view over the orders tables in `reports_definition`."""

    class Meta:
        abstract = True
        managed = False


class CustomerStatsDefinition(NeedsTables, Definition):
    requires_tables = ORDER_BASE
    sql = read_sql("reports", "definition_customer_stats.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.customer_stats"


class CustomerMonthDefinition(NeedsTables, Definition):
    requires_tables = ORDER_BASE
    sql = read_sql("reports", "definition_customer_month.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.customer_month"


class CohortMonthDefinition(Definition):
    dependencies = ["reports.CustomerMonthDefinition"]
    sql = read_sql("reports", "definition_cohort_month.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.cohort_month"


class CustomerValueDefinition(NeedsTables, Definition):
    requires_tables = CUSTOMER_VALUE_TABLES
    dependencies = ["reports.CustomerStatsDefinition"]
    sql = read_sql("reports", "definition_customer_value.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.customer_value"


class ProductSalesDefinition(NeedsTables, Definition):
    requires_tables = ORDER_BASE
    sql = read_sql("reports", "definition_product_sales.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.product_sales"


class AlsoBoughtBasketDefinition(Definition):
    sql = read_sql("reports", "definition_also_bought_basket.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.also_bought_basket"


class AlsoBoughtPairDefinition(Definition):
    dependencies = ["reports.AlsoBoughtBasketDefinition"]
    sql = read_sql("reports", "definition_also_bought_pair.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.also_bought_pair"


class AlsoBoughtDefinition(Definition):
    dependencies = ["reports.AlsoBoughtPairDefinition", "reports.ProductSalesDefinition"]
    sql = read_sql("reports", "definition_also_bought.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.also_bought"


class DailyOrderStatsDefinition(NeedsTables, Definition):
    requires_tables = ORDER_BASE
    sql = read_sql("reports", "definition_daily_order_stats.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.daily_order_stats"


class MonthlyRevenueDefinition(Definition):
    dependencies = ["reports.DailyOrderStatsDefinition"]
    sql = read_sql("reports", "definition_monthly_revenue.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.monthly_revenue"


class StatusCountsDefinition(Definition):
    sql = read_sql("reports", "definition_status_counts.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.status_counts"


class OrderContributionDefinition(NeedsTables, Definition):
    requires_tables = ORDER_BASE
    sql = read_sql("reports", "definition_order_contribution.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.order_contribution"


class StoredCustomerStats(models.Model):
    """reports_data.customer_stats as the ORM sees it, read only: what
    `Customer.objects.top_spenders()` joins (customer.stored_stats). The table is made by
    reports 0002 and kept by refresh_reports; reports.customer_stats is its BI view."""

    customer = models.OneToOneField(
        "orders.Customer",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="stored_stats",
    )
    completed_orders = models.BigIntegerField()
    total_revenue = models.DecimalField(**MONEY)
    last_order_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = f'{DATA_SCHEMA}"."customer_stats'

    def __str__(self) -> str:
        return f"customer {self.customer_id}: {self.total_revenue}"


class CategoryTreeAppliedDefinition(NeedsTables, Definition):
    requires_tables = CATALOG_TABLES
    sql = read_sql("reports", "definition_category_tree_applied.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.category_tree_applied"


class CategoryProductAppliedDefinition(NeedsTables, Definition):
    requires_tables = CATALOG_TABLES
    sql = read_sql("reports", "definition_category_product_applied.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.category_product_applied"


class CategorySalesDefinition(NeedsTables, Definition):
    requires_tables = (*CATALOG_TABLES, *ORDER_BASE)
    dependencies = ["reports.CategoryTreeAppliedDefinition"]
    sql = read_sql("reports", "definition_category_sales.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.category_sales"


class RefreshLog(models.Model):
    view = models.CharField(
        max_length=63, db_comment="'incremental' (pending changes applied) or 'full' (rebuild)"
    )
    started_at = models.DateTimeField(db_comment="when the refresh began")
    finished_at = models.DateTimeField(
        null=True, blank=True, db_comment="NULL: the refresh never finished (process died)"
    )
    duration_ms = models.IntegerField(null=True, blank=True, db_comment="wall time of the refresh")
    rows = models.BigIntegerField(
        null=True, blank=True, db_comment="orders whose contribution changed (full: every order)"
    )
    ok = models.BooleanField(default=False, db_comment="true once the refresh committed")
    error = models.TextField(blank=True, default="", db_comment="why it failed; empty when ok")
    watermark = models.BigIntegerField(
        null=True,
        blank=True,
        db_comment="change log rows consumed (orders and customers touched)",
    )

    class Meta:
        db_table = f'{DATA_SCHEMA}"."refresh_log'
        db_table_comment = "One row per refresh_reports run that had work, and per failure."
        indexes = [
            models.Index(fields=["view", "-started_at"], name="refresh_log_view_started_idx"),
        ]

    def __str__(self) -> str:
        state = "ok" if self.ok else "failed"
        return f"{self.view} {state} at {self.started_at:%Y-%m-%d %H:%M:%S}"


# The money reports live in their own module; importing it registers them with this app.
from reports.models_money import *  # noqa: E402, F403
