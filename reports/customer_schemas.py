"""The customer reports' query strings and answers (reports.customer_api), each declared once."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from api.csv_stream import CsvLimit
from api.types import MAX_INTEGER, Money, Out, QueryText, page_size
from currencies.types import ChannelOut, CurrencyOut
from reports.schemas import AsOf, JsonOnly, MonthlyCsvQuery, _json_list

VALUE_DEFAULT, VALUE_MAX = 50, 500
MAX_MONEY = Decimal("1e36") - Decimal("0.01")  # the widest stored sum (docs/DESIGN.md §6)
EXACT_PART = "exact: computed from the orders as of as_of (revenue counts Complete orders only)"
MODEL_PART = (
    "a model's prediction (BG/NBD with Gamma-Gamma, fitted by fit_clv), as of the fit's "
    "inputs_as_of; null before the first fit or for a customer newer than it"
)


class ValueQuery(Schema):
    user: QueryText = Field(..., description="the customer's username")
    format: JsonOnly = "json"


class ValueRankingCsvQuery(Schema):
    by: Literal["revenue", "predicted"] = Field(
        "revenue",
        description="revenue: every customer by lifetime revenue (exact); predicted: the "
        "customers of the last fit by predicted value (model)",
    )
    cursor: str | None = Field(None, description="a position from next_cursor; absent: the top")
    limit: CsvLimit = None


ValueRankingQuery = _json_list(
    ValueRankingCsvQuery, limit=page_size(default=VALUE_DEFAULT, cap=VALUE_MAX)
)


class ValueExact(Out):
    first_order_at: datetime.datetime | None
    last_order_at: datetime.datetime | None
    tenure_days: int | None = Field(..., description="whole days from the first order to as_of")
    days_since_last_order: int | None = Field(..., description="whole days to as_of")
    orders_count: int = Field(..., description="orders, any status")
    completed_orders: int
    total_revenue: Money = Field(..., description="total_amount of the Complete orders")
    avg_order_value: Money | None
    purchase_frequency: float | None = Field(
        ..., description="Complete orders per 30 days of tenure (at least 30 days)"
    )


class ValueModel(Out):
    model: str
    fitted_at: datetime.datetime
    inputs_as_of: datetime.datetime | None = Field(
        ..., description="the as_of of the customer statistics the fit read"
    )
    horizon_days: int = Field(..., description="the horizon of the predicted values")
    customers: int = Field(..., description="customers the model was fitted on")


class ValuePredicted(Out):
    expected_orders: float = Field(..., description="Complete orders expected in the horizon")
    probability_alive: float
    predicted_value: Money = Field(..., description="revenue expected in the horizon")
    model: ValueModel


class CustomerValue(Out):
    user: str
    exact: ValueExact = Field(..., description=EXACT_PART)
    predicted: ValuePredicted | None = Field(..., description=MODEL_PART)
    as_of: AsOf


class ValueRow(Out):
    customer_id: int
    user: str
    first_order_at: datetime.datetime | None
    last_order_at: datetime.datetime | None
    tenure_days: int | None
    days_since_last_order: int | None
    orders_count: int
    completed_orders: int
    total_revenue: Money
    avg_order_value: Money | None
    purchase_frequency: float | None
    predicted_orders: float | None = Field(..., description="model: " + MODEL_PART)
    predicted_probability_alive: float | None = Field(..., description="model")
    predicted_value: Money | None = Field(..., description="model")


class ValuePage(Out):
    report: str
    as_of: AsOf
    by: str
    limit: int
    exact: list[str] = Field(..., description="the columns that are exact (" + EXACT_PART + ")")
    predicted: ValueModel | None = Field(
        ..., description="the model behind the predicted_* columns; null before the first fit"
    )
    next: str | None = Field(..., description="the next page, when there is one")
    next_cursor: str | None
    results: list[ValueRow]


RECENT_DEFAULT, RECENT_MAX = 50, 500


class PremiumCsvQuery(Schema):
    more_than: Decimal = Field(
        ...,
        ge=0,
        le=MAX_MONEY,
        max_digits=38,
        decimal_places=2,
        description="customers whose Complete orders total strictly more than this",
    )
    cursor: str | None = Field(None, description="a position from next_cursor; absent: the top")
    limit: CsvLimit = None


class RecentOrdersCsvQuery(Schema):
    days: int = Field(30, ge=1, le=36_500, description="orders created in the last N days")
    more_than_items: int = Field(
        0, ge=0, le=MAX_INTEGER, description="orders with strictly more item lines than this"
    )
    cursor: str | None = Field(None, description="a position from next_cursor; absent: newest")
    limit: CsvLimit = None


class LastOrderCsvQuery(Schema):
    cursor: str | None = Field(None, description="a position from next_cursor; absent: first")
    limit: CsvLimit = None


PremiumQuery = _json_list(PremiumCsvQuery, limit=page_size(default=VALUE_DEFAULT, cap=VALUE_MAX))
RecentOrdersQuery = _json_list(
    RecentOrdersCsvQuery, limit=page_size(default=RECENT_DEFAULT, cap=RECENT_MAX)
)
LastOrderQuery = _json_list(
    LastOrderCsvQuery, limit=page_size(default=VALUE_DEFAULT, cap=VALUE_MAX)
)


class PremiumRow(Out):
    customer_id: int
    user: str
    total_revenue: Money
    completed_orders: int
    last_order_at: datetime.datetime | None


class RecentOrderRow(Out):
    order_id: int
    order_number: str
    user: str
    created_at: datetime.datetime
    status: str | None
    total_amount: Money
    currency: CurrencyOut
    channel: ChannelOut
    item_lines: int = Field(..., description="the order's item lines (OrderItem rows)")
    units: int = Field(..., description="their quantities summed")


class LastOrderRow(Out):
    customer_id: int
    user: str
    last_order_at: datetime.datetime | None = Field(..., description="null: no order yet")
    orders_count: int


class KeysetPage(Out):
    report: str
    limit: int
    next: str | None = Field(..., description="the next page, when there is one")
    next_cursor: str | None


class PremiumPage(KeysetPage):
    as_of: AsOf
    more_than: Money
    results: list[PremiumRow]


class RecentOrdersPage(KeysetPage):
    days: int
    more_than_items: int
    results: list[RecentOrderRow]


class LastOrderPage(KeysetPage):
    as_of: AsOf
    results: list[LastOrderRow]


class CohortsCsvQuery(MonthlyCsvQuery):
    """The cohorts (months of a first order) from `from` to `to`."""


CohortsQuery = _json_list(CohortsCsvQuery)


class CohortRow(Out):
    cohort: str = Field(..., description="YYYY-MM of the customers' first order (any status)")
    month: str = Field(..., description="YYYY-MM, from the cohort's on, in which some ordered")
    months_since: int
    cohort_customers: int = Field(..., description="the cohort's size")
    customers: int = Field(..., description="of them, those who ordered in month")
    retention: float = Field(..., description="customers / cohort_customers")
    orders: int = Field(..., description="their orders in month, any status")
    revenue: Money = Field(..., description="what they spent: those orders now Complete")


class CohortsPage(Out):
    report: str
    as_of: AsOf
    from_: str | None = Field(..., alias="from")
    to: str | None
    results: list[CohortRow]
