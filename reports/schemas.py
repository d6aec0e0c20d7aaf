"""The report endpoints' query strings and answers, each declared once, here.

Every answer read from a stored report carries `as_of`, the commit point it reflects. Each list
is a `.csv` operation that streams every row and a JSON page of it (`_json_list`).
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, create_model

from api.csv_stream import CsvLimit, Format
from api.types import (
    MAX_INTEGER,
    Day,
    Money,
    Month,
    Offset,
    Out,
    QueryText,
    invalid,
    page_size,
    text_of,
)
from currencies.types import ChannelName, CurrencyCode
from orders.models import OrderItem
from orders.schemas import EARLIEST_TIME

AsOf = Annotated[
    datetime.datetime | None,
    Field(description="the commit point the report reflects: every write before it is in"),
]
JsonOnly = Annotated[Literal["json"], Field(description="this answer has no CSV form")]
CUSTOMERS_DEFAULT, CUSTOMERS_MAX = 50, 500
PRODUCTS_DEFAULT, PRODUCTS_MAX = 10, 200
ALSO_BOUGHT_DEFAULT, ALSO_BOUGHT_MAX = 10, 20  # the pairs' index keeps the top 20 per sku
DAILY_DEFAULT_DAYS, DAILY_MAX_DAYS = 31, 366
EARLIEST_DAY = EARLIEST_TIME.date()  # no order is older (orders.schemas)
ERROR_BEFORE_ORDERS = "must not be before 2000-01 (no order is older)"


def _not_before_orders(value: datetime.date) -> datetime.date:
    if value < EARLIEST_DAY:
        raise invalid(ERROR_BEFORE_ORDERS)
    return value


# A range's ends: never before the oldest order; after the newest they are allowed ("this
# month" ends in the future) and select nothing there.
ReportDay = Annotated[Day, AfterValidator(_not_before_orders)]
ReportMonth = Annotated[Month, AfterValidator(_not_before_orders)]


def month_text(value: datetime.date | None) -> str | None:
    """YYYY-MM, zero-padded (strftime("%Y") writes the year 1 as "1")."""
    return None if value is None else f"{value.year:04d}-{value.month:02d}"


class StatsQuery(Schema):
    user: QueryText = Field(..., description="the customer's username")
    format: JsonOnly = "json"


class CustomerStats(Out):
    user: str
    orders_count: int
    total_revenue: Money
    avg_order_value: Money | None
    completed_orders: int
    cancelled_orders: int
    pending_orders: int
    first_order_at: datetime.datetime | None
    last_order_at: datetime.datetime | None
    revenue_rank: int
    as_of: AsOf


class RankingCsvQuery(Schema):
    offset: Offset
    limit: CsvLimit = None


LOYAL_MORE_THAN = 5  # seed 001: "customers with more than 5 completed orders"


class LoyalCsvQuery(Schema):
    offset: Offset
    more_than: int = Field(
        LOYAL_MORE_THAN,
        ge=0,
        le=MAX_INTEGER - 1,
        description="customers with strictly more than this many Complete orders "
        "(seed 001's question, more than 5, by default)",
    )
    min_completed_orders: int | None = Field(
        None,
        ge=1,
        le=MAX_INTEGER,
        # In the document only: pydantic's deprecated=True would warn on every read of it.
        json_schema_extra={"deprecated": True},
        description="deprecated: customers with at least this many Complete orders; "
        "min_completed_orders=N is more_than=N-1. Not together with more_than.",
    )
    limit: CsvLimit = None

    def at_least(self) -> int:
        """The fewest Complete orders a listed customer has."""
        if self.min_completed_orders is not None:
            return self.min_completed_orders
        return self.more_than + 1


class ProductCsvQuery(Schema):
    by: Literal["revenue", "units"] = "revenue"
    limit: CsvLimit = None


class AlsoBoughtCsvQuery(Schema):
    limit: page_size(default=ALSO_BOUGHT_DEFAULT, cap=ALSO_BOUGHT_MAX)


# A sku as the upload takes it (NFC, up to its length, no NUL or invisible characters): every
# sku a report shows can be asked for, and one that no upload could store is a 400.
Sku = text_of(OrderItem, "sku")


class ProductAlsoBoughtCsvQuery(AlsoBoughtCsvQuery):
    sku: Sku = Field(..., description="the product's sku, any text the upload accepts")


class MonthlyCsvQuery(Schema):
    first: ReportMonth | None = Field(
        None, alias="from", description="first month, YYYY-MM, from 2000-01"
    )
    last: ReportMonth | None = Field(
        None, alias="to", description="last month, YYYY-MM, from 2000-01"
    )


class ChannelCsvQuery(MonthlyCsvQuery):
    channel: ChannelName | None = Field(None, description="one sales channel (default: each)")


class CurrencyCsvQuery(MonthlyCsvQuery):
    currency: CurrencyCode | None = Field(
        None, description="one order currency, ISO 4217 (default: each)"
    )


class DailyCsvQuery(Schema):
    first: ReportDay | None = Field(
        None,
        alias="from",
        description="first UTC day, from 2000-01-01 (default: 30 days before to)",
    )
    last: ReportDay | None = Field(
        None,
        alias="to",
        description="last UTC day, from 2000-01-01 (default: the last with orders)",
    )


def _json_list(csv_query: type[Schema], *, limit: Any = None) -> type[Schema]:
    """The JSON list of a .csv query: a capped `limit` when paged, format=csv redirecting."""
    paged = {} if limit is None else {"limit": limit}
    name = csv_query.__name__.replace("Csv", "")
    return create_model(name, __base__=csv_query, **paged, format=(Format, "json"))


CUSTOMERS_PAGE = page_size(default=CUSTOMERS_DEFAULT, cap=CUSTOMERS_MAX)
PRODUCTS_PAGE = page_size(default=PRODUCTS_DEFAULT, cap=PRODUCTS_MAX)
RankingQuery = _json_list(RankingCsvQuery, limit=CUSTOMERS_PAGE)
LoyalQuery = _json_list(LoyalCsvQuery, limit=CUSTOMERS_PAGE)
ProductQuery = _json_list(ProductCsvQuery, limit=PRODUCTS_PAGE)
AlsoBoughtQuery = _json_list(AlsoBoughtCsvQuery)
ProductAlsoBoughtQuery = _json_list(ProductAlsoBoughtCsvQuery)
MonthlyQuery = _json_list(MonthlyCsvQuery)
ChannelQuery = _json_list(ChannelCsvQuery)
CurrencyQuery = _json_list(CurrencyCsvQuery)
DailyQuery = _json_list(DailyCsvQuery)


class DashboardQuery(Schema):
    """The dashboard's data (reports.dashboard): the API's types, so the same input gets the
    same 400. An absent `sku` or `user` is the top one."""

    first: ReportDay | None = Field(None, alias="from")
    last: ReportDay | None = Field(None, alias="to")
    sku: Sku | None = None
    user: QueryText | None = None
    cursor: str | None = None
    category: QueryText | None = None


class LoyalRow(Out):
    customer_id: int
    user: str
    completed_orders: int
    total_revenue: Money
    avg_order_value: Money | None
    orders_count: int
    revenue_rank: int
    last_order_at: datetime.datetime | None


class CustomerRow(LoyalRow):
    cancelled_orders: int
    pending_orders: int
    first_order_at: datetime.datetime | None


class ProductRow(Out):
    sku: str
    name: str
    units_sold: int
    revenue: Money
    orders_count: int
    revenue_rank: int
    units_rank: int


class AlsoBoughtRow(Out):
    rank: int
    sku: str
    name: str
    orders_together: int


class MonthlyRow(Out):
    month: str = Field(..., pattern=r"^\d{4}-\d{2}$")
    orders_count: int
    completed_orders: int
    cancelled_orders: int
    revenue: Money
    cumulative_revenue: Money


class ChannelRow(Out):
    month: str = Field(..., pattern=r"^\d{4}-\d{2}$")
    channel: str
    orders_count: int
    completed_orders: int
    cancelled_orders: int
    revenue: Money


class CurrencyRow(Out):
    month: str = Field(..., pattern=r"^\d{4}-\d{2}$")
    currency: str
    orders_count: int
    completed_orders: int
    revenue_original: Money = Field(..., description="in the row's currency")
    revenue: Money
    unconverted_orders: int = Field(..., description="orders waiting for a rate")
    unconverted_revenue_original: Money = Field(..., description="in the row's currency")


class DailyRow(Out):
    day: datetime.date
    orders_count: int
    completed_orders: int
    cancelled_orders: int
    revenue: Money
    avg_order_value: Money | None


class Report(Out):
    report: str = Field(..., description="the report (view in schema reports) it reads")
    as_of: AsOf


class RankingPage(Report):
    limit: int
    offset: int
    next: str | None = Field(..., description="the next page, when there is one")
    results: list[CustomerRow]


class LoyalPage(RankingPage):
    more_than: int = Field(..., description="every customer listed has more Complete orders")
    min_completed_orders: int = Field(
        ..., description="deprecated: more_than + 1, the fewest Complete orders listed"
    )
    results: list[LoyalRow]


class ProductPage(Report):
    by: str
    limit: int
    results: list[ProductRow]


class AlsoBoughtPage(Report):
    sku: str
    limit: int
    results: list[AlsoBoughtRow]


class MonthlyPage(Report):
    from_: str | None = Field(..., alias="from")
    to: str | None
    results: list[MonthlyRow]


BaseCurrency = Annotated[
    str,
    Field(
        description="the currency of every money column not named _original (REPORTS_BASE_CURRENCY)"
    ),
]


class ChannelPage(MonthlyPage):
    base_currency: BaseCurrency
    channel: str | None
    results: list[ChannelRow]


class CurrencyPage(MonthlyPage):
    base_currency: BaseCurrency
    currency: str | None
    results: list[CurrencyRow]


class DailyPage(Report):
    from_: datetime.date = Field(..., alias="from")
    to: datetime.date
    results: list[DailyRow]


class Freshness(Out):
    as_of: AsOf
    pending_changes: int = Field(..., description="committed changes not applied yet")
    oldest_pending_at: datetime.datetime | None
    lag_seconds: float = Field(
        ...,
        description="age of the oldest change not applied yet; read from a replica, at least "
        "its replay_lag_seconds",
    )
    replay_lag_seconds: float | None = Field(
        None,
        description="read from a streaming replica: how far its replay is behind the primary "
        "(0: it has replayed all it received); null when read from the primary",
    )
    rebuild_required: bool
    stale_after_seconds: float
    stale: bool = Field(
        ..., description="never built, a rebuild due, or lag_seconds > stale_after_seconds"
    )


class LastRefresh(Out):
    mode: str
    finished_at: datetime.datetime | None
    duration_ms: float | None
    orders_changed: int | None


class LastAttempt(Out):
    mode: str
    finished_at: datetime.datetime | None
    ok: bool
    error: str


class CatalogEntry(Out):
    name: str
    description: str | None
    as_of: AsOf
    rows: int = Field(..., description="the stored rows; an estimate when rows_exact is false")
    rows_exact: bool = Field(..., description="false above 100,000 rows (planner statistics)")
    pending_changes: int
    lag_seconds: float
    stale: bool
    endpoints: list[str]


class Catalog(Out):
    base_currency: BaseCurrency
    unconverted_orders: int = Field(
        ...,
        description="orders waiting for a rate: in no money sum until one on or before their "
        "day arrives (reports.revenue_by_currency)",
    )
    freshness: Freshness
    last_refresh: LastRefresh | None
    last_attempt: LastAttempt | None
    reports: list[CatalogEntry]


class CatalogQuery(Schema):
    format: JsonOnly = "json"
