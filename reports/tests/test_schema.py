"""The views as PostgreSQL sees them: schema, unique indexes, comments, columns."""

from __future__ import annotations

import pytest
from django.db import connection
from django_pgviews.models import ViewSyncer

from reports.models import SCHEMA
from reports.schema import report_view_classes

pytestmark = pytest.mark.django_db


def catalog(statement: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def comments() -> dict[tuple[str, str], str | None]:
    """(view, column or '') -> its COMMENT, for every materialized view in schema reports."""
    rows = catalog(
        "SELECT c.relname, '', obj_description(c.oid, 'pg_class') FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %(schema)s "
        "AND c.relkind = 'm' "
        "UNION ALL "
        "SELECT c.relname, a.attname, col_description(c.oid, a.attnum) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "WHERE n.nspname = %(schema)s AND c.relkind = 'm'",
        {"schema": SCHEMA},
    )
    return {(view, column): comment for view, column, comment in rows}


def expected_comments() -> dict[tuple[str, str], str]:
    expected = {}
    for view in report_view_classes():
        expected[view.view_name(), ""] = view._meta.db_table_comment
        for field in view._meta.concrete_fields:
            expected[view.view_name(), field.column] = field.db_comment
    return expected


def test_every_view_and_column_carries_the_models_comment():
    assert comments() == expected_comments()
    assert all(expected_comments().values())


def test_comments_come_back_after_migrate_re_creates_the_views():
    ViewSyncer().run(
        force=True, update=True, using="default", materialized_views_check_sql_changed=False
    )
    assert comments() == expected_comments()


def test_each_view_has_a_unique_index_on_plain_columns_for_concurrent_refreshes():
    rows = catalog(
        "SELECT t.relname, array_agg(a.attname ORDER BY k.ord) FROM pg_index i "
        "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
        "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
        "WHERE n.nspname = %s AND t.relkind = 'm' AND i.indisunique "
        "AND i.indpred IS NULL AND i.indexprs IS NULL GROUP BY i.indexrelid, t.relname",
        [SCHEMA],
    )
    unique = {(view, tuple(columns)) for view, columns in rows}
    for view in report_view_classes():
        declared = tuple(column.strip() for column in view._concurrent_index.split(","))
        assert (view.view_name(), declared) in unique


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
