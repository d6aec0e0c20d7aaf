"""The category report endpoints: revenue by category and month, and the top products of a
category. JSON pages and CSV exports with `as_of`, as the other reports (reports.api)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from api.auth import all_customers_key
from api.csv_stream import (
    CSV_DOCUMENT,
    CSV_RESPONSE,
    REDIRECT_DOCUMENT,
    Format,
    csv_redirect,
    csv_response,
)
from api.errors import query_problem
from api.problems import FieldError, Problem, pointer, problems
from api.types import Money, Out, QueryText, page_size
from project.replica import reports_db
from reports.category import category_exists, category_sales, category_top_products
from reports.schemas import AsOf, ReportMonth, month_text
from reports.selectors import ReportQuery, report_rows, report_stream, reports_as_of

router = Router(tags=["reports"])

ERROR_UNKNOWN_CATEGORY = "No category has the key {key!r}."
ERROR_RANGE_REVERSED = "must not be after to"
TOP_DEFAULT, TOP_MAX = 10, 200


class CategorySalesCsvQuery(Schema):
    category: QueryText | None = Field(
        None,
        description="a category key: that category and its direct sub-categories; absent: the "
        "top-level categories and the uncategorised bucket",
    )
    first: ReportMonth | None = Field(None, alias="from", description="first month, YYYY-MM")
    last: ReportMonth | None = Field(None, alias="to", description="last month, YYYY-MM")


class CategorySalesQuery(CategorySalesCsvQuery):
    format: Format = "json"


class CategorySalesRow(Out):
    category_key: str | None = Field(..., description="null: uncategorised")
    category_name: str
    parent_key: str | None
    month: str = Field(..., pattern=r"^\d{4}-\d{2}$")
    units_sold: int
    revenue: Money
    orders_count: int


class CategorySalesPage(Out):
    report: str
    as_of: AsOf
    category: str | None
    from_: str | None = Field(..., alias="from")
    to: str | None
    results: list[CategorySalesRow]


class CategoryTopCsvQuery(Schema):
    category: QueryText = Field(..., description="a category key (sub-categories included)")
    by: Literal["revenue", "units"] = "revenue"
    limit: page_size(default=TOP_DEFAULT, cap=TOP_MAX, description="products")


class CategoryTopQuery(CategoryTopCsvQuery):
    format: Format = "json"


class CategoryTopRow(Out):
    sku: str
    name: str
    category_key: str
    units_sold: int
    revenue: Money
    orders_count: int


class CategoryTopPage(Out):
    report: str
    as_of: AsOf
    category: str
    by: str
    limit: int
    results: list[CategoryTopRow]


def _sales(query: CategorySalesCsvQuery, request: HttpRequest) -> ReportQuery:
    if None not in (query.first, query.last) and query.first > query.last:
        raise query_problem([FieldError(pointer("query", "from"), ERROR_RANGE_REVERSED)])
    _known(request, query.category)
    return category_sales(key=query.category, first=query.first, last=query.last)


def _known(request: HttpRequest, key: str | None) -> None:
    if key is not None and not category_exists(key=key, using=reports_db(request)):
        raise Problem(404, ERROR_UNKNOWN_CATEGORY.format(key=key))


def _json(request: HttpRequest, query: ReportQuery, **echo) -> dict:
    using = reports_db(request)
    as_of = reports_as_of(using=using)  # before the rows, as reports.api does
    return {
        "report": query.view,
        "as_of": as_of,
        **echo,
        "results": report_rows(query, using=using),
    }


def _csv(request: HttpRequest, query: ReportQuery, filename: str):
    using = reports_db(request)
    as_of = reports_as_of(using=using)
    return csv_response(report_stream(query, using=using), filename=filename, as_of=as_of)


@router.get(
    "/reports/categories/sales",
    response={200: CategorySalesPage, 307: None},
    auth=all_customers_key,
    operation_id="category_sales",
    openapi_extra=problems(404, also=REDIRECT_DOCUMENT),
    by_alias=True,
)
def category_sales_page(request: HttpRequest, query: Query[CategorySalesQuery]):
    """Revenue, units and Complete orders by category and UTC month, each category counting
    its sub-categories; drill down with `category`. Lines whose sku has no category are the
    uncategorised bucket (category_key null)."""
    if query.format == "csv":
        return csv_redirect(request)
    selected = _sales(query, request)
    months = {"from": month_text(query.first), "to": month_text(query.last)}
    return _json(request, selected, category=query.category, **months)


@router.get(
    "/reports/categories/sales.csv",
    response=CSV_RESPONSE,
    auth=all_customers_key,
    operation_id="category_sales_csv",
    openapi_extra=problems(404, also=CSV_DOCUMENT),
)
def category_sales_csv(request: HttpRequest, query: Query[CategorySalesCsvQuery]):
    return _csv(request, _sales(query, request), "category_sales")


@router.get(
    "/reports/categories/top-products",
    response={200: CategoryTopPage, 307: None},
    auth=all_customers_key,
    operation_id="category_top_products",
    openapi_extra=problems(404, also=REDIRECT_DOCUMENT),
)
def category_top_products_page(request: HttpRequest, query: Query[CategoryTopQuery]):
    """The best-selling products (Complete orders) of a category and its sub-categories."""
    if query.format == "csv":
        return csv_redirect(request)
    _known(request, query.category)
    selected = category_top_products(
        key=query.category, by=query.by, limit=query.limit, using=reports_db(request)
    )
    return _json(request, selected, category=query.category, by=query.by, limit=query.limit)


@router.get(
    "/reports/categories/top-products.csv",
    response=CSV_RESPONSE,
    auth=all_customers_key,
    operation_id="category_top_products_csv",
    openapi_extra=problems(404, also=CSV_DOCUMENT),
)
def category_top_products_csv(request: HttpRequest, query: Query[CategoryTopCsvQuery]):
    _known(request, query.category)
    selected = category_top_products(
        key=query.category, by=query.by, limit=query.limit, using=reports_db(request)
    )
    return _csv(request, selected, f"category_top_products_by_{query.by}")
