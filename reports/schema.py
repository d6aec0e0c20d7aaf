"""What a report view loses when pgviews-redux re-creates it: its COMMENTs and GRANTs.

pgviews-redux re-creates a view whose SQL changed at `migrate` (dropping it first when its
columns changed); the new view has neither the comments a BI tool shows nor the reader's SELECT.
This puts both back after each sync (`django_pgviews.signals.all_views_synced`, connected in
`ReportsConfig.ready`), for every view of schema `reports` (the reports and `freshness`).

The comments are the models' with the base currency said where there is money: a BI user reads
which currency a sum is in from the view itself (a changed REPORTS_BASE_CURRENCY shows at the
next `migrate`).
"""

from __future__ import annotations

from django.apps import apps
from django.db import connections, models
from psycopg import sql

from currencies.conf import base_currency
from reports.models import MONEY, SCHEMA, Freshness, ReportView
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


# A money column in the order's own currency, not the base currency (revenue_by_currency).
ORIGINAL_SUFFIX = "_original"
VIEW_MONEY_NOTE = "Money columns are in {currency} (REPORTS_BASE_CURRENCY)."
VIEW_MONEY_NOTE_WITH_ORIGINAL = (
    "Money columns are in {currency} (REPORTS_BASE_CURRENCY), except those named *_original, "
    "in the row's currency."
)
COLUMN_MONEY_NOTE = "(in {currency})"
MONEY_SHAPE = (MONEY["max_digits"], MONEY["decimal_places"])


def is_money(field: models.Field) -> bool:
    """An amount (reports.models.MONEY), not a ratio or a count that happens to be decimal."""
    shape = (getattr(field, "max_digits", None), getattr(field, "decimal_places", None))
    return isinstance(field, models.DecimalField) and shape == MONEY_SHAPE


def view_comment(view) -> str:
    """The model's table comment, and for a report with money, the currency it is in."""
    money = [field.column for field in view._meta.concrete_fields if is_money(field)]
    if not money:
        return view._meta.db_table_comment
    original = any(column.endswith(ORIGINAL_SUFFIX) for column in money)
    note = VIEW_MONEY_NOTE_WITH_ORIGINAL if original else VIEW_MONEY_NOTE
    return f"{view._meta.db_table_comment} {note.format(currency=base_currency())}"


def column_comment(field: models.Field) -> str:
    """The field's comment; a money column in the base currency says which it is."""
    if not is_money(field) or field.column.endswith(ORIGINAL_SUFFIX):
        return field.db_comment
    return f"{field.db_comment} {COLUMN_MONEY_NOTE.format(currency=base_currency())}"


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
            if cursor.fetchone()[0]:  # its tables come with a later migration (NeedsTables)
                continue
            cursor.execute(
                sql.SQL("COMMENT ON VIEW {} IS %s").format(name),
                [view_comment(view)],
            )
            for field in view._meta.concrete_fields:
                cursor.execute(
                    sql.SQL("COMMENT ON COLUMN {}.{} IS %s").format(
                        name, sql.Identifier(field.column)
                    ),
                    [column_comment(field)],
                )
            cursor.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(name, reader))


def reports_views_after_sync(sender, *, using: str, **kwargs) -> None:
    reports_views_document_and_grant(using=using)
