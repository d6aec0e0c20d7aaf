"""The exchange-rate endpoints' bodies, query strings and answers: each declared once, here.

A rate is what one unit of `currency` is worth in the base currency on `day` (models). The
checks of one field are its type's; a (currency, day) repeated within a body is
`rates_problems`. Every refusal is a 422 with a pointer, and nothing is written.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AfterValidator, BaseModel, BeforeValidator, WithJsonSchema

from api.errors import body_problem
from api.problems import FieldError, pointer
from api.types import Day, Money, Out, invalid, page_size, present
from currencies.conf import base_currency
from currencies.models import RATE, RATE_MAX, RATE_MIN
from currencies.types import CurrencyCode
from orders.schemas import EARLIEST_TIME

MAX_RATES = 5_000
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 100, 1_000
EARLIEST_DAY = EARLIEST_TIME.date()  # no order is older (orders.schemas)
PLACES = RATE["decimal_places"]
QUANTUM = Decimal(1).scaleb(-PLACES)
MINIMUM, MAXIMUM = Decimal(RATE_MIN), Decimal(RATE_MAX)
DECIMAL_TEXT = re.compile(r"[0-9]{1,20}(\.[0-9]{1,20})?")

ERROR_BASE = (
    "is the base currency ({base}), which is always worth 1 and has no rates; give the rates "
    "of the other currencies into {base}"
)
ERROR_DAY_BEFORE = "must not be before 2000-01-01 (no order is older)"
ERROR_DAY_AFTER = "must not be after tomorrow ({tomorrow}, UTC)"
ERROR_RATE_TYPE = 'must be a positive decimal number, as a JSON number or a string ("1.0921")'
ERROR_RATE_RANGE = f"must be at least {RATE_MIN} and at most {RATE_MAX}"
ERROR_RATE_PLACES = f"must have at most {PLACES} decimal places"
ERROR_REPEATED = "repeats the currency and day of {other}"


def _not_base(value: str) -> str:
    if value == base_currency():
        raise invalid(ERROR_BASE, base=base_currency())
    return value


def tomorrow() -> datetime.date:
    """The latest day a rate may have: a rate published today for tomorrow, in any zone."""
    return datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=1)


def _rate_day(value: datetime.date) -> datetime.date:
    if value < EARLIEST_DAY:
        raise invalid(ERROR_DAY_BEFORE)
    if value > (latest := tomorrow()):
        raise invalid(ERROR_DAY_AFTER, tomorrow=latest.isoformat())
    return value


def rate_of(value: Any) -> Decimal:
    """A rate from a JSON number or a decimal string: positive, in range, ≤ 10 places."""
    if isinstance(present(value), str) and DECIMAL_TEXT.fullmatch(value.strip()):
        value = Decimal(value.strip())
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise invalid(ERROR_RATE_TYPE)  # NaN and Infinity arrive as float: refused here
    try:
        rate = Decimal(value)
        if not MINIMUM <= rate <= MAXIMUM:
            raise invalid(ERROR_RATE_RANGE)
        if rate != rate.quantize(QUANTUM):
            raise invalid(ERROR_RATE_PLACES)
    except InvalidOperation:
        raise invalid(ERROR_RATE_TYPE) from None
    return rate


RateCurrency = Annotated[CurrencyCode, AfterValidator(_not_base)]
RateDay = Annotated[Day, AfterValidator(_rate_day)]
Rate = Annotated[
    Decimal,
    BeforeValidator(rate_of),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": float(MINIMUM), "maximum": float(MAXIMUM)},
                {"type": "string", "pattern": r"^[0-9]{1,10}(\.[0-9]{1,10})?$"},
            ],
            "description": f"units of the base currency one unit is worth; {RATE_MIN} to "
            f"{RATE_MAX}, at most {PLACES} decimal places",
        }
    ),
]


class RateIn(BaseModel):
    currency: RateCurrency = Field(..., description="ISO 4217; never the base currency")
    day: RateDay = Field(
        ..., description="first UTC day the rate holds (until the currency's next rate)"
    )
    rate: Rate


class RatesIn(BaseModel):
    rates: list[RateIn] = Field(..., min_length=1, max_length=MAX_RATES)


def rates_problems(body: RatesIn) -> None:
    """Problem(422) for a (currency, day) given twice in one body."""
    first_seen: dict[tuple[str, datetime.date], str] = {}
    errors = []
    for index, entry in enumerate(body.rates):
        where = pointer("rates", index, "day")
        key = (entry.currency, entry.day)
        if key in first_seen:
            errors.append(FieldError(where, ERROR_REPEATED.format(other=first_seen[key])))
        first_seen.setdefault(key, pointer("rates", index))
    if errors:
        raise body_problem(errors)


class RatesOut(Out):
    received: int
    created: int
    updated: int = Field(..., description="rates whose value changed")
    unchanged: int = Field(..., description="rates stored with the same value (not rewritten)")


class RateOut(Out):
    currency: str
    day: datetime.date
    rate: Money = Field(..., description="units of the base currency one unit is worth")
    source: str
    updated_at: datetime.datetime


class RatePage(Out):
    base_currency: str
    next: str | None = Field(..., description="the next page (keyset: same cost at any depth)")
    next_cursor: str | None
    results: list[RateOut]


class RatesQuery(Schema):
    currency: CurrencyCode | None = Field(None, description="one currency; absent: all")
    first: Day | None = Field(None, alias="from", description="first day, YYYY-MM-DD")
    last: Day | None = Field(None, alias="to", description="last day, YYYY-MM-DD")
    cursor: str | None = Field(None, description="a position from next_cursor; '' starts")
    page_size: page_size(default=DEFAULT_PAGE_SIZE, cap=MAX_PAGE_SIZE)


class RatePath(Schema):
    currency: CurrencyCode
    day: Day
