"""Seed 000's exact URL: GET /api/v1/orders/cancelled/?page=N&page_size=50 (or ?cursor=).

Read live from the orders (see reports.cancelled); `count` is from reports.status_counts.
"""

from __future__ import annotations

from django.http import HttpRequest

from orders.http import api_view, json_response, money
from orders.models import Order
from orders.problems import Problem
from reports.cancelled import (
    CANCELLED_MAX_OFFSET,
    BadCursorError,
    cancelled_after,
    cancelled_count,
    cancelled_page,
    cancelled_stream,
    cursor_decode,
    cursor_encode,
)
from reports.csv_export import csv_response
from reports.params import QueryParams
from reports.views import page_url, require_unbound_key

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 200

ERROR_BAD_CURSOR = "is not a cursor from a next link of this endpoint"
ERROR_PAGE_WITH_CURSOR = "cannot be combined with cursor"
ERROR_TOO_DEEP = (
    "goes deeper than {limit:,} orders; follow the cursor links (next_cursor) instead, which "
    "cost the same at any depth"
)
ERROR_PAST_THE_END = "Page {page} is past the last page."


def _order_json(order: Order) -> dict:
    return {
        "order_number": order.order_number,
        "user": order.customer.username,
        "created_at": order.created_at,
        "total_amount": money(order.total_amount),
        "cancelled_at": order.current_status_at,
    }


@api_view(methods=("GET",))
def cancelled_orders_view(request: HttpRequest):
    require_unbound_key(request)
    params = QueryParams(request)
    csv = params.output_format() == "csv"
    page_size = params.integer("page_size", default=DEFAULT_PAGE_SIZE, minimum=1, cap=MAX_PAGE_SIZE)
    keyset = "cursor" in request.GET
    position, page = None, 1
    if keyset:
        if "page" in request.GET:
            params.error("page", ERROR_PAGE_WITH_CURSOR)
        if request.GET["cursor"]:  # an empty cursor starts from the newest order
            try:
                position = cursor_decode(request.GET["cursor"])
            except BadCursorError:
                params.error("cursor", ERROR_BAD_CURSOR)
    else:
        page = params.integer("page", default=1, minimum=1)
        if not csv and (page - 1) * page_size > CANCELLED_MAX_OFFSET:
            params.error("page", ERROR_TOO_DEEP.format(limit=CANCELLED_MAX_OFFSET))
    params.check()

    if csv:  # the whole list (from the cursor on), newest first
        return csv_response(
            cancelled_stream(position=position), filename="cancelled_orders", as_of=None
        )
    counted = cancelled_count()
    if keyset:
        orders = cancelled_after(position=position, size=page_size + 1)
    else:
        orders = cancelled_page(offset=(page - 1) * page_size, size=page_size + 1)
        if not orders and page > 1:
            raise Problem(404, ERROR_PAST_THE_END.format(page=page))
    more, orders = len(orders) > page_size, orders[:page_size]
    next_cursor = page_url(request, cursor=cursor_encode(orders[-1]), page=None) if more else None
    if keyset:
        links = {"next": next_cursor, "previous": None}
    else:
        links = {
            "next": page_url(request, page=page + 1) if more else None,
            "previous": page_url(request, page=page - 1) if page > 1 else None,
            "next_cursor": next_cursor,
        }
    return json_response(
        {
            "count": counted.count,
            "count_as_of": counted.as_of,
            **links,
            "results": [_order_json(order) for order in orders],
        }
    )
