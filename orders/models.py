from __future__ import annotations

from decimal import Decimal

import pgtrigger
from django.db import models
from django.db.models import Q
from django.utils import timezone

from currencies.conf import base_currency, default_channel
from project.sqlfiles import read_sql


class Status(models.TextChoices):
    PENDING = "Pending"
    COMPLETE = "Complete"
    CANCELLED = "Cancelled"


STATUS_VALUES = [value for value, _ in Status.choices]

# Change capture for the live reports (reports.refresh): every write statement appends the ids
# it touched to a change log in reports_data, one INSERT per statement over its transition table.
# Updates compare old and new rows with EXCEPT, never a join: PL/pgSQL keeps a statement's plan
# from its first call in a session, and a nested loop planned for one row would be quadratic for
# a later bulk update (a hash or sort EXCEPT is not).
# A session that sets reports.capture = 'off' (generateorders, which first marks the reports
# for a full rebuild) writes nothing there.
CAPTURE_OFF = "IF current_setting('reports.capture', true) = 'off' THEN RETURN NULL; END IF;"
REBUILD_AFTER_TRUNCATE = (
    "UPDATE reports_data.refresh_state SET rebuild_required = true, "
    "rebuild_reason = TG_TABLE_NAME || ' was truncated'; RETURN NULL;"
)


def capture_trigger(
    name: str,
    operation: pgtrigger.Operation,
    *,
    log: str,
    ids: str,
    old: bool,
    new: bool,
    columns: str | None = None,
) -> pgtrigger.Trigger:
    """A statement-level trigger appending `ids` (a SELECT over old_rows/new_rows) to `log`'s
    `columns` (default: order_id for order_change, else customer_id)."""
    column = columns or ("order_id" if log == "order_change" else "customer_id")
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.After,
        operation=operation,
        level=pgtrigger.Statement,
        referencing=pgtrigger.Referencing(
            old="old_rows" if old else None, new="new_rows" if new else None
        ),
        func=f"{CAPTURE_OFF} INSERT INTO reports_data.{log} ({column}) {ids}; RETURN NULL;",
    )


def capture_triggers(
    *, log: str, inserted: str, updated: str, deleted: str, columns: str | None = None
) -> list:
    """The four triggers of one table: the ids each write statement touched, and TRUNCATE.
    Every change log of reports_data is written this way (orders, catalog, rates)."""
    logged = {"log": log, "columns": columns}
    return [
        capture_trigger(
            "reports_capture_insert", pgtrigger.Insert, ids=inserted, old=False, new=True, **logged
        ),
        capture_trigger(
            "reports_capture_update", pgtrigger.Update, ids=updated, old=True, new=True, **logged
        ),
        capture_trigger(
            "reports_capture_delete", pgtrigger.Delete, ids=deleted, old=True, new=False, **logged
        ),
        pgtrigger.Trigger(
            name="reports_capture_truncate",
            when=pgtrigger.After,
            operation=pgtrigger.Truncate,
            level=pgtrigger.Statement,
            func=REBUILD_AFTER_TRUNCATE,
        ),
    ]


class CustomerQuerySet(models.QuerySet):
    def top_spenders(self, *, more_than: Decimal = Decimal(0)) -> CustomerQuerySet:
        """Seed 002's premium customers: those whose Complete orders total more than
        `more_than`, biggest spenders first (ties by id). Reads the live report
        reports_data.customer_stats (reports.models.StoredCustomerStats), walking its revenue
        index, so a page costs its size; chainable like any QuerySet."""
        return self.filter(stored_stats__total_revenue__gt=more_than).order_by(
            "-stored_stats__total_revenue", "id"
        )


class Customer(models.Model):
    username = models.CharField(max_length=50, unique=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(username=""), name="customer_username_not_empty"),
        ]
        triggers = capture_triggers(
            log="customer_change",
            inserted="SELECT id FROM new_rows",
            updated="SELECT id FROM (SELECT id, username FROM new_rows "
            "EXCEPT SELECT id, username FROM old_rows) AS changed",
            deleted="SELECT id FROM old_rows",
        )

    def __str__(self) -> str:
        return self.username


