"""The category report: rolled up to every ancestor, an uncategorised bucket, and catalog
changes (products moved, categories re-parented) applied incrementally."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from catalog.models import Category, Product
from orders.models import Customer, Status
from orders.services import ItemData, order_create, order_status_add
from reports.consistency import reports_check
from reports.refresh import reports_refresh

pytestmark = pytest.mark.django_db

JUNE = datetime.datetime(2025, 6, 10, tzinfo=datetime.UTC)
JULY = datetime.datetime(2025, 7, 10, tzinfo=datetime.UTC)


def differences() -> dict:
    return {name: keys for name, keys in reports_check().differences.items() if keys}


def report() -> dict[tuple[str | None, str], tuple]:
    """(category key, month) -> (units, revenue, orders), from the view BI reads."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT category_key, to_char(month, 'YYYY-MM'), units_sold, revenue, orders_count "
            "FROM reports.category_sales"
        )
        return {(key, month): tuple(rest) for key, month, *rest in cursor.fetchall()}


def sell(number: str, at: datetime.datetime, *lines: tuple[str, int]) -> None:
    customer, _ = Customer.objects.get_or_create(username="ann")
    order = order_create(
        customer=customer,
        order_number=number,
        created_at=at,
        total_amount=Decimal(sum(quantity for _, quantity in lines)),
        items=[ItemData(sku, sku, quantity, Decimal(1)) for sku, quantity in lines],
    )
    order_status_add(order=order, status=Status.COMPLETE, created=at)


@pytest.fixture
def shop() -> dict[str, Category]:
    """top > mid > leaf; other; products A (leaf), B (mid), C (no category); D not listed."""
    top = Category.objects.create(key="top", name="Top")
    mid = Category.objects.create(key="mid", name="Mid", parent=top)
    leaf = Category.objects.create(key="leaf", name="Leaf", parent=mid)
    other = Category.objects.create(key="other", name="Other")
    Product.objects.create(sku="A", name="A", price=1, category=leaf)
    Product.objects.create(sku="B", name="B", price=1, category=mid)
    Product.objects.create(sku="C", name="C", price=1)
    assert not reports_refresh().failed
    return {"top": top, "mid": mid, "leaf": leaf, "other": other}


def test_sales_roll_up_to_every_ancestor_and_unlisted_skus_are_uncategorised(shop):
    sell("1", JUNE, ("A", 2), ("B", 1))
    sell("2", JUNE, ("C", 1), ("D", 4))
    sell("3", JULY, ("A", 1))
    assert not reports_refresh().failed
    assert report() == {
        ("leaf", "2025-06"): (2, Decimal(2), 1),
        ("mid", "2025-06"): (3, Decimal(3), 1),  # A and B in one order: counted once
        ("top", "2025-06"): (3, Decimal(3), 1),
        (None, "2025-06"): (5, Decimal(5), 1),
        ("leaf", "2025-07"): (1, Decimal(1), 1),
        ("mid", "2025-07"): (1, Decimal(1), 1),
        ("top", "2025-07"): (1, Decimal(1), 1),
    }
    assert differences() == {}


def test_a_moved_product_and_a_re_parented_category_move_their_sales(shop):
    sell("1", JUNE, ("A", 2), ("B", 1))
    assert not reports_refresh().failed
    Product.objects.filter(sku="A").update(category=shop["other"])
    assert not reports_refresh().failed
    assert report() == {
        ("mid", "2025-06"): (1, Decimal(1), 1),
        ("top", "2025-06"): (1, Decimal(1), 1),
        ("other", "2025-06"): (2, Decimal(2), 1),
    }
    assert differences() == {}
    Category.objects.filter(key="mid").update(parent=shop["other"])
    assert not reports_refresh().failed
    assert report() == {
        ("mid", "2025-06"): (1, Decimal(1), 1),
        ("other", "2025-06"): (3, Decimal(3), 1),
    }
    assert differences() == {}
    Product.objects.filter(sku="B").delete()
    Product.objects.create(sku="D", name="D", price=1, category=shop["leaf"])
    sell("2", JULY, ("D", 1))
    assert not reports_refresh().failed
    assert report() == {
        (None, "2025-06"): (1, Decimal(1), 1),
        ("other", "2025-06"): (2, Decimal(2), 1),
        ("leaf", "2025-07"): (1, Decimal(1), 1),
        ("mid", "2025-07"): (1, Decimal(1), 1),
        ("other", "2025-07"): (1, Decimal(1), 1),
    }
    assert differences() == {}


def test_a_price_change_moves_nothing_and_logs_nothing(shop):
    Product.objects.update(price=2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_data.catalog_change")
        assert cursor.fetchone() == (0,)
