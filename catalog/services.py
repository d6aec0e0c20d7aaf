"""Writes to the catalog: the bulk upload and the price operations, each set-based and atomic.

A catalog upload is idempotent: categories by key and products by sku are inserted once and
updated after, a repeat changes nothing. Every check that can fail (unknown parents and
categories, a category cycle) runs before the first write, so a refused upload writes nothing;
the database refuses the same things again (foreign keys, CHECKs, the trigger
category_no_cycle) for writers that bypass this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import DataError, IntegrityError, connection, transaction

from api.errors import body_problem
from api.problems import FieldError, pointer
from catalog.schemas import CatalogIn, PriceOperationIn
from project.sqlfiles import run_sql

ERROR_UNKNOWN_CATEGORY = "is not a category key in this body or in the catalog"
ERROR_CYCLE = "would make a category its own ancestor: {path}"
ERROR_NO_SUCH_CATEGORY = "is not a category key in the catalog"
ERROR_UNKNOWN_SKU = "is not a product in the catalog"
ERROR_EMPTY_SELECTION = "selects no products; nothing changed"
ERROR_BELOW_ZERO = "would take at least one price below zero; nothing changed"
ERROR_TOO_LARGE = "would take at least one price above the largest price; nothing changed"
TREE_LOCK = "SELECT pg_advisory_xact_lock(hashtext('catalog_category_tree'))"


@dataclass(frozen=True)
class WriteCounts:
    received: int
    created: int
    updated: int

    def as_dict(self) -> dict[str, int]:
        unchanged = self.received - self.created - self.updated
        return {
            "received": self.received,
            "created": self.created,
            "updated": self.updated,
            "unchanged": unchanged,
        }


def _stored_categories(cursor, keys: set[str]) -> set[str]:
    cursor.execute("SELECT key FROM catalog_category WHERE key = ANY (%s)", [list(keys)])
    return {key for (key,) in cursor.fetchall()}


def _reference_problems(cursor, catalog: CatalogIn) -> list[FieldError]:
    """Parents and product categories that are neither in the body nor stored."""
    uploaded = {category.key for category in catalog.categories}
    references = [
        (pointer("categories", index, "parent"), category.parent)
        for index, category in enumerate(catalog.categories)
    ] + [
        (pointer("products", index, "category"), product.category)
        for index, product in enumerate(catalog.products)
    ]
    wanted = {key for _, key in references if key is not None and key not in uploaded}
    known = uploaded | _stored_categories(cursor, wanted)
    return [
        FieldError(where, ERROR_UNKNOWN_CATEGORY)
        for where, key in references
        if key is not None and key not in known
    ]


def _cycle_problem(cursor, catalog: CatalogIn) -> FieldError | None:
    keys = [category.key for category in catalog.categories]
    parents = [category.parent for category in catalog.categories]
    run_sql(cursor, "catalog", "category_cycle.sql", {"keys": keys, "parents": parents})
    row = cursor.fetchone()
    if row is None:
        return None
    path = row[0]
    cycle = path[path.index(path[-1]) :]
    index = min(keys.index(key) for key in cycle[:-1] if key in keys)
    return FieldError(
        pointer("categories", index, "parent"), ERROR_CYCLE.format(path=" → ".join(cycle))
    )


@transaction.atomic
def catalog_upsert(*, catalog: CatalogIn) -> dict[str, dict[str, int]]:
    """Create or update categories (by key) and products (by sku), all or nothing."""
    with connection.cursor() as cursor:
        if catalog.categories:  # one writer of the tree at a time (category_no_cycle.sql)
            cursor.execute(TREE_LOCK)
        errors = _reference_problems(cursor, catalog)
        if not errors and (cycle := _cycle_problem(cursor, catalog)) is not None:
            errors.append(cycle)
        if errors:
            raise body_problem(errors)
        categories = _categories_write(cursor, catalog)
        products = _products_write(cursor, catalog)
    return {"categories": categories.as_dict(), "products": products.as_dict()}


def _categories_write(cursor, catalog: CatalogIn) -> WriteCounts:
    entries = catalog.categories
    if not entries:
        return WriteCounts(0, 0, 0)
    keys = [entry.key for entry in entries]
    params = {"keys": keys, "names": [entry.name for entry in entries]}
    run_sql(cursor, "catalog", "category_upsert.sql", params)
    written = dict(cursor.fetchall())
    params = {"keys": keys, "parents": [entry.parent for entry in entries]}
    run_sql(cursor, "catalog", "category_parents.sql", params)
    reparented = {key for (key,) in cursor.fetchall()}
    created = {key for key, is_new in written.items() if is_new}
    updated = (set(written) | reparented) - created
    return WriteCounts(len(entries), len(created), len(updated))


def _products_write(cursor, catalog: CatalogIn) -> WriteCounts:
    entries = catalog.products
    if not entries:
        return WriteCounts(0, 0, 0)
    params = {
        "skus": [entry.sku for entry in entries],
        "names": [entry.name for entry in entries],
        "categories": [entry.category for entry in entries],
        "prices": [entry.price for entry in entries],
        "ratings": [entry.rating for entry in entries],
        "actives": [entry.active for entry in entries],
    }
    run_sql(cursor, "catalog", "product_upsert.sql", params)
    flags = [is_new for (is_new,) in cursor.fetchall()]
    created = sum(flags)
    return WriteCounts(len(entries), created, len(flags) - created)


def _factor_and_delta(operation: PriceOperationIn) -> tuple[Decimal, Decimal]:
    sign = -1 if operation.kind == "discount" else 1
    if operation.percent is not None:
        return 1 + sign * operation.percent / 100, Decimal(0)
    return Decimal(1), sign * operation.amount


def _selection_problems(cursor, operation: PriceOperationIn) -> list[FieldError]:
    if operation.category is not None:
        if not _stored_categories(cursor, {operation.category}):
            return [FieldError("/category", ERROR_NO_SUCH_CATEGORY)]
        return []
    cursor.execute("SELECT sku FROM catalog_product WHERE sku = ANY (%s)", [operation.skus])
    known = {sku for (sku,) in cursor.fetchall()}
    return [
        FieldError(pointer("skus", index), ERROR_UNKNOWN_SKU)
        for index, sku in enumerate(operation.skus)
        if sku not in known
    ]


def price_operation_apply(*, operation: PriceOperationIn, actor: str) -> dict:
    """Apply a discount or a raise in one UPDATE and record it; 422 and nothing changed when
    the selection is unknown or empty or a price would leave its range."""
    factor, delta = _factor_and_delta(operation)
    where = "/percent" if operation.percent is not None else "/amount"
    params = {
        "category": operation.category,
        "skus": operation.skus,
        "skus_json": None if operation.skus is None else json.dumps(operation.skus),
        "factor": factor,
        "delta": delta,
        "actor": actor,
        "kind": operation.kind,
        "percent": operation.percent,
        "amount": operation.amount,
    }
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if errors := _selection_problems(cursor, operation):
                raise body_problem(errors)
            run_sql(cursor, "catalog", "price_operation_apply.sql", params)
            operation_id, changed = cursor.fetchone()
            if not changed:
                selection = "/category" if operation.category is not None else "/skus"
                raise body_problem([FieldError(selection, ERROR_EMPTY_SELECTION)])
    except IntegrityError as error:
        if "product_price_non_negative" not in str(error):
            raise
        raise body_problem([FieldError(where, ERROR_BELOW_ZERO)]) from error
    except DataError as error:  # numeric field overflow
        raise body_problem([FieldError(where, ERROR_TOO_LARGE)]) from error
    return {"id": operation_id, "products_changed": changed}


def actor_of_key(name: str) -> str:
    return f"api key {name}"


def actor_of_user(username: str) -> str:
    return f"user {username}"
