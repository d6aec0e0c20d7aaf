"""The catalog generateorders makes, and the items that name it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from catalog.models import Category, Product
from orders.generation import catalog_size
from orders.models import OrderItem

pytestmark = pytest.mark.django_db


def test_a_three_level_tree_of_200_categories_and_items_at_list_price():
    call_command("generateorders", orders=4000, seed=5, end="2026-01-01T00:00:00Z", products=3000)
    assert Category.objects.count() == 200
    levels = {
        "top": Category.objects.filter(parent__isnull=True).count(),
        "middle": Category.objects.filter(
            parent__parent__isnull=True, parent__isnull=False
        ).count(),
        "leaf": Category.objects.filter(children__isnull=True).count(),
    }
    assert levels == {"top": 8, "middle": 32, "leaf": 160}
    assert Product.objects.count() == 3000
    assert not Product.objects.filter(category__children__isnull=False).exists()  # leaves only
    # every item names a catalog product, at its list price
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM orders_orderitem AS i LEFT JOIN catalog_product AS p "
            "ON p.sku = i.sku AND p.price = i.price WHERE p.id IS NULL"
        )
        assert cursor.fetchone() == (0,)
    assert OrderItem.objects.exists()
    # a long tail: the most sold product is in many orders, most products in few or none
    per_sku = sorted(
        OrderItem.objects.values("sku").annotate(lines=Count("id")).values_list("lines", flat=True),
        reverse=True,
    )
    assert per_sku[0] > 20 * per_sku[len(per_sku) // 2]
    assert len(per_sku) < Product.objects.count()
    # a repeat adds nothing to the catalog
    call_command("generateorders", orders=10, seed=6, end="2026-01-01T00:00:00Z", products=3000)
    assert (Category.objects.count(), Product.objects.count()) == (200, 3000)


def test_the_catalog_scales_with_the_orders():
    assert [catalog_size(n) for n in (10, 1000, 200_000, 10_000_000)] == [
        200, 500, 100_000, 100_000
    ]  # fmt: skip


def test_prices_and_ratings_are_in_range():
    call_command("generateorders", orders=400, seed=5, end="2026-01-01T00:00:00Z")
    assert not Product.objects.filter(price__lt=2).exists()
    assert not Product.objects.filter(price__gt=2000).exists()
    assert not Product.objects.exclude(rating__isnull=True).filter(rating__lt=1).exists()
    assert Product.objects.filter(rating__isnull=True).exists()
