"""What uploads wrote, for /metrics (project.metrics): counted after the upload committed;
and the uploads refused for another customer's order numbers."""

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
# Per key name (bounded: keys are made by admins). A key bound to a customer is paused after
# UPLOAD_CONFLICT_LIMIT conflicts in a window (orders.services.upload_conflict_record).
UPLOAD_CONFLICTS = Counter(
    "orders_upload_conflicts",
    "Uploads refused (409) for naming another customer's order number, by API key name.",
    ["key"],
)
UPLOAD_PAUSED = Counter(
    "orders_upload_paused",
    "Uploads refused (429) because the key's conflicts reached UPLOAD_CONFLICT_LIMIT, by key.",
    ["key"],
)
for _outcome in OUTCOMES:  # every series exists from the start, at 0
    UPLOAD_ORDERS.labels(_outcome)


def upload_observe(result: UploadResult) -> None:
    for outcome in OUTCOMES:
        UPLOAD_ORDERS.labels(outcome).inc(getattr(result, outcome))
    UPLOAD_STATUS_CHANGES.inc(result.status_changes)
    UPLOAD_SIZE.observe(result.received)


def upload_conflict_observe(key_name: str) -> None:
    UPLOAD_CONFLICTS.labels(key_name).inc()


def upload_paused_observe(key_name: str) -> None:
    UPLOAD_PAUSED.labels(key_name).inc()
