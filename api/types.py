"""The field types of the API's bodies and query strings: validation and schema in one place.

Limits come from the model fields they are stored in (`text_of(Order, "order_number")`), so a
length or a number of digits is declared once, in the model. Errors pydantic has a type for are
raised as that type, so `api.errors.MESSAGES` words them, the same as pydantic's own.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Any

from django.db import models
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError, PydanticKnownError

MAX_INTEGER = 2**31 - 1  # far beyond any page, and safe for SQL LIMIT/OFFSET
ERROR_NUL = "must not contain NUL characters"
ERROR_CONTROL = "must not contain control characters (newline, tab, U+0001 ...)"
ERROR_INVISIBLE = (
    "must not contain control or invisible characters (newline, U+200B zero-width space, "
    "U+FEFF, bidirectional overrides ...)"
)
# Unicode categories: Cc control, Cf format (invisible), Zl/Zp line and paragraph separators.
TEXT_REFUSED = frozenset({"Cc", "Zl", "Zp"})
IDENTIFIER_REFUSED = TEXT_REFUSED | {"Cf"}
Money = Annotated[Decimal, WithJsonSchema({"type": "number"})]  # an answer's amount


def invalid(message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError("invalid", message.format(**context))


def present(value: Any) -> Any:
    if value is None:  # a null is a missing value, not one of the wrong type
        raise PydanticKnownError("missing")
    return value


def text_of(model: type[models.Model], name: str, *, identifier: bool = True) -> Any:
    """A non-blank string in NFC (one spelling per visible text, so one order per number).

    Control characters are refused everywhere; invisible format characters (zero-width space,
    BOM, bidirectional overrides) in identifiers, where they would make look-alike keys.
    """
    max_length = model._meta.get_field(name).max_length
    refused = IDENTIFIER_REFUSED if identifier else TEXT_REFUSED

    def check(value: Any) -> str:
        if not isinstance(present(value), str):
            raise PydanticKnownError("string_type")
        value = unicodedata.normalize("NFC", value)
        if not value.strip():
            raise PydanticKnownError("string_too_short", {"min_length": 1})
        if len(value) > max_length:
            raise PydanticKnownError("string_too_long", {"max_length": max_length})
        if "\x00" in value:
            raise invalid(ERROR_NUL)
        if any(unicodedata.category(char) in refused for char in value):
            raise invalid(ERROR_INVISIBLE if identifier else ERROR_CONTROL)
        return value

    schema = {"type": "string", "minLength": 1, "maxLength": max_length}
    return Annotated[str, BeforeValidator(check), WithJsonSchema(schema)]


def money_of(model: type[models.Model], name: str) -> Any:
    """A JSON number (never a string, a boolean, NaN or a float's rounding) of at most 2 places."""
    field = model._meta.get_field(name)
    places, cent = field.decimal_places, Decimal(1).scaleb(-field.decimal_places)
    maximum = Decimal(10) ** (field.max_digits - places) - cent

    def check(value: Any) -> Decimal:
        if isinstance(present(value), bool) or not isinstance(value, int | Decimal):
            raise invalid("must be a number")  # NaN and Infinity arrive as float: refused here
        amount = Decimal(value)
        if amount < 0:
            raise PydanticKnownError("greater_than_equal", {"ge": 0})
        if amount > maximum:
            raise PydanticKnownError("less_than_equal", {"le": maximum})
        if amount != amount.quantize(cent):
            raise invalid("must have at most {places} decimal places", places=places)
        return amount.quantize(cent)

    schema = {"type": "number", "minimum": 0, "maximum": float(maximum)}
    return Annotated[Decimal, BeforeValidator(check), WithJsonSchema(schema)]


def _integer(value: Any) -> Any:
    """JSON's 3.0 is the integer 3; a boolean or a string is not a number."""
    if (
        isinstance(present(value), Decimal)
        and value.is_finite()
        and value == value.to_integral_value()
    ):
        return int(value)
    if isinstance(value, bool | str | float):
        raise PydanticKnownError("int_type")
    return value


def count(maximum: int) -> Any:
    return Annotated[int, BeforeValidator(_integer), Field(ge=1, le=maximum)]


def _instant(value: Any) -> datetime.datetime:
    try:
        parsed = datetime.datetime.fromisoformat(present(value))
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.utcoffset() is None or "\x00" in value:  # fromisoformat skips it
        raise invalid("must be an ISO-8601 date-time with a timezone, e.g. 2025-11-12T10:00:00Z")
    try:  # PostgreSQL takes offsets only up to ±15:59; the instant is what is stored anyway
        return parsed.astimezone(datetime.UTC)
    except OverflowError:
        raise invalid("is outside the supported range of dates") from None


Instant = Annotated[
    datetime.datetime,
    BeforeValidator(_instant),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def _calendar(pattern: str, suffix: str, message: str, schema: dict) -> Any:
    """A date given as text of exactly `pattern`, completed by `suffix` (a month's first day)."""
    shape = re.compile(pattern)

    def parse(value: Any) -> datetime.date:
        try:
            if isinstance(value, str) and shape.fullmatch(value):
                return datetime.date.fromisoformat(value + suffix)
        except ValueError:
            pass
        raise invalid(message)

    return Annotated[datetime.date, BeforeValidator(parse), WithJsonSchema(schema)]


Month = _calendar(
    r"\d{4}-\d{2}",
    "-01",
    "must be a month as YYYY-MM",
    {"type": "string", "pattern": r"^\d{4}-\d{2}$", "examples": ["2025-11"]},
)
Day = _calendar(
    r"\d{4}-\d{2}-\d{2}", "", "must be a date as YYYY-MM-DD", {"type": "string", "format": "date"}
)


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
            raise PydanticKnownError("string_too_short", {"min_length": 1})
    return value


QueryText = Annotated[str, BeforeValidator(_query_text)]
Offset = Annotated[int, Field(0, ge=0, le=MAX_INTEGER, description="rows to skip")]


class Out(BaseModel):
    """An answer's shape: a plain pydantic model, read from dicts or attributes (no ninja
    Schema wrapper, which costs a Python getter per field and row)."""

    model_config = ConfigDict(from_attributes=True)
