"""The upload history (docs/UPLOADS.md): one UploadRecord per upload, written after the upload's
own transaction (committed or rolled back), and read back by the key that uploaded.

Retention is bounded on write, like reports.refresh's log: every record deletes the rows older
than UPLOAD_HISTORY_DAYS (an index range, usually empty), and one record in
PRUNE_ROWS_EVERY also cuts the table to UPLOAD_HISTORY_MAX_ROWS.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orders.models import ApiKey, UploadRecord
from orders.services import UploadResult

PRUNE_ROWS_EVERY = 100


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
) -> UploadRecord:
    """Record one upload and prune: its own short transaction, whatever the upload's was."""
    counts = result.as_dict() if result is not None else {"received": received}
    with transaction.atomic():
        record = UploadRecord.objects.create(
            key_id=key.pk,
            key_name=key.name,
            customer=customer[: UploadRecord._meta.get_field("customer").max_length],
            request_id=request_id,
            created_at=started_at,
            duration_ms=duration_ms,
            status=status,
            error=error,
            **counts,
        )
        upload_history_prune(every=PRUNE_ROWS_EVERY, latest_id=record.pk)
    return record


def upload_history_prune(*, every: int = 1, latest_id: int = 0) -> None:
    """Delete the records past UPLOAD_HISTORY_DAYS; when `latest_id` is a multiple of `every`,
    also all but the newest UPLOAD_HISTORY_MAX_ROWS."""
    cutoff = timezone.now() - datetime.timedelta(days=settings.UPLOAD_HISTORY_DAYS)
    UploadRecord.objects.filter(created_at__lt=cutoff).delete()
    if latest_id % every:
        return
    newest = UploadRecord.objects.order_by("-id").values_list("id", flat=True)
    oldest_kept = newest[settings.UPLOAD_HISTORY_MAX_ROWS - 1 : settings.UPLOAD_HISTORY_MAX_ROWS]
    UploadRecord.objects.filter(id__lt=oldest_kept.first() or 0).delete()


def upload_history_page(
    *, key: ApiKey, limit: int, after: tuple[datetime.datetime, int] | None = None
) -> list[UploadRecord]:
    """The key's own uploads, newest first, `limit` of them after the position `after`."""
    records = UploadRecord.objects.filter(key_id=key.pk)
    if after is not None:
        moment, pk = after
        records = records.filter(Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk))
    return list(records.order_by("-created_at", "-id")[:limit])
