"""Reads of the catalog: the filtered product list (keyset pages), the category tree, the
price operations. The filters are Django Q expressions (seed 002 phase 4)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q

from catalog.models import Category, PriceOperation, Product
from project.sqlfiles import run_sql

# `any=` conditions: field_op -> the lookup it means.
ANY_FIELDS = ("price", "rating")
ANY_OPERATORS = {"lt": "lt", "lte": "lte", "gt": "gt", "gte": "gte", "eq": "exact"}
ANY_MAX_CONDITIONS = 10
ERROR_ANY_SHAPE = (
    "condition {number} ({text!r}) is not field_op:value, e.g. price_lt:500 (fields: price, "
    "rating; operators: lt, lte, gt, gte, eq)"
)
ERROR_ANY_VALUE = "condition {number} ({text!r}): {value!r} is not a number"
ERROR_ANY_TOO_MANY = f"at most {ANY_MAX_CONDITIONS} conditions"
PRODUCT_FIELDS = ("sku", "name", "category__key", "price", "rating", "active", "updated_at")


class FilterSyntaxError(ValueError):
    pass


def any_filter_parse(text: str) -> Q:
    """`price_lt:500,rating_gt:4` -> Q(price__lt=500) | Q(rating__gt=4)."""
    conditions = [part.strip() for part in text.split(",")]
    if len(conditions) > ANY_MAX_CONDITIONS:
        raise FilterSyntaxError(ERROR_ANY_TOO_MANY)
    combined = Q()
    for number, condition in enumerate(conditions, start=1):
        name, colon, value = condition.partition(":")
        field, _, operator = name.strip().rpartition("_")
        if not colon or field not in ANY_FIELDS or operator not in ANY_OPERATORS:
            raise FilterSyntaxError(ERROR_ANY_SHAPE.format(number=number, text=condition))
        try:
            amount = Decimal(value.strip())
        except ArithmeticError:
            amount = None
        if amount is None or not amount.is_finite():
            detail = ERROR_ANY_VALUE.format(number=number, text=condition, value=value)
            raise FilterSyntaxError(detail)
        combined |= Q(**{f"{field}__{ANY_OPERATORS[operator]}": amount})
    return combined


def category_ids(*, key: str, subcategories: bool) -> list[int]:
    """The category's id, and with `subcategories` those of every category under it."""
    if not subcategories:
        return list(Category.objects.filter(key=key).values_list("id", flat=True))
    with connection.cursor() as cursor:
        run_sql(cursor, "catalog", "category_descendants.sql", {"key": key})
        return [pk for (pk,) in cursor.fetchall()]


@dataclass(frozen=True)
class ProductFilters:
    category_ids: list[int] | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    rating_min: Decimal | None = None
    active: bool | None = None
    any: Q | None = None


def product_page(*, filters: ProductFilters, after_sku: str | None, size: int) -> list[dict]:
    """Up to `size` products matching every filter, by sku, after `after_sku`."""
    products = Product.objects.all()
    if filters.category_ids is not None:
        products = products.filter(category_id__in=filters.category_ids)
    if filters.price_min is not None:
        products = products.filter(price__gte=filters.price_min)
    if filters.price_max is not None:
        products = products.filter(price__lte=filters.price_max)
    if filters.rating_min is not None:
        products = products.filter(rating__gte=filters.rating_min)
    if filters.active is not None:
        products = products.filter(active=filters.active)
    if filters.any is not None:
        products = products.filter(filters.any)
    if after_sku is not None:
        products = products.filter(sku__gt=after_sku)
    rows = products.order_by("sku").values(*PRODUCT_FIELDS)[:size]
    return [{**row, "category": row.pop("category__key")} for row in rows]


def category_tree() -> dict:
    """Every category as a tree, with its active products and those of its sub-categories."""
    categories = list(
        Category.objects.annotate(
            products_own=Count("products", filter=Q(products__active=True))
        ).values("id", "key", "name", "parent_id", "products_own")
    )
    children = defaultdict(list)
    for category in categories:
        children[category["parent_id"]].append(category)

    def node(category: dict) -> dict:
        below = [node(child) for child in sorted(children[category["id"]], key=_by_key)]
        return {
            "key": category["key"],
            "name": category["name"],
            "products": category["products_own"],
            "products_total": category["products_own"]
            + sum(child["products_total"] for child in below),
            "children": below,
        }

    uncategorised = Product.objects.active().filter(category__isnull=True).count()
    roots = [node(category) for category in sorted(children[None], key=_by_key)]
    return {"uncategorised_products": uncategorised, "categories": roots}


def _by_key(category: dict) -> str:
    return category["key"]


def price_operation_page(*, before_id: int | None, size: int) -> list[dict]:
    """Up to `size` price operations, newest first, before the operation `before_id`."""
    operations = PriceOperation.objects.order_by("-id")
    if before_id is not None:
        operations = operations.filter(id__lt=before_id)
    rows = operations.values(
        "id",
        "at",
        "actor",
        "kind",
        "percent",
        "amount",
        "category_key",
        "skus",
        "products_changed",
    )[:size]
    return [{**row, "category": row.pop("category_key") or None} for row in rows]
