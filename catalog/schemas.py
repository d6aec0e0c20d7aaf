"""The catalog endpoints' bodies, query strings and answers: each declared once, here.

Checks that compare entries (a key repeated) are `catalog_problems`; checks that need the
database (unknown parents, cycles) are the service's. Every one is a 422 with a pointer.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BaseModel, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticKnownError

from api.errors import body_problem
from api.problems import FieldError, pointer
from api.types import Money, Out, QueryText, invalid, money_of, page_size, present, text_of
from catalog.models import RATING_MAX, Category, PriceOperationKind, Product

MAX_CATEGORIES = 5_000
MAX_PRODUCTS = 10_000
MAX_SKUS = 10_000
MAX_PERCENT = Decimal(1000)
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 200
ERROR_REPEATED = "repeats the {what} of {other}"
ERROR_ONE_OF = "give exactly one of {names}"


def _rating(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise invalid("must be a number or null")
    rating = Decimal(value)
    if rating < 0:
        raise PydanticKnownError("greater_than_equal", {"ge": 0})
    if rating > RATING_MAX:
        raise PydanticKnownError("less_than_equal", {"le": RATING_MAX})
    if rating != rating.quantize(Decimal("0.01")):
        raise invalid("must have at most 2 decimal places")
    return rating.quantize(Decimal("0.01"))


Rating = Annotated[
    Decimal | None,
    BeforeValidator(_rating),
    WithJsonSchema({"type": ["number", "null"], "minimum": 0, "maximum": RATING_MAX}),
]


def _percent(value: Any) -> Decimal:
    if isinstance(present(value), bool) or not isinstance(value, int | Decimal):
        raise invalid("must be a number")
    percent = Decimal(value)
    if percent <= 0:
        raise invalid("must be greater than 0")
    if percent > MAX_PERCENT:
        raise PydanticKnownError("less_than_equal", {"le": MAX_PERCENT})
    if percent != percent.quantize(Decimal("0.001")):
        raise invalid("must have at most 3 decimal places")
    return percent


Percent = Annotated[
    Decimal,
    BeforeValidator(_percent),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": float(MAX_PERCENT)}),
]
CategoryKey = text_of(Category, "key")
Sku = text_of(Product, "sku")


class CategoryIn(BaseModel):
    key: CategoryKey = Field(..., description="stable key; a repeat updates the category")
    name: text_of(Category, "name", identifier=False)
    parent: CategoryKey | None = Field(
        None, description="key of the enclosing category (in this body or already stored)"
    )


class ProductIn(BaseModel):
    sku: Sku = Field(..., description="a repeat updates the product")
    name: text_of(Product, "name", identifier=False)
    category: CategoryKey | None = Field(None, description="a category key; null: none")
    price: money_of(Product, "price")
    rating: Rating = None
    active: bool = True


class CatalogIn(BaseModel):
    categories: list[CategoryIn] = Field([], max_length=MAX_CATEGORIES)
    products: list[ProductIn] = Field([], max_length=MAX_PRODUCTS)


class CatalogWriteCounts(Out):
    received: int
    created: int
    updated: int
    unchanged: int


class CatalogOut(Out):
    categories: CatalogWriteCounts
    products: CatalogWriteCounts


def catalog_problems(catalog: CatalogIn) -> None:
    """Problem(422) for keys or skus repeated within the body."""
    errors: list[FieldError] = []
    for collection, field, entries in (
        ("categories", "key", catalog.categories),
        ("products", "sku", catalog.products),
    ):
        first_seen: dict[str, str] = {}
        for index, entry in enumerate(entries):
            where = pointer(collection, index, field)
            value = getattr(entry, field)
            if value in first_seen:
                errors.append(
                    FieldError(where, ERROR_REPEATED.format(what=field, other=first_seen[value]))
                )
            first_seen.setdefault(value, where)
    if errors:
        raise body_problem(errors)


class CatalogProductOut(Out):
    sku: str
    name: str
    category: str | None = Field(..., description="the category's key")
    price: Money
    rating: Money | None
    active: bool
    updated_at: datetime.datetime


class CatalogProductPage(Out):
    next: str | None = Field(..., description="the next page (keyset: same cost at any depth)")
    next_cursor: str | None
    results: list[CatalogProductOut]


ANY_DESCRIPTION = (
    "An OR of conditions, comma-separated, each `field_op:value`: fields `price` and `rating`, "
    "operators `lt`, `lte`, `gt`, `gte`, `eq`. Seed 002's `price < 500 OR rating > 4` is "
    "`any=price_lt:500,rating_gt:4`. A product with no rating matches no rating condition. "
    "ANDed with the other filters."
)


class CatalogProductQuery(Schema):
    category: QueryText | None = Field(None, description="a category key")
    subcategories: bool = Field(
        True, description="with category: include its sub-categories at every depth"
    )
    price_min: Decimal | None = Field(None, ge=0, description="price >= price_min")
    price_max: Decimal | None = Field(None, ge=0, description="price <= price_max")
    rating_min: Decimal | None = Field(None, ge=0, le=RATING_MAX, description="rating >= it")
    active: bool | None = Field(None, description="true or false; absent: both")
    any: QueryText | None = Field(None, description=ANY_DESCRIPTION)
    cursor: str | None = Field(None, description="a position from next_cursor; '' starts")
    page_size: page_size(default=DEFAULT_PAGE_SIZE, cap=MAX_PAGE_SIZE)


class CatalogCategoryNode(Out):
    key: str
    name: str
    products: int = Field(..., description="active products in this category itself")
    products_total: int = Field(
        ..., description="active products in it and all of its sub-categories"
    )
    children: list[CatalogCategoryNode]


class CatalogCategoryTree(Out):
    uncategorised_products: int = Field(..., description="active products without a category")
    categories: list[CatalogCategoryNode]


class PriceOperationIn(BaseModel):
    kind: Literal["discount", "raise"] = Field(
        ..., description="discount lowers prices, raise increases them"
    )
    percent: Percent | None = Field(None, description="a percentage of each price")
    amount: money_of(Product, "price") | None = Field(
        None, description="an amount per product (the same for each)"
    )
    skus: list[Sku] | None = Field(None, min_length=1, max_length=MAX_SKUS)
    category: CategoryKey | None = Field(None, description="a category and its sub-categories")


def price_operation_problems(operation: PriceOperationIn) -> None:
    errors: list[FieldError] = []
    if (operation.percent is None) == (operation.amount is None):
        errors.append(FieldError("/percent", ERROR_ONE_OF.format(names="percent, amount")))
    if (operation.skus is None) == (operation.category is None):
        errors.append(FieldError("/skus", ERROR_ONE_OF.format(names="skus, category")))
    if errors:
        raise body_problem(errors)


class PriceOperationOut(Out):
    id: int
    at: datetime.datetime
    actor: str
    kind: PriceOperationKind
    percent: Money | None
    amount: Money | None
    category: str | None = Field(..., description="the category key selected")
    skus: list[str] | None
    products_changed: int


class CatalogPriceOperationPage(Out):
    next: str | None
    next_cursor: str | None
    results: list[PriceOperationOut]