class Order(models.Model):
    order_number = models.CharField(max_length=50, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    created_at = models.DateTimeField()
    total_amount = models.DecimalField(max_digits=12, decimal_places=2)
    # Money is in `currency`; the reports convert it to the base currency at the day's rate
    # (currencies.models.ExchangeRate).
    currency = models.CharField(max_length=3, default=base_currency)
    channel = models.CharField(max_length=20, default=default_channel)
    # Kept by the triggers on OrderStatus: never written by application code. NULL (not "")
    # means the order has no history at all.
    current_status = models.CharField(  # noqa: DJ001
        max_length=20, choices=Status.choices, null=True, blank=True, editable=False
    )
    current_status_at = models.DateTimeField(null=True, blank=True, editable=False)
    current_status_entry_id = models.BigIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="id of the OrderStatus row that set current_status (ties on time break by id)",
    )
    # Written by the bulk upload only: the status this order was last uploaded with, so that a
    # replayed document cannot undo a later change (orders.services.order_upsert_many). NULL:
    # never uploaded since the column exists.
    uploaded_status = models.CharField(  # noqa: DJ001
        max_length=20, choices=Status.choices, null=True, blank=True, editable=False
    )

    class Meta:
        indexes = [
            # Seed 000: the cancelled list, newest first, without touching other orders.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(current_status=Status.CANCELLED),
                name="order_cancelled_recent_idx",
            ),
            # ?order=-cancelled_at: most recently cancelled first (a refund of an old order
            # is on page 1).
            models.Index(
                fields=["-current_status_at", "-id"],
                condition=Q(current_status=Status.CANCELLED),
                name="order_cancelled_at_idx",
            ),
            # Seed 002: the orders of the last N days, newest first (reports.customer_api).
            models.Index(fields=["-created_at", "-id"], name="order_recent_idx"),
            # A corrected rate: the orders of its currency from its day to the next rate, their
            # ids read from the index alone (live_rates.sql).
            models.Index(
                fields=["currency", "created_at"],
                include=["id"],
                name="order_currency_day_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(order_number=""), name="order_order_number_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(total_amount__gte=0), name="order_total_amount_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(current_status__in=STATUS_VALUES) | Q(current_status__isnull=True),
                name="order_current_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="order_currency_code"
            ),
            models.CheckConstraint(condition=~Q(channel=""), name="order_channel_not_empty"),
        ]
        # An update is logged only when it changes what a report reads: a status row that does
        # not change the status (or current_status_at alone) costs the reports nothing.
        triggers = capture_triggers(
            log="order_change",
            inserted="SELECT id FROM new_rows",
            updated="SELECT id FROM (SELECT id, customer_id, created_at, total_amount, "
            "current_status, currency, channel FROM new_rows EXCEPT SELECT id, customer_id, "
            "created_at, total_amount, current_status, currency, channel FROM old_rows) "
            "AS changed",
            deleted="SELECT id FROM old_rows",
        )

    def __str__(self) -> str:
        return self.order_number


