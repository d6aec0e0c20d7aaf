"""The catalog endpoints: parse (the schemas), call one service or selector, answer.

Writing the catalog (products, categories, prices) needs a write key not bound to a customer:
the catalog is the marketplace's, not one customer's. Any key reads it.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status as Answer
from pydantic import Field

from api.auth import ApiKeyAuth, read_key
from api.errors import query_problem
from api.pagination import BadCursorError, key_cursor_decode, key_cursor_encode, page_url
from api.problems import FieldError, pointer
from api.types import page_size
from catalog.schemas import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    CatalogCategoryTree,
    CatalogIn,
    CatalogOut,
    CatalogPriceOperationPage,
    CatalogProductPage,
    CatalogProductQuery,
    PriceOperationIn,
    PriceOperationOut,
    catalog_problems,
    price_operation_problems,
)
from catalog.selectors import (
    FilterSyntaxError,
    ProductFilters,
    any_filter_parse,
    category_ids,
    category_tree,
    price_operation_page,
    product_page,
)
from catalog.services import actor_of_key, catalog_upsert, price_operation_apply

router = Router(tags=["catalog"])
catalog_key = ApiKeyAuth(write=True, all_customers=True)

ERROR_BAD_CURSOR = "is not a cursor from a next link of this endpoint"
ERROR_UNKNOWN_CATEGORY = "is not a category key"
ERROR_PRICE_RANGE = "must not be below price_min"


@router.post(
    "/catalog",
    response=CatalogOut,
    auth=catalog_key,
    operation_id="catalog_upload",
)
def catalog_upload(request: HttpRequest, catalog: CatalogIn):
    """Create or update categories (by `key`) and products (by `sku`), all or nothing.

    A repeat is an update, never a duplicate. A parent or category may be in the same body or
    already stored; a parent that would make a category its own ancestor is a 422 naming the
    cycle (`a → b → a`).
    """
    catalog_problems(catalog)
    return catalog_upsert(catalog=catalog)


def _cursor(value: str | None, *, kind: str, errors: list[FieldError]) -> str | None:
    if not value:  # an empty cursor starts from the top
        return None
    try:
        return key_cursor_decode(value, kind=kind)
    except BadCursorError:
        errors.append(FieldError(pointer("query", "cursor"), ERROR_BAD_CURSOR))
        return None


def _filters(query: CatalogProductQuery, errors: list[FieldError]) -> ProductFilters:
    ids = None
    if query.category is not None:
        ids = category_ids(key=query.category, subcategories=query.subcategories)
        if not ids:
            errors.append(FieldError(pointer("query", "category"), ERROR_UNKNOWN_CATEGORY))
    if None not in (query.price_min, query.price_max) and query.price_max < query.price_min:
        errors.append(FieldError(pointer("query", "price_max"), ERROR_PRICE_RANGE))
    any_of = None
    if query.any is not None:
        try:
            any_of = any_filter_parse(query.any)
        except FilterSyntaxError as error:
            errors.append(FieldError(pointer("query", "any"), str(error)))
    return ProductFilters(
        category_ids=ids,
        price_min=query.price_min,
        price_max=query.price_max,
        rating_min=query.rating_min,
        active=query.active,
        any=any_of,
    )


@router.get(
    "/catalog/products",
    response=CatalogProductPage,
    auth=read_key,
    operation_id="catalog_products",
)
def catalog_products(request: HttpRequest, query: Query[CatalogProductQuery]):
    """Seed 002: products by sku, filtered (every filter ANDed), in keyset pages.

    `?category=tea&price_max=500&any=price_lt:500,rating_gt:4` …; follow `next` for the next
    page, which costs the same at any depth.
    """
    errors: list[FieldError] = []
    after = _cursor(query.cursor, kind="sku", errors=errors)
    filters = _filters(query, errors)
    if errors:
        raise query_problem(errors)
    rows = product_page(filters=filters, after_sku=after, size=query.page_size + 1)
    more, rows = len(rows) > query.page_size, rows[: query.page_size]
    cursor = key_cursor_encode("sku", rows[-1]["sku"]) if more else None
    return {
        "next": page_url(request, cursor=cursor) if more else None,
        "next_cursor": cursor,
        "results": rows,
    }


@router.get(
    "/catalog/categories",
    response=CatalogCategoryTree,
    auth=read_key,
    operation_id="catalog_categories",
)
def catalog_categories(request: HttpRequest):
    """Every category as a tree, with its active products, own and with its sub-categories."""
    return category_tree()


@router.post(
    "/catalog/price-operations",
    response={201: PriceOperationOut},
    auth=catalog_key,
    operation_id="catalog_price_operation",
)
def catalog_price_operation(request: HttpRequest, operation: PriceOperationIn):
    """Seed 002 phase 3: a discount or a raise (`percent` or `amount`) of the products `skus`
    or of a `category` with its sub-categories, applied in the database in one UPDATE.

    Concurrent operations on the same products compose (two 10 % raises make 1.21 times the
    price). A price that would fall below zero, or a selection of no product, is a 422 and
    changes nothing.
    Every operation is recorded: `GET /api/catalog/price-operations`.
    """
    price_operation_problems(operation)
    result = price_operation_apply(operation=operation, actor=actor_of_key(request.auth.name))
    (row,) = price_operation_page(before_id=result["id"] + 1, size=1)
    return Answer(201, row)


class OperationsQuery(Schema):
    cursor: str | None = Field(None, description="a position from next_cursor; '' starts")
    page_size: page_size(default=DEFAULT_PAGE_SIZE, cap=MAX_PAGE_SIZE)


@router.get(
    "/catalog/price-operations",
    response=CatalogPriceOperationPage,
    auth=read_key,
    operation_id="catalog_price_operations",
)
def catalog_price_operations(request: HttpRequest, query: Query[OperationsQuery]):
    """The price operations, newest first: who, when, what, how many products."""
    errors: list[FieldError] = []
    before = _cursor(query.cursor, kind="operation", errors=errors)
    if before is not None and not (before.isascii() and before.isdigit() and len(before) < 19):
        errors.append(FieldError(pointer("query", "cursor"), ERROR_BAD_CURSOR))
    if errors:
        raise query_problem(errors)
    before_id = int(before) if before is not None else None
    rows = price_operation_page(before_id=before_id, size=query.page_size + 1)
    more, rows = len(rows) > query.page_size, rows[: query.page_size]
    cursor = key_cursor_encode("operation", rows[-1]["id"]) if more else None
    return {
        "next": page_url(request, cursor=cursor) if more else None,
        "next_cursor": cursor,
        "results": rows,
    }
