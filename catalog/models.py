"""The product catalog (seed 002): categories that nest, products with a list price and rating.

Order items are not tied to the catalog: an item keeps its own sku, name and price (the price
paid), an item whose sku is not in the catalog is accepted, and reports count it in the
"uncategorised" bucket (docs/CATALOG.md). A product's list price is what it costs today; the
price paid is on the order item.
"""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from orders.models import capture_triggers
from project.sqlfiles import read_sql

PRICE = {"max_digits": 12, "decimal_places": 2}
RATING = {"max_digits": 3, "decimal_places": 2}
RATING_MAX = 5

# Change capture for the category report (reports.category): every write statement that can
# move a product's sales to another category appends what it touched to
# reports_data.catalog_change, one INSERT per statement over its transition table. A price or
# a name changes no category: those updates log nothing. As orders.models' capture, it is off
# for a session that sets reports.capture = 'off', and a TRUNCATE marks the reports for a
# full rebuild.


def _capture(column: str, *, inserted: str, updated: str, deleted: str) -> list:
    """The statement triggers of one catalog table: `column` of the rows each write touched."""
    return capture_triggers(
        log="catalog_change", columns=column, inserted=inserted, updated=updated, deleted=deleted
    )


class Category(models.Model):
    key = models.SlugField(
        max_length=100,
        unique=True,
        db_comment="stable external key of the category, as uploads name it",
    )
    name = models.CharField(max_length=200, db_comment="display name")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        db_comment="the enclosing category; NULL for a top-level one. Never a cycle "
        "(trigger category_no_cycle)",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "categories"
        db_table_comment = "Product categories: a forest; reports roll up to every ancestor."
        constraints = [
            models.CheckConstraint(condition=~Q(key=""), name="category_key_not_empty"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="category_not_own_parent"),
        ]
        triggers = [
            pgtrigger.Trigger(
                name=f"category_no_cycle_on_{operation}",
                when=pgtrigger.After,
                operation=getattr(pgtrigger, operation.title()),
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(new="new_rows"),
                func=read_sql("catalog", "category_no_cycle.sql"),
            )
            for operation in ("insert", "update")
        ] + _capture(
            "category_id",
            inserted="SELECT id FROM new_rows",
            updated="SELECT id FROM (SELECT id, parent_id FROM new_rows "
            "EXCEPT SELECT id, parent_id FROM old_rows) AS changed",
            deleted="SELECT id FROM old_rows",
        )

    def __str__(self) -> str:
        return self.name


class ProductQuerySet(models.QuerySet):
    """Seed 002's custom managers, as chainable QuerySet methods."""

    def active(self) -> ProductQuerySet:
        return self.filter(active=True)

    def with_sales(self) -> ProductQuerySet:
        """Units sold and revenue (Complete orders) from the stored product_sales report:
        as fresh as the reports (reports.freshness), one index lookup per product."""
        return self.annotate(
            units_sold=Coalesce(
                RawSQL(
                    "SELECT s.units_sold FROM reports_data.product_sales AS s "
                    "WHERE s.sku = catalog_product.sku",
                    [],
                    output_field=models.BigIntegerField(),
                ),
                0,
            ),
            revenue=Coalesce(
                RawSQL(
                    "SELECT s.revenue FROM reports_data.product_sales AS s "
                    "WHERE s.sku = catalog_product.sku",
                    [],
                    output_field=models.DecimalField(max_digits=16, decimal_places=2),
                ),
                0,
                output_field=models.DecimalField(max_digits=16, decimal_places=2),
            ),
        )


class Product(models.Model):
    sku = models.CharField(
        max_length=50,
        db_comment="stock keeping unit; order items name products by it (orders_orderitem.sku)",
    )
    name = models.CharField(max_length=255, db_comment="display name")
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        db_index=False,  # product_category_sku_idx leads with it
        db_comment="NULL: uncategorised (reports count it in the uncategorised bucket)",
    )
    price = models.DecimalField(
        **PRICE,
        db_comment="list price today, >= 0; the price paid is orders_orderitem.price",
    )
    rating = models.DecimalField(**RATING, null=True, blank=True, db_comment="0 to 5; NULL: none")
    active = models.BooleanField(default=True, db_comment="false: no longer sold")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        db_table_comment = (
            "The product catalog. Order items keep their own sku, name and price; an item whose "
            "sku is not here is still accepted and reported as uncategorised."
        )
        # Few indexes: a price operation rewrites every index entry of each row it reprices.
        # The product list pages by sku (the unique index), within a category or a price range.
        # The sku is unique by a constraint, not unique=True, which would add a second index
        # (varchar_pattern_ops, for LIKE) that nothing here uses.
        indexes = [
            models.Index(fields=["category", "sku"], name="product_category_sku_idx"),
            models.Index(fields=["price", "sku"], name="product_price_sku_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["sku"], name="product_sku_unique"),
            models.CheckConstraint(condition=~Q(sku=""), name="product_sku_not_empty"),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_non_negative"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=0, rating__lte=RATING_MAX),
                name="product_rating_range",
            ),
        ]
        triggers = _capture(
            "sku",
            inserted="SELECT sku FROM new_rows",
            updated="SELECT sku FROM (SELECT id, sku, category_id FROM new_rows "
            "EXCEPT SELECT id, sku, category_id FROM old_rows) AS moved_in "
            "UNION SELECT sku FROM (SELECT id, sku, category_id FROM old_rows "
            "EXCEPT SELECT id, sku, category_id FROM new_rows) AS moved_out",
            deleted="SELECT sku FROM old_rows",
        )

    def __str__(self) -> str:
        return self.sku


class PriceOperationKind(models.TextChoices):
    DISCOUNT = "discount"
    RAISE = "raise"


class PriceOperation(models.Model):
    """One price change applied by one UPDATE (catalog.services.price_operation_apply)."""

    at = models.DateTimeField(db_comment="when it was applied (transaction time)")
    actor = models.CharField(max_length=200, db_comment="who: 'api key <name>' or 'user <name>'")
    kind = models.CharField(max_length=10, choices=PriceOperationKind.choices)
    percent = models.DecimalField(
        max_digits=7, decimal_places=3, null=True, blank=True, db_comment="percent, or NULL"
    )
    amount = models.DecimalField(
        **PRICE, null=True, blank=True, db_comment="an amount per product, or NULL"
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_comment="the category selected (with its sub-categories), or NULL",
    )
    category_key = models.CharField(max_length=100, blank=True, db_comment="its key at the time")
    skus = models.JSONField(null=True, blank=True, db_comment="the skus selected, or NULL")
    products_changed = models.PositiveIntegerField(db_comment="products whose price it set")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["-at", "-id"], name="priceoperation_recent_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in PriceOperationKind]),
                name="priceoperation_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(percent__isnull=False, amount__isnull=True)
                | Q(percent__isnull=True, amount__isnull=False),
                name="priceoperation_percent_or_amount",
            ),
        ]

    def __str__(self) -> str:
        change = f"{self.percent} %" if self.percent is not None else f"{self.amount}"
        return f"{self.kind} {change} on {self.products_changed} products"
