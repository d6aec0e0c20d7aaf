"""The exchange-rate endpoints: parse (the schemas), call one service or selector, answer.

Rates are the marketplace's, not one customer's: writing them needs a write key not bound to a
customer, since a rate converts every customer's orders. Any key reads them.
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Path, Query, Router

from api.auth import ApiKeyAuth, read_key
from api.errors import query_problem
from api.pagination import BadCursorError, key_cursor_decode, key_cursor_encode, page_url
from api.problems import FieldError, Problem, pointer, problems
from currencies.conf import base_currency
from currencies.iso4217 import CODES
from currencies.schemas import (
    RateOut,
    RatePage,
    RatePath,
    RatesIn,
    RatesOut,
    RatesQuery,
    rates_problems,
)
from currencies.selectors import rate_page
from currencies.services import RateData, rate_delete, rate_upsert_many

router = Router(tags=["rates"])
rates_key = ApiKeyAuth(write=True, all_customers=True)

CURSOR_KIND = "rate"
ERROR_BAD_CURSOR = "is not a cursor from a next link of this endpoint"
ERROR_RANGE_REVERSED = "must not be after to"
ERROR_NO_RATE = "There is no {currency} rate on {day}."


@router.post("/rates", response=RatesOut, auth=rates_key, operation_id="rates_upload")
def rates_upload(request: HttpRequest, body: RatesIn):
    """Create or update exchange rates by (currency, day), up to 5,000, all or nothing.

    A rate is what one unit of `currency` is worth in the base currency from `day` on (until
    the currency's next rate); an order converts at the latest rate on or before its UTC day.
    A repeat changes nothing (`unchanged`); a different rate is an update, and every report
    follows it at the next refresh.
    """
    rates_problems(body)
    rates = (RateData(entry.currency, entry.day, entry.rate) for entry in body.rates)
    return rate_upsert_many(rates=rates, source="api").as_dict()


def _after(cursor: str | None, errors: list[FieldError]) -> tuple[str, datetime.date] | None:
    if not cursor:  # an empty cursor starts from the top
        return None
    try:
        currency, _, day = key_cursor_decode(cursor, kind=CURSOR_KIND).partition("|")
        if currency in CODES:
            return currency, datetime.date.fromisoformat(day)
    except (BadCursorError, ValueError):
        pass
    errors.append(FieldError(pointer("query", "cursor"), ERROR_BAD_CURSOR))
    return None


@router.get("/rates", response=RatePage, auth=read_key, operation_id="rates_list")
def rates_list(request: HttpRequest, query: Query[RatesQuery]):
    """The stored exchange rates by currency and day, in keyset pages: `?currency=EUR&from=
    2026-01-01&to=2026-01-31`. The base currency is worth 1 and has none."""
    errors: list[FieldError] = []
    after = _after(query.cursor, errors)
    if None not in (query.first, query.last) and query.first > query.last:
        errors.append(FieldError(pointer("query", "from"), ERROR_RANGE_REVERSED))
    if errors:
        raise query_problem(errors)
    rows = rate_page(
        currency=query.currency,
        first=query.first,
        last=query.last,
        after=after,
        size=query.page_size + 1,
    )
    more, rows = len(rows) > query.page_size, rows[: query.page_size]
    cursor = None
    if more:
        cursor = key_cursor_encode(CURSOR_KIND, f"{rows[-1]['currency']}|{rows[-1]['day']}")
    return {
        "base_currency": base_currency(),
        "next": page_url(request, cursor=cursor) if more else None,
        "next_cursor": cursor,
        "results": rows,
    }


@router.delete(
    "/rates/{currency}/{day}",
    response=RateOut,
    auth=rates_key,
    operation_id="rates_delete",
    openapi_extra=problems(400, 404),
)
def rates_delete(request: HttpRequest, path: Path[RatePath]):
    """Delete the rate of a currency on a day; answers with the rate deleted. Its orders then
    convert at the currency's rate before it (or are unconverted) from the next refresh on."""
    deleted = rate_delete(currency=path.currency, day=path.day)
    if deleted is None:
        raise Problem(404, ERROR_NO_RATE.format(currency=path.currency, day=path.day))
    return deleted
