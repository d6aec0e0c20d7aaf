"""The money field types: in a request, a currency code and a sales channel, each with its own
message (the JSON Schema names the rule; the check reads the settings at request time); in an
answer, an order's currency and channel."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from api.types import invalid
from currencies.conf import channels
from currencies.iso4217 import CODES

ERROR_CURRENCY = "must be an ISO 4217 currency code in capitals, e.g. EUR or USD"


# Both fields are optional: a null is a wrong value (omit the field for the default), so it
# gets the field's own message rather than "is required".
def _currency(value: Any) -> str:
    if isinstance(value, str) and value in CODES:
        return value
    raise invalid(ERROR_CURRENCY)


def _channel(value: Any) -> str:
    if isinstance(value, str) and value in channels():
        return value
    raise invalid("must be one of: " + ", ".join(channels()))


CurrencyCode = Annotated[
    str,
    BeforeValidator(_currency),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            # No "examples" list: as a path or query parameter it would be hoisted to the
            # parameter's `examples`, which OpenAPI wants as a map (generated clients refuse it).
            "description": "ISO 4217, e.g. EUR",
        }
    ),
]
ChannelName = Annotated[
    str,
    BeforeValidator(_channel),
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": 20,
            "description": "a sales channel of REPORTS_CHANNELS (default: online, retail, "
            "wholesale)",
        }
    ),
]

# An answer's order: what its total_amount is in, and where it was sold.
CurrencyOut = Annotated[
    str, Field(description="ISO 4217: the currency of total_amount", examples=["EUR"])
]
ChannelOut = Annotated[str, Field(description="the sales channel", examples=["online"])]
