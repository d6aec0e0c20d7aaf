"""What a report view loses when pgviews-redux re-creates it: its COMMENTs and GRANTs.

pgviews-redux re-creates a view whose SQL changed at `migrate` (dropping it first when its
columns changed); the new view has neither the comments a BI tool shows nor the reader's SELECT.
This puts both back after each sync (`django_pgviews.signals.all_views_synced`, connected in
`ReportsConfig.ready`), for every view of schema `reports` (the reports and `freshness`).
"""

from __future__ import annotations

from django.apps import apps
from django.db import connections
from psycopg import sql

from reports.models import SCHEMA, Freshness, ReportView
from reports.roles import LEGACY_READER_ROLE, reader_role


def report_view_classes() -> list[type[ReportView]]:
    """Every report view, in a stable order (refresh order comes from `reports.refresh`)."""
    views = [
        model
        for model in apps.get_app_config("reports").get_models()
        if issubclass(model, ReportView)
    ]
    return sorted(views, key=lambda view: view.view_name())


def report_view_by_name() -> dict[str, type[ReportView]]:
    return {view.view_name(): view for view in report_view_classes()}


def _view_identifier(view) -> sql.Identifier:
    return sql.Identifier(SCHEMA, view._meta.db_table.split(".", 1)[1])


def _reader_role_in_place(cursor) -> str:
    """This database's reader role once reports.0005 made it (it can CONNECT here); the shared
    one while the database is migrated back to a state before that."""
    role = reader_role(cursor)
    cursor.execute(
        "SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = %s "
        "AND has_database_privilege(oid, current_database(), 'CONNECT'))",
        [role],
    )
    (exists,) = cursor.fetchone()
    return role if exists else LEGACY_READER_ROLE


def reports_views_document_and_grant(*, using: str = "default") -> None:
    """COMMENT ON every view and column from the models, and GRANT SELECT to the reader."""
    with connections[using].cursor() as cursor:
        reader = sql.Identifier(_reader_role_in_place(cursor))
        for view in [*report_view_classes(), Freshness]:
            name = _view_identifier(view)
            cursor.execute("SELECT to_regclass(%s) IS NULL", [view._meta.db_table])
            if cursor.fetchone()[0]:
                continue  # not synced in a database migrated back before its tables
            cursor.execute(
                sql.SQL("COMMENT ON VIEW {} IS %s").format(name),
                [view._meta.db_table_comment],
            )
            for field in view._meta.concrete_fields:
                cursor.execute(
                    sql.SQL("COMMENT ON COLUMN {}.{} IS %s").format(
                        name, sql.Identifier(field.column)
                    ),
                    [field.db_comment],
                )
            cursor.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(name, reader))


def reports_views_after_sync(sender, *, using: str, **kwargs) -> None:
    reports_views_document_and_grant(using=using)
