"""What uploads wrote, for /metrics (project.metrics): counted after the upload committed."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from orders.services import UploadResult

OUTCOMES = ("received", "created", "updated", "unchanged")

UPLOAD_ORDERS = Counter(
    "orders_upload_orders",
    "Orders in accepted uploads: received, and of those created, updated or unchanged.",
    ["outcome"],
)
UPLOAD_STATUS_CHANGES = Counter(
    "orders_upload_status_changes", "Status history rows appended by accepted uploads."
)
UPLOAD_SIZE = Histogram(
    "orders_upload_size_orders",
    "Orders per accepted upload.",
    buckets=(1, 10, 50, 100, 500, 1000, 2500, 5000),
)
for _outcome in OUTCOMES:  # every series exists from the start, at 0
    UPLOAD_ORDERS.labels(_outcome)


def upload_observe(result: UploadResult) -> None:
    for outcome in OUTCOMES:
        UPLOAD_ORDERS.labels(outcome).inc(getattr(result, outcome))
    UPLOAD_STATUS_CHANGES.inc(result.status_changes)
    UPLOAD_SIZE.observe(result.received)
