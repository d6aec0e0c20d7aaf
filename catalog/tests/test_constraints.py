"""What the database itself refuses, for writers that bypass catalog.services."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from catalog.models import Category, Product

pytestmark = pytest.mark.django_db


def assert_database_rejects(statement: str, params: list) -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.parametrize(
    ("column", "value"), [("price", -0.01), ("rating", 5.01), ("rating", -1), ("sku", "")]
)
def test_product_checks(column, value):
    Product.objects.create(sku="s1", name="S", price=1)
    assert_database_rejects(f"UPDATE catalog_product SET {column} = %s", [value])  # noqa: S608


def test_a_category_cannot_become_its_own_ancestor_in_the_database():
    a = Category.objects.create(key="a", name="A")
    b = Category.objects.create(key="b", name="B", parent=a)
    c = Category.objects.create(key="c", name="C", parent=b)
    assert_database_rejects(
        "UPDATE catalog_category SET parent_id = %s WHERE id = %s", [c.pk, a.pk]
    )
    assert_database_rejects("UPDATE catalog_category SET parent_id = id WHERE id = %s", [b.pk])
    # a statement moving several at once is checked as a whole
    assert_database_rejects(
        "UPDATE catalog_category SET parent_id = CASE id WHEN %s THEN %s ELSE parent_id END",
        [a.pk, c.pk],
    )
    Category.objects.filter(pk=c.pk).update(parent=a)  # a move that closes no cycle
    assert list(Category.objects.order_by("key").values_list("key", "parent__key")) == [
        ("a", None),
        ("b", "a"),
        ("c", "a"),
    ]


def test_a_category_with_products_or_children_cannot_be_deleted():
    parent = Category.objects.create(key="p", name="P")
    Category.objects.create(key="child", name="Child", parent=parent)
    # Django's foreign keys are checked at commit; IMMEDIATE checks this one now.
    delete = "SET CONSTRAINTS ALL IMMEDIATE; DELETE FROM catalog_category WHERE key = %s"
    assert_database_rejects(delete, ["p"])