class OrderStatus(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="statuses")
    status = models.CharField(max_length=20, choices=Status.choices)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "order statuses"
        indexes = [
            models.Index(fields=["order", "-created", "-id"], name="orderstatus_order_latest_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=STATUS_VALUES), name="orderstatus_status_valid"
            ),
            # One event, one row: a webhook delivered twice at the same moment, or an upload
            # replayed concurrently, cannot record it twice (writers use ON CONFLICT DO NOTHING).
            models.UniqueConstraint(
                fields=["order", "created", "status"], name="orderstatus_one_row_per_event"
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="current_status_on_insert",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(new="new_statuses"),
                func=read_sql("orders", "current_status_after_insert.sql"),
            ),
            pgtrigger.Trigger(
                name="current_status_on_update",
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(old="old_statuses", new="new_statuses"),
                func=(
                    "PERFORM orders_refresh_current_status(ARRAY(SELECT order_id FROM old_statuses"
                    " UNION SELECT order_id FROM new_statuses)); RETURN NULL;"
                ),
            ),
            pgtrigger.Trigger(
                name="current_status_on_delete",
                when=pgtrigger.After,
                operation=pgtrigger.Delete,
                level=pgtrigger.Statement,
                referencing=pgtrigger.Referencing(old="old_statuses"),
                func=(
                    "PERFORM orders_refresh_current_status("
                    "ARRAY(SELECT DISTINCT order_id FROM old_statuses)); RETURN NULL;"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.status} at {self.created:%Y-%m-%d %H:%M}"


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    sku = models.CharField(max_length=50)
    name = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField()
    price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        indexes = [
            # The live reports recompute a product's newest name through it (reports.refresh).
            models.Index(fields=["sku", "-id"], name="orderitem_sku_newest_idx"),
        ]
        triggers = capture_triggers(
            log="order_change",
            inserted="SELECT DISTINCT order_id FROM new_rows",
            updated="SELECT order_id FROM old_rows UNION SELECT order_id FROM new_rows",
            deleted="SELECT DISTINCT order_id FROM old_rows",
        )
        constraints = [
            models.CheckConstraint(condition=~Q(sku=""), name="orderitem_sku_not_empty"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderitem_quantity_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="orderitem_price_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class ApiKeyScope(models.TextChoices):
    READ = "read"
    WRITE = "write"  # includes read


class ApiKey(models.Model):
    """A bearer key for /api/. Only a SHA-256 digest of the secret is stored."""

    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    scope = models.CharField(max_length=5, choices=ApiKeyScope.choices)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text="when set, the key reads and writes only this customer's orders",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="to the minute (api_key_authenticate)"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=[s.value for s in ApiKeyScope]), name="apikey_scope_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def can_write(self) -> bool:
        return self.scope == ApiKeyScope.WRITE


class ApiKeyConflicts(models.Model):
    """Upload refusals for another customer's order number, per key bound to a customer, in
    the current window (orders.services.upload_conflict_record). A key refused
    UPLOAD_CONFLICT_LIMIT times within UPLOAD_CONFLICT_WINDOW_SECONDS cannot upload until the
    window has passed, so a bound key cannot probe which order numbers exist."""

    key = models.OneToOneField(
        ApiKey, on_delete=models.CASCADE, primary_key=True, related_name="conflicts"
    )
    window_started_at = models.DateTimeField()
    refusals = models.PositiveIntegerField()

    class Meta:
        verbose_name_plural = "API key conflicts"

    def __str__(self) -> str:
        return f"{self.refusals} since {self.window_started_at:%Y-%m-%d %H:%M}"


class UploadRecord(models.Model):
    """One `POST /api/orders/upload` that reached the upload: who, when, what it counted, and
    how it ended (orders.services.upload_record). Written after the upload's own transaction,
    so a refused or failed upload is recorded too; pruned on write (UPLOAD_HISTORY_DAYS,
    UPLOAD_HISTORY_MAX_ROWS)."""

    key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="uploads"
    )
    key_name = models.CharField(max_length=100)  # kept if the key is deleted
    customer = models.CharField(max_length=150)  # the upload's `user`, as sent
    request_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    duration_ms = models.FloatField()
    received = models.PositiveIntegerField()
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    status_changes = models.PositiveIntegerField(default=0)
    status = models.PositiveSmallIntegerField(help_text="the HTTP status answered: 200 is ok")
    error = models.CharField(max_length=100, blank=True, help_text="the problem's title")

    class Meta:
        indexes = [models.Index(fields=["key", "-created_at", "-id"], name="upload_key_recent")]

    def __str__(self) -> str:
        return f"{self.key_name} {self.customer} {self.created_at:%Y-%m-%d %H:%M:%S}"

    @property
    def outcome(self) -> str:
        return "ok" if self.status == 200 else f"{self.status} {self.error}"
