"""Plain JSON views for the order store: parse, call one service or selector, format."""

from __future__ import annotations

import logging
import time
import unicodedata

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone

from orders.http import api_view, json_response, money, read_json_object
from orders.models import Order, OrderStatus
from orders.problems import Problem
from orders.services import order_status_add, order_upsert_many
from orders.upload_validation import status_parse, upload_parse
from project.snapshots import one_snapshot

logger = logging.getLogger("orders.upload")

ORDER_NUMBER_MAX = Order._meta.get_field("order_number").max_length
ERROR_UNKNOWN_ORDER = "No order has the number {number!r}."
ERROR_KEY_FOR_OTHER_USER = "This API key may upload only the orders of {username!r}."


@api_view(methods=("POST",), write=True)
def orders_upload_view(request: HttpRequest):
    started = time.perf_counter()
    try:
        upload = upload_parse(read_json_object(request))
        bound = request.api_key.customer
        if bound is not None and bound.username != upload.username:
            raise Problem(403, ERROR_KEY_FOR_OTHER_USER.format(username=bound.username))
        result = order_upsert_many(upload=upload, received_at=timezone.now())
    except Problem as problem:
        logger.warning(
            "upload rejected status=%d errors=%d key=%s request_id=%s",
            problem.status,
            max(1, len(problem.errors)),
            request.api_key.name,
            request.request_id,
        )
        raise
    logger.info(
        "upload customer=%s received=%d created=%d updated=%d unchanged=%d status_changes=%d "
        "duration_ms=%.1f key=%s request_id=%s",
        upload.username,
        result.received,
        result.created,
        result.updated,
        result.unchanged,
        result.status_changes,
        (time.perf_counter() - started) * 1000,
        request.api_key.name,
        request.request_id,
    )
    return json_response({"user": upload.username, **result.as_dict()})


def _order_or_404(request: HttpRequest, order_number: str, *, with_history: bool = False):
    order_number = unicodedata.normalize("NFC", order_number)  # as uploads store it
    if len(order_number) > ORDER_NUMBER_MAX or "\x00" in order_number:
        raise Problem(404, ERROR_UNKNOWN_ORDER.format(number=order_number[:ORDER_NUMBER_MAX]))
    orders = Order.objects.select_related("customer")
    if with_history:
        orders = orders.prefetch_related(
            "items", Prefetch("statuses", OrderStatus.objects.order_by("created", "id"))
        )
    bound = request.api_key.customer_id
    if bound is not None:  # another customer's order answers exactly like a missing one
        orders = orders.filter(customer_id=bound)
    order = orders.filter(order_number=order_number).first()
    if order is None:
        raise Problem(404, ERROR_UNKNOWN_ORDER.format(number=order_number))
    return order


@api_view(methods=("POST",), write=True)
def order_status_view(request: HttpRequest, order_number: str):
    order = _order_or_404(request, order_number)
    change = status_parse(read_json_object(request), order_created_at=order.created_at)
    entry = order_status_add(order=order, status=change.status, created=change.created)
    return json_response(
        {
            "order_number": order.order_number,
            "status": entry.status,
            "created": entry.created,
            "current_status": order.current_status,
            "current_status_at": order.current_status_at,
        },
        status=201,
    )


@api_view(methods=("GET",))
def order_detail_view(request: HttpRequest, order_number: str):
    with one_snapshot():  # the order, its items and its history as of one moment
        order = _order_or_404(request, order_number, with_history=True)
        items, history = list(order.items.all()), list(order.statuses.all())
    return json_response(
        {
            "order_number": order.order_number,
            "user": order.customer.username,
            "created_at": order.created_at,
            "total_amount": money(order.total_amount),
            "current_status": order.current_status,
            "current_status_at": order.current_status_at,
            "items": [
                {"sku": i.sku, "name": i.name, "quantity": i.quantity, "price": money(i.price)}
                for i in items
            ],
            "status_history": [{"status": s.status, "created": s.created} for s in history],
        }
    )
