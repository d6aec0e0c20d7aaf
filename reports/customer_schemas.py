"""The customer reports' query strings and answers (reports.customer_api), each declared once."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema

from api.csv_stream import CsvLimit
from api.types import Money, Out, QueryText, page_size
from reports.schemas import AsOf, JsonOnly, _json_list

VALUE_DEFAULT, VALUE_MAX = 50, 500
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
