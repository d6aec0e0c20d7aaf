"""Reads of exchange rates: a page of them, by (currency, day)."""

from __future__ import annotations

import datetime

from django.db.models import Q

from currencies.models import ExchangeRate

RATE_FIELDS = ("currency", "day", "rate", "source", "updated_at")


def rate_page(
    *,
    currency: str | None,
    first: datetime.date | None,
    last: datetime.date | None,
    after: tuple[str, datetime.date] | None,
    size: int,
) -> list[dict]:
    """Up to `size` rates by (currency, day), from `first` to `last` (both included), after
    the position `after` (the unique index on (currency, day) serves every page alike)."""
    rates = ExchangeRate.objects.all()
    if currency is not None:
        rates = rates.filter(currency=currency)
    if first is not None:
        rates = rates.filter(day__gte=first)
    if last is not None:
        rates = rates.filter(day__lte=last)
    if after is not None:
        after_currency, after_day = after
        rates = rates.filter(
            Q(currency__gt=after_currency) | Q(currency=after_currency, day__gt=after_day)
        )
    return list(rates.order_by("currency", "day").values(*RATE_FIELDS)[:size])
