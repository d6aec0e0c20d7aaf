"""The report views as PostgreSQL sees them: schema, comments, columns."""

from __future__ import annotations

import pytest
from django.db import connection
from django_pgviews.models import ViewSyncer

from reports.models import SCHEMA, Freshness
from reports.schema import report_view_classes, reports_views_document_and_grant

pytestmark = pytest.mark.django_db


def catalog(statement: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def comments() -> dict[tuple[str, str], str | None]:
    """(view, column or '') -> its COMMENT, for every view in schema reports."""
    rows = catalog(
        "SELECT c.relname, '', obj_description(c.oid, 'pg_class') FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(schema)s "
        "AND c.relkind = 'v' "
        "UNION ALL "
        "SELECT c.relname, a.attname, col_description(c.oid, a.attnum) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "WHERE n.nspname = %(schema)s AND c.relkind = 'v'",
        {"schema": SCHEMA},
    )
    return {(view, column): comment for view, column, comment in rows}


# Every money column of the reports, in the base currency unless its name says _original.
MONEY_COLUMNS = {
    "category_sales": ["revenue"],
    "cohort_month": ["revenue"],
    "customer_stats": ["total_revenue", "avg_order_value"],
    "customer_value": ["total_revenue", "avg_order_value", "predicted_value"],
    "daily_order_stats": ["revenue", "avg_order_value"],
    "monthly_revenue": ["revenue", "cumulative_revenue"],
    "product_sales": ["revenue"],
    "revenue_by_channel": ["revenue"],
    "revenue_by_currency": ["revenue_original", "revenue", "unconverted_revenue_original"],
}


def expected_comments(base: str = "USD") -> dict[tuple[str, str], str]:
    """The models' comments; with money, the view says the base currency and so does each
    money column in it."""
    expected = {}
    for view in [*report_view_classes(), Freshness]:
        name = view._meta.db_table.split(".", 1)[1]
        money = MONEY_COLUMNS.get(name, [])
        expected[name, ""] = view._meta.db_table_comment
        if name == "revenue_by_currency":
            expected[name, ""] += (
                f" Money columns are in {base} (REPORTS_BASE_CURRENCY), except those named "
                "*_original, in the row's currency."
            )
        elif money:
            expected[name, ""] += f" Money columns are in {base} (REPORTS_BASE_CURRENCY)."
        for field in view._meta.concrete_fields:
            expected[name, field.column] = field.db_comment
            if field.column in money and not field.column.endswith("_original"):
                expected[name, field.column] += f" (in {base})"
    return expected


def test_every_view_and_column_carries_the_models_comment():
    assert comments() == expected_comments()
    assert all(expected_comments().values())


def test_the_comments_name_the_base_currency_it_is_set_to(settings):
    settings.REPORTS_BASE_CURRENCY = "EUR"
    reports_views_document_and_grant()
    eur = comments()
    assert eur == expected_comments("EUR")
    assert eur["revenue_by_channel", "revenue"].endswith("(in EUR)")
    assert eur["cohort_month", "retention"] == expected_comments()["cohort_month", "retention"]


def test_comments_come_back_after_migrate_re_creates_the_views():
    ViewSyncer().run(
        force=True, update=True, using="default", materialized_views_check_sql_changed=False
    )
    assert comments() == expected_comments()


def test_the_models_declare_the_views_columns():
    for view in report_view_classes():
        columns = catalog(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum",
            [view._meta.db_table],
        )
        assert [column for (column,) in columns] == [
            field.column for field in view._meta.concrete_fields
        ]
