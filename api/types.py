"""The field types of the API's bodies and query strings: validation and schema in one place.

Limits come from the model fields they are stored in (`text_of(Order, "order_number")`), so a
length or a number of digits is declared once, in the model.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Any

from django.db import models
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

MAX_INTEGER = 2**31 - 1  # far beyond any page, and safe for SQL LIMIT/OFFSET
ERROR_REQUIRED = "is required"  # also when given as null
ERROR_NOT_NUMBER = "must be a number"
ERROR_NOT_INTEGER = "must be an integer"
ERROR_NEGATIVE = "must be at least 0"
ERROR_TOO_LARGE = "must be at most {maximum}"
ERROR_DECIMALS = "must have at most {places} decimal places"
ERROR_NOT_STRING = "must be a string"
ERROR_BLANK = "must not be empty"
ERROR_NUL = "must not contain NUL characters"
ERROR_CONTROL = "must not contain control characters (newline, tab, U+0001 ...)"
ERROR_INVISIBLE = (
    "must not contain control or invisible characters (newline, U+200B zero-width space, "
    "U+FEFF, bidirectional overrides ...)"
)
ERROR_NOT_DATETIME = "must be an ISO-8601 date-time with a timezone, e.g. 2025-11-12T10:00:00Z"
ERROR_DATETIME_RANGE = "is outside the supported range of dates"
ERROR_NOT_MONTH = "must be a month as YYYY-MM"
ERROR_NOT_DAY = "must be a date as YYYY-MM-DD"
# Unicode categories: Cc control, Cf format (invisible), Zl/Zp line and paragraph separators.
TEXT_REFUSED = frozenset({"Cc", "Zl", "Zp"})
IDENTIFIER_REFUSED = TEXT_REFUSED | {"Cf"}


def invalid(message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError("invalid", message.format(**context))


def _present(value: Any) -> Any:
    if value is None:
        raise invalid(ERROR_REQUIRED)
    return value


def _field(model: type[models.Model], name: str) -> models.Field:
    return model._meta.get_field(name)


def text_of(model: type[models.Model], name: str, *, identifier: bool = True) -> Any:
    """A non-blank string in NFC (one spelling per visible text, so one order per number).

    Control characters are refused everywhere; invisible format characters (zero-width space,
    BOM, bidirectional overrides) in identifiers, where they would make look-alike keys.
    """
    max_length = _field(model, name).max_length
    refused = IDENTIFIER_REFUSED if identifier else TEXT_REFUSED

    def check(value: Any) -> str:
        if not isinstance(_present(value), str):
            raise invalid(ERROR_NOT_STRING)
        value = unicodedata.normalize("NFC", value)
        if not value.strip():
            raise invalid(ERROR_BLANK)
        if len(value) > max_length:
            raise invalid("must be at most {n} characters", n=max_length)
        if "\x00" in value:
            raise invalid(ERROR_NUL)
        if any(unicodedata.category(char) in refused for char in value):
            raise invalid(ERROR_INVISIBLE if identifier else ERROR_CONTROL)
        return value

    schema = {"type": "string", "minLength": 1, "maxLength": max_length}
    return Annotated[str, BeforeValidator(check), WithJsonSchema(schema)]


def money_of(model: type[models.Model], name: str) -> Any:
    """A JSON number (never a string, a boolean, NaN or a float's rounding) of at most 2 places."""
    field = _field(model, name)
    places = field.decimal_places
    maximum = Decimal(10) ** (field.max_digits - places) - Decimal(1).scaleb(-places)
    cent = Decimal(1).scaleb(-places)

    def check(value: Any) -> Decimal:
        if isinstance(_present(value), bool) or not isinstance(value, int | Decimal):
            raise invalid(ERROR_NOT_NUMBER)  # NaN and Infinity arrive as float: refused here
        amount = Decimal(value)
        if amount < 0:
            raise invalid(ERROR_NEGATIVE)
        if amount > maximum:
            raise invalid(ERROR_TOO_LARGE, maximum=maximum)
        if amount != amount.quantize(cent):
            raise invalid(ERROR_DECIMALS, places=places)
        return amount.quantize(cent)

    schema = {"type": "number", "minimum": 0, "maximum": float(maximum)}
    return Annotated[Decimal, BeforeValidator(check), WithJsonSchema(schema)]


def _integer(value: Any) -> Any:
    """JSON's 3.0 is the integer 3; a boolean or a string is not a number."""
    if (
        isinstance(_present(value), Decimal)
        and value.is_finite()
        and value == value.to_integral_value()
    ):
        return int(value)
    if isinstance(value, bool | str | float):
        raise invalid(ERROR_NOT_INTEGER)
    return value


def count(maximum: int) -> Any:
    """A body integer from 1 to `maximum`."""
    return Annotated[int, BeforeValidator(_integer), Field(ge=1, le=maximum)]


def _instant(value: Any) -> datetime.datetime:
    if not isinstance(_present(value), str) or "\x00" in value:
        raise invalid(ERROR_NOT_DATETIME)
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise invalid(ERROR_NOT_DATETIME) from None
    if parsed.utcoffset() is None:
        raise invalid(ERROR_NOT_DATETIME)
    try:  # PostgreSQL takes offsets only up to ±15:59; the instant is what is stored anyway
        return parsed.astimezone(datetime.UTC)
    except OverflowError:
        raise invalid(ERROR_DATETIME_RANGE) from None


Instant = Annotated[
    datetime.datetime,
    BeforeValidator(_instant),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def _calendar(pattern: str, suffix: str, message: str):
    shape = re.compile(pattern)

    def parse(value: Any) -> datetime.date:
        try:
            if isinstance(value, str) and shape.fullmatch(value):
                return datetime.date.fromisoformat(value + suffix)
        except ValueError:
            pass
        raise invalid(message)

    return parse


Month = Annotated[
    datetime.date,
    BeforeValidator(_calendar(r"\d{4}-\d{2}", "-01", ERROR_NOT_MONTH)),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}$", "examples": ["2025-11"]}),
]
Day = Annotated[
    datetime.date,
    BeforeValidator(_calendar(r"\d{4}-\d{2}-\d{2}", "", ERROR_NOT_DAY)),
    WithJsonSchema({"type": "string", "format": "date"}),
]


def page_size(*, default: int, cap: int, description: str = "rows per page") -> Any:
    """A query integer ≥ 1; above `cap` it is lowered to `cap` (the answer echoes it)."""
    return Annotated[
        int,
        Field(default, ge=1, le=MAX_INTEGER, description=f"{description}; above {cap}: {cap}"),
        AfterValidator(lambda value: min(value, cap)),
    ]


def _query_text(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if "\x00" in value:
            raise invalid(ERROR_NUL)
        if not value:
            raise invalid(ERROR_BLANK)
    return value


QueryText = Annotated[str, BeforeValidator(_query_text)]
Offset = Annotated[int, Field(0, ge=0, le=MAX_INTEGER, description="rows to skip")]


class Out(BaseModel):
    """An answer's shape: a plain pydantic model, read from dicts or attributes (no ninja
    Schema wrapper, which costs a Python getter per field and row)."""

    model_config = ConfigDict(from_attributes=True)
