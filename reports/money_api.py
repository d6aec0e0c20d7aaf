"""The money report endpoints: revenue by month and sales channel, and by month and order
currency (original and converted). Declared as the monthly revenue is (reports.api): a JSON
list and its `.csv` export, with `as_of`; each answer also names the base currency its money
columns are in.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from api.auth import all_customers_key
from api.csv_stream import CSV_DOCUMENT, CSV_RESPONSE, REDIRECT_DOCUMENT, csv_redirect
from api.problems import problems
from currencies.conf import base_currency
from reports import schemas as s
from reports.api import _csv, _ordered, _page
from reports.selectors import revenue_by_channel, revenue_by_currency

router = Router(tags=["reports"])


def _json_list(path: str, *, response, operation_id: str):
    return router.get(
        path,
        response={200: response, 307: None},
        auth=all_customers_key,
        operation_id=operation_id,
        openapi_extra=problems(also=REDIRECT_DOCUMENT),
        by_alias=True,  # from, to
    )


def _csv_export(path: str, *, operation_id: str):
    return router.get(
        path,
        response=CSV_RESPONSE,
        auth=all_customers_key,
        operation_id=operation_id,
        openapi_extra=problems(also=CSV_DOCUMENT),
    )


def _months(query: s.MonthlyCsvQuery) -> dict:
    _ordered(query.first, query.last)
    return {"first": query.first, "last": query.last}


def _answer(request: HttpRequest, query: s.MonthlyCsvQuery, selected, **echo) -> dict:
    months = {"from": s.month_text(query.first), "to": s.month_text(query.last)}
    body = _page(request, selected, limit=None, base_currency=base_currency(), **months, **echo)
    del body["limit"]
    return body


@_json_list("/reports/revenue/channels", response=s.ChannelPage, operation_id="revenue_by_channel")
def revenue_by_channel_page(request: HttpRequest, query: Query[s.ChannelQuery]):
    """Revenue by calendar month (UTC) and sales channel, in the base currency."""
    if query.format == "csv":
        return csv_redirect(request)
    selected = revenue_by_channel(**_months(query), channel=query.channel)
    return _answer(request, query, selected, channel=query.channel)


@_csv_export("/reports/revenue/channels.csv", operation_id="revenue_by_channel_csv")
def revenue_by_channel_csv(request: HttpRequest, query: Query[s.ChannelCsvQuery]):
    selected = revenue_by_channel(**_months(query), channel=query.channel)
    return _csv(request, selected, "revenue_by_channel")


@_json_list(
    "/reports/revenue/currencies", response=s.CurrencyPage, operation_id="revenue_by_currency"
)
def revenue_by_currency_page(request: HttpRequest, query: Query[s.CurrencyQuery]):
    """Revenue by calendar month (UTC) and order currency: in that currency, in the base
    currency, and the orders still waiting for a rate (unconverted: in no base-currency sum)."""
    if query.format == "csv":
        return csv_redirect(request)
    selected = revenue_by_currency(**_months(query), currency=query.currency)
    return _answer(request, query, selected, currency=query.currency)


@_csv_export("/reports/revenue/currencies.csv", operation_id="revenue_by_currency_csv")
def revenue_by_currency_csv(request: HttpRequest, query: Query[s.CurrencyCsvQuery]):
    selected = revenue_by_currency(**_months(query), currency=query.currency)
    return _csv(request, selected, "revenue_by_currency")
