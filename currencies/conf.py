"""The money settings, read in one place: the base currency and the sales channels."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.checks import Error

from currencies.iso4217 import CODES

CHANNEL_PATTERN = re.compile(r"^[a-z0-9_-]{1,20}$")


def base_currency() -> str:
    """The currency every report sums in (REPORTS_BASE_CURRENCY)."""
    return settings.REPORTS_BASE_CURRENCY


def channels() -> list[str]:
    """The sales channels an order may name (REPORTS_CHANNELS)."""
    return list(settings.REPORTS_CHANNELS)


def default_channel() -> str:
    """The channel of an order that names none: the first configured."""
    return settings.REPORTS_CHANNELS[0]


def settings_check(app_configs, **kwargs) -> list[Error]:
    """A system check: the base currency is an ISO 4217 code, the channels are short slugs."""
    errors = []
    if base_currency() not in CODES:
        errors.append(
            Error(
                f"REPORTS_BASE_CURRENCY is {base_currency()!r}, not an ISO 4217 currency code.",
                hint="e.g. REPORTS_BASE_CURRENCY=EUR",
                id="currencies.E001",
            )
        )
    names = channels()
    bad = [name for name in names if not CHANNEL_PATTERN.match(name)]
    if not names or bad or len(set(names)) != len(names):
        errors.append(
            Error(
                f"REPORTS_CHANNELS must list distinct channels of 1-20 characters a-z, 0-9, "
                f"_ or -; got {names!r}.",
                hint="e.g. REPORTS_CHANNELS=online,retail,wholesale",
                id="currencies.E002",
            )
        )
    return errors
