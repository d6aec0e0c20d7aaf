"""The reports: materialized views in the PostgreSQL schema `reports`, and their refresh log.

The views are django-pgviews-redux models: `migrate` creates each one (SQL in `reports/sql/`) with
its unique index, and re-creates it when its SQL changes. pgviews-redux puts a view in another
schema through an unquoted `db_table = "reports.<name>"`, which the Django ORM cannot query
(Django 5.2 has no schema support and would quote it as one name), so these models are
declarations: reads go through `reports.selectors` and its SQL files. `db_table_comment` and every
`db_comment` become the views' COMMENTs after each sync (`reports.schema`).

`RefreshLog` is an ordinary table; the ORM reaches it through the `'reports"."refresh_log'` form,
which pgviews-redux does not understand but Django does.
"""

from __future__ import annotations

from django.db import models
from django_pgviews import view as pg

from project.sqlfiles import read_sql

SCHEMA = "reports"
MONEY = {"max_digits": 16, "decimal_places": 2}


class ReportView(pg.ReadOnlyMaterializedView):
    """A report: read-only, refreshed CONCURRENTLY through the unique `concurrent_index`."""

    class Meta:
        abstract = True
        managed = False

    @classmethod
    def view_name(cls) -> str:
        return cls._meta.db_table.split(".", 1)[1]


class CustomerStats(ReportView):
    concurrent_index = "customer_id"
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
            "orders. Refreshed by refresh_reports; freshness in reports.refresh_log."
        )
        indexes = [
            models.Index(fields=["revenue_rank", "customer_id"], name="customer_stats_rank_idx"),
            models.Index(fields=["username"], name="customer_stats_username_idx"),
        ]


class ProductSales(ReportView):
    concurrent_index = "sku"
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
    concurrent_index = "sku, other_sku"
    dependencies = ["reports.ProductSales"]
    sql = read_sql("reports", "view_also_bought.sql")

    pk = models.CompositePrimaryKey("sku", "other_sku")
    sku = models.CharField(max_length=50, db_comment="the product bought")
    other_sku = models.CharField(max_length=50, db_comment="a product bought in the same order")
    other_name = models.CharField(
        max_length=255, db_comment="name of other_sku (from product_sales; '' if not there yet)"
    )
    orders_together = models.BigIntegerField(
        db_comment="non-cancelled orders containing both products"
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
        indexes = [models.Index(fields=["sku", "rank"], name="also_bought_sku_rank_idx")]


class DailyOrderStats(ReportView):
    concurrent_index = "day"
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
    concurrent_index = "month"
    dependencies = ["reports.DailyOrderStats"]
    sql = read_sql("reports", "view_monthly_revenue.sql")

    month = models.DateField(primary_key=True, db_comment="first day of the UTC month")
    orders_count = models.BigIntegerField(db_comment="orders created in the month, any status")
    completed_orders = models.BigIntegerField(db_comment="of those, now Complete")
    cancelled_orders = models.BigIntegerField(db_comment="of those, now Cancelled")
    revenue = models.DecimalField(**MONEY, db_comment="total_amount of those now Complete")
    cumulative_revenue = models.DecimalField(
        max_digits=18, decimal_places=2, db_comment="running total of revenue up to this month"
    )

    class Meta:
        managed = False
        db_table = f"{SCHEMA}.monthly_revenue"
        db_table_comment = (
            "One row per UTC month with orders, rolled up from daily_order_stats, with the "
            "cumulative revenue."
        )


class StatusCounts(ReportView):
    concurrent_index = "status"
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


class RefreshLog(models.Model):
    view = models.CharField(max_length=63, db_comment="materialized view name in schema reports")
    started_at = models.DateTimeField(db_comment="when the refresh began; the data is as of then")
    finished_at = models.DateTimeField(
        null=True, blank=True, db_comment="NULL: the refresh never finished (process died)"
    )
    duration_ms = models.IntegerField(null=True, blank=True, db_comment="wall time of the refresh")
    rows = models.BigIntegerField(null=True, blank=True, db_comment="rows in the view afterwards")
    ok = models.BooleanField(default=False, db_comment="true once the refresh committed")
    error = models.TextField(blank=True, default="", db_comment="why it failed; empty when ok")
    watermark = models.BigIntegerField(
        null=True,
        blank=True,
        db_comment="change counter of the source tables read before the refresh (--if-changed)",
    )

    class Meta:
        db_table = f'{SCHEMA}"."refresh_log'
        db_table_comment = "One row per refresh attempt of a reports view (refresh_reports)."
        indexes = [
            models.Index(fields=["view", "-started_at"], name="refresh_log_view_started_idx"),
        ]

    def __str__(self) -> str:
        state = "ok" if self.ok else "failed"
        return f"{self.view} {state} at {self.started_at:%Y-%m-%d %H:%M:%S}"
