"""The upload history (docs/UPLOADS.md): one UploadRecord per upload, written after the upload's
own transaction (committed or rolled back), and read back by the key that uploaded.

Retention is bounded on write, like reports.refresh's log, in the record's own statement
(orders/sql/upload_record.sql): every record deletes the rows older than UPLOAD_HISTORY_DAYS,
and about one in PRUNE_ROWS_EVERY also cuts the table to UPLOAD_HISTORY_MAX_ROWS rows.
"""

from __future__ import annotations

import datetime
import json
import logging
import random

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Q
from django.http import HttpRequest
from django.http.request import RawPostDataException
from django.utils import timezone

from api.problems import TITLES, Problem
from orders.models import ApiKey, UploadRecord
from orders.services import UploadResult
from project.sqlfiles import run_sql

logger = logging.getLogger(__name__)
PRUNE_ROWS_EVERY = 100
UPLOAD_PATH_END = "/orders/upload"
_CUSTOMER_MAX = UploadRecord._meta.get_field("customer").max_length


def upload_record(
    *,
    key: ApiKey,
    customer: str,
    request_id: str,
    started_at: datetime.datetime,
    duration_ms: float,
    received: int,
    result: UploadResult | None = None,
    status: int = 200,
    error: str = "",
    prune_rows: bool | None = None,
) -> int:
    """Record one upload (autocommit: its own transaction, whatever the upload's was), prune,
    and return the record's id. `prune_rows` None: by chance, one record in PRUNE_ROWS_EVERY."""
    if prune_rows is None:
        prune_rows = random.randrange(PRUNE_ROWS_EVERY) == 0  # noqa: S311 (not a secret)
    if result is None:  # refused: nothing was written
        result = UploadResult(
            received=received, created=0, updated=0, unchanged=0, status_changes=0
        )
    params = {
        "key_id": key.pk,
        "key_name": key.name,
        "customer": customer[:_CUSTOMER_MAX],
        "request_id": request_id,
        "created_at": started_at,
        "duration_ms": duration_ms,
        "status": status,
        "error": error,
        "cutoff": timezone.now() - datetime.timedelta(days=settings.UPLOAD_HISTORY_DAYS),
        "prune_rows": prune_rows,
        "keep_rows": settings.UPLOAD_HISTORY_MAX_ROWS,
        **result.as_dict(),
    }
    with connection.cursor() as cursor:
        return run_sql(cursor, "orders", "upload_record.sql", params).fetchone()[0]


def upload_refused_record(request: HttpRequest, problem: Problem) -> None:
    """An upload whose body did not validate (api.errors.REFUSED_INPUT_HOOKS): recorded with
    the customer and the number of orders read from the raw body where it has them, a duration
    of 0 (its view never ran), and the refusal's status."""
    key = getattr(request, "auth", None)
    if not isinstance(key, ApiKey) or not request.path.endswith(UPLOAD_PATH_END):
        return
    try:
        body = json.loads(request.body)
    except (ValueError, RawPostDataException):
        body = None
    body = body if isinstance(body, dict) else {}
    customer = body.get("user") if isinstance(body.get("user"), str) else ""
    orders = body.get("orders")
    try:
        upload_record(
            key=key,
            customer=customer,
            request_id=getattr(request, "request_id", ""),
            started_at=timezone.now(),
            duration_ms=0,
            received=len(orders) if isinstance(orders, list) else 0,
            status=problem.status,
            error=TITLES.get(problem.status, "Error"),
        )
    except DatabaseError:
        logger.exception("refused upload not recorded")


def upload_history_page(
    *, key: ApiKey, limit: int, after: tuple[datetime.datetime, int] | None = None
) -> list[UploadRecord]:
    """The key's own uploads, newest first, `limit` of them after the position `after`."""
    records = UploadRecord.objects.filter(key_id=key.pk)
    if after is not None:
        moment, pk = after
        records = records.filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk))
    return list(records.order_by("-created_at", "-id")[:limit])
