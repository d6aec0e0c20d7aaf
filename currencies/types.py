"""Request field types for money: a currency code and a sales channel, each with its own
message. The JSON Schema names the rule; the check reads the settings at request time."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from api.types import invalid, present
from currencies.conf import channels
from currencies.iso4217 import CODES

ERROR_CURRENCY = "must be an ISO 4217 currency code in capitals, e.g. EUR or USD"


def _currency(value: Any) -> str:
    if isinstance(present(value), str) and value in CODES:
        return value
    raise invalid(ERROR_CURRENCY)


def _channel(value: Any) -> str:
    if isinstance(present(value), str) and value in channels():
        return value
    raise invalid("must be one of: " + ", ".join(channels()))


CurrencyCode = Annotated[
    str,
    BeforeValidator(_currency),
    WithJsonSchema(
        {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217, e.g. EUR"}
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
