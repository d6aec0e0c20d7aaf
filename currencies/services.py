"""Writes of exchange rates: the bulk upsert (the upload endpoint and load_rates), a deletion,
and the synthetic rates of generate_rates. Each is one set-based statement.

Every write is logged by the table's statement triggers to reports_data.rate_change, which the
reports' refresh turns into the orders whose conversion it moves (currencies.models).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from currencies.conf import base_currency
from currencies.models import RATE_MAX, RATE_MIN
from currencies.selectors import RATE_FIELDS
from project.sqlfiles import run_sql

# Plausible worth in USD of one unit, for synthetic rates; another currency is worth 1 USD.
USD_LEVELS = {
    "USD": 1.0,
    "EUR": 1.08,
    "GBP": 1.27,
    "JPY": 0.0067,
    "CHF": 1.13,
    "CAD": 0.73,
    "AUD": 0.66,
    "NZD": 0.61,
    "CNY": 0.14,
    "HKD": 0.128,
    "SEK": 0.095,
    "NOK": 0.094,
    "DKK": 0.145,
    "PLN": 0.25,
    "CZK": 0.044,
    "INR": 0.012,
    "BRL": 0.2,
    "MXN": 0.058,
    "ZAR": 0.054,
    "KRW": 0.00075,
}


@dataclass(frozen=True)
class RateData:
    currency: str
    day: datetime.date
    rate: Decimal


@dataclass(frozen=True)
class RateWriteCounts:
    received: int
    created: int
    updated: int

    @property
    def unchanged(self) -> int:
        return self.received - self.created - self.updated

    def __add__(self, other: RateWriteCounts) -> RateWriteCounts:
        return RateWriteCounts(
            self.received + other.received,
            self.created + other.created,
            self.updated + other.updated,
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "received": self.received,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


NO_WRITES = RateWriteCounts(0, 0, 0)
DELETE_RETURNING = (
    "DELETE FROM currencies_exchangerate WHERE currency = %s AND day = %s "
    "RETURNING currency, day, rate, source, updated_at"
)


def rate_upsert_many(*, rates: Iterable[RateData], source: str) -> RateWriteCounts:
    """Create or update rates by (currency, day) in one statement; an equal rate is left as it
    is. The caller has validated them (currencies.schemas) and repeats no (currency, day)."""
    rows = [
        {"currency": rate.currency, "day": rate.day.isoformat(), "rate": str(rate.rate)}
        for rate in rates
    ]
    if not rows:
        return NO_WRITES
    with connection.cursor() as cursor:
        run_sql(
            cursor, "currencies", "rates_upsert.sql", {"rates": json.dumps(rows), "source": source}
        )
        flags = [created for (created,) in cursor.fetchall()]
    created = sum(flags)
    return RateWriteCounts(len(rows), created, len(flags) - created)


def rate_delete(*, currency: str, day: datetime.date) -> dict | None:
    """Delete one rate; the rate deleted, or None when there was none."""
    with connection.cursor() as cursor:
        cursor.execute(DELETE_RETURNING, [currency, day])
        row = cursor.fetchone()
    return None if row is None else dict(zip(RATE_FIELDS, row, strict=True))


def synthetic_level(currency: str) -> float:
    """A plausible worth of one unit of `currency` in the base currency."""
    return USD_LEVELS.get(currency, 1.0) / USD_LEVELS.get(base_currency(), 1.0)


@transaction.atomic
def rates_generate(
    *,
    currencies: list[str],
    first: datetime.date,
    last: datetime.date,
    seed: int = 1,
    every_days: int = 1,
) -> RateWriteCounts:
    """Synthetic rates of `currencies` (not the base) from `first` to `last`, one every
    `every_days` days: a deterministic random walk around plausible levels."""
    params = {
        "currencies": currencies,
        "levels": [synthetic_level(currency) for currency in currencies],
        "first": first,
        "last": last,
        "every": every_days,
        "seed": seed,
        "rate_min": RATE_MIN,
        "rate_max": RATE_MAX,
    }
    with connection.cursor() as cursor:
        run_sql(cursor, "currencies", "rates_generate.sql", params)
        flags = [created for (created,) in cursor.fetchall()]
    received = len(currencies) * ((last - first).days // every_days + 1)
    created = sum(flags)
    return RateWriteCounts(received, created, len(flags) - created)
