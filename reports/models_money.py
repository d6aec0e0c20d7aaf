"""The money reports (docs/CURRENCIES.md): revenue per month by sales channel and by currency.

Declared beside reports.models (imported at its end); the same kinds of view: a report in
schema `reports` over its stored table, and its definition over the orders. Money columns are
in the base currency (settings.REPORTS_BASE_CURRENCY) unless their name says `_original`.
"""

from __future__ import annotations

from django.db import models

from project.sqlfiles import read_sql
from reports.models import (
    DATA_SCHEMA,
    DEFINITION_SCHEMA,
    MONEY,
    SCHEMA,
    Definition,
    NeedsTables,
    ReportView,
)

# reports 0012: the stored tables, and the definitions' money (order_base, order_line_base).
__all__ = [
    "RevenueByChannel",
    "RevenueByChannelDefinition",
    "RevenueByCurrency",
    "RevenueByCurrencyDefinition",
]

MONEY_TABLES = (
    f"{DATA_SCHEMA}.revenue_by_channel",
    f"{DATA_SCHEMA}.revenue_by_currency",
    f"{DEFINITION_SCHEMA}.order_base",
)


class RevenueByChannel(NeedsTables, ReportView):
    requires_tables = MONEY_TABLES
    sql = read_sql("reports", "view_revenue_by_channel.sql")

    pk = models.CompositePrimaryKey("month", "channel")
    month = models.DateField(db_comment="first day of the UTC month the orders were created in")
    channel = models.CharField(
        max_length=20, db_comment="the orders' sales channel (settings.REPORTS_CHANNELS)"
    )
    orders_count = models.BigIntegerField(db_comment="orders of the month and channel, any status")
    completed_orders = models.BigIntegerField(db_comment="of those, now Complete")
    cancelled_orders = models.BigIntegerField(db_comment="of those, now Cancelled")
    revenue = models.DecimalField(
        **MONEY,
        db_comment="total_amount of those now Complete, in the base currency at each order's "
        "rate (unconverted orders add 0: see revenue_by_currency)",
    )

    class Meta:
        managed = False
        db_table = f"{SCHEMA}.revenue_by_channel"
        db_table_comment = (
            "One row per UTC month and sales channel with orders: counts by current status and "
            "revenue from Complete orders in the base currency. Kept by refresh_reports."
        )


class RevenueByCurrency(NeedsTables, ReportView):
    requires_tables = MONEY_TABLES
    sql = read_sql("reports", "view_revenue_by_currency.sql")

    pk = models.CompositePrimaryKey("month", "currency")
    month = models.DateField(db_comment="first day of the UTC month the orders were created in")
    currency = models.CharField(max_length=3, db_comment="the orders' currency (ISO 4217)")
    orders_count = models.BigIntegerField(db_comment="orders of the month in currency, any status")
    completed_orders = models.BigIntegerField(db_comment="of those, now Complete")
    revenue_original = models.DecimalField(
        **MONEY, db_comment="total_amount of those now Complete, in currency itself"
    )
    revenue = models.DecimalField(
        **MONEY,
        db_comment="the same in the base currency, each order at the latest rate on or before "
        "its UTC day; unconverted orders add 0",
    )
    unconverted_orders = models.BigIntegerField(
        db_comment="orders (any status) with no rate on or before their day yet: in no "
        "base-currency sum until one arrives"
    )
    unconverted_revenue_original = models.DecimalField(
        **MONEY, db_comment="total_amount of the unconverted Complete orders, in currency"
    )

    class Meta:
        managed = False
        db_table = f"{SCHEMA}.revenue_by_currency"
        db_table_comment = (
            "One row per UTC month and order currency: revenue from Complete orders in the "
            "currency and in the base currency, and the orders still waiting for a rate."
        )


class RevenueByChannelDefinition(NeedsTables, Definition):
    requires_tables = MONEY_TABLES
    sql = read_sql("reports", "definition_revenue_by_channel.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.revenue_by_channel"


class RevenueByCurrencyDefinition(NeedsTables, Definition):
    requires_tables = MONEY_TABLES
    sql = read_sql("reports", "definition_revenue_by_currency.sql")

    class Meta:
        managed = False
        db_table = f"{DEFINITION_SCHEMA}.revenue_by_currency"
