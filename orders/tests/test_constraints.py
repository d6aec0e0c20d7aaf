from __future__ import annotations

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from psycopg import sql

from orders.tests.factories import make_order

pytestmark = pytest.mark.django_db


def assert_database_rejects(statement, params: list, error=IntegrityError) -> None:
    """The row is refused by PostgreSQL itself, not by Python validation."""
    with pytest.raises(error), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def update_column(table: str, column: str, key: str) -> sql.Composed:
    return sql.SQL("UPDATE {} SET {} = %s WHERE {} = %s").format(
        sql.Identifier(table), sql.Identifier(column), sql.Identifier(key)
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [("total_amount", -1), ("order_number", ""), ("current_status", "Shipped")],
)
def test_order_checks(column, value):
    order = make_order()
    assert_database_rejects(update_column("orders_order", column, "id"), [value, order.id])


def test_order_number_is_unique_and_bounded():
    order = make_order("A-1")
    assert_database_rejects(
        "INSERT INTO orders_order (order_number, customer_id, created_at, total_amount, "
        "currency, channel) VALUES (%s, %s, now(), 1, 'USD', 'online')",
        ["A-1", order.customer_id],
    )
    assert_database_rejects(
        "UPDATE orders_order SET order_number = %s WHERE id = %s", ["x" * 51, order.id], DataError
    )


@pytest.mark.parametrize(
    ("column", "value", "error"),
    [
        ("quantity", 0, IntegrityError),
        ("quantity", -3, IntegrityError),
        ("price", -0.01, IntegrityError),
        ("price", 10**8, DataError),
        ("sku", "", IntegrityError),
        ("sku", "s" * 51, DataError),
        ("name", "n" * 256, DataError),
    ],
)
def test_item_checks(column, value, error):
    order = make_order()
    assert_database_rejects(
        update_column("orders_orderitem", column, "order_id"), [value, order.id], error
    )


def test_status_history_accepts_only_known_statuses():
    order = make_order()
    assert_database_rejects(
        "INSERT INTO orders_orderstatus (order_id, status, created) VALUES (%s, %s, now())",
        [order.id, "Refunded"],
    )


def test_customer_username_checks():
    make_order(username="alice")
    assert_database_rejects("INSERT INTO orders_customer (username) VALUES (%s)", ["alice"])
    assert_database_rejects("INSERT INTO orders_customer (username) VALUES (%s)", [""])
    assert_database_rejects(
        "INSERT INTO orders_customer (username) VALUES (%s)", ["u" * 51], DataError
    )
