"""The reader role's name (reports.roles): one per database, a plain and valid role name."""

from __future__ import annotations

import pytest

from reports.roles import MAX_IDENTIFIER_BYTES, SAFE_NAME, reader_role_name


@pytest.mark.parametrize(
    ("database", "role"),
    [
        ("orders", "reports_reader_orders"),
        ("test_h_role", "reports_reader_test_h_role"),
        ("orders_2026", "reports_reader_orders_2026"),
        ("a" * 48, "reports_reader_" + "a" * 48),  # 63 bytes: still the plain name
    ],
)
def test_a_plain_database_name_is_kept(database, role):
    assert reader_role_name(database) == role


@pytest.mark.parametrize(
    "databases",
    [
        ["Orders", "orders", "ORDERS"],  # PostgreSQL names are case-sensitive when quoted
        ["orders-eu", "orders.eu", "orders_eu", "orders eu"],
        ["a" * 49, "a" * 49 + "b", "a" * 60 + "c"],  # alike up to the cut
        ["commandes_été", "commandes_ete", "заказы", "訂單"],
        ['x"; DROP ROLE postgres; --', "x"],
    ],
)
def test_other_names_are_plain_truncated_and_told_apart_by_a_hash(databases):
    roles = [reader_role_name(database) for database in databases]
    assert len(set(roles)) == len(databases)
    for role in roles:
        assert SAFE_NAME.fullmatch(role)
        assert role.startswith("reports_reader_")
        assert len(role.encode()) <= MAX_IDENTIFIER_BYTES
    assert reader_role_name(databases[0]) == roles[0]  # the same name each time
