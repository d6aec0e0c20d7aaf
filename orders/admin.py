from __future__ import annotations

import datetime

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property

from currencies.conf import channels
from orders.api_keys import ApiKeyError, api_key_create
from orders.models import ApiKey, Customer, Order, OrderItem, OrderStatus, UploadRecord
from orders.selectors import order_currencies

COUNT_CAP = 10_000
COUNT_CAPPED_LABEL = "{cap:,}+"  # more rows than were counted: "10,000+"
COUNT_ESTIMATED_LABEL = "about {count:,}"  # the planner's estimate
LIST_DATETIME_FORMAT = "%Y-%m-%d %H:%M"  # "Sept. 30, 2025, 5:05 p.m." is twice as wide


class LargeTablePaginator(Paginator):
    """Never counts millions of rows on a page view.

    Unfiltered: the planner's estimate (pg_class.reltuples, kept by ANALYZE/autovacuum).
    Filtered or searched: an exact count up to COUNT_CAP rows; narrow the search to see more.
    `count` stays a number for the page links; `count_label` is what to show, and
    `count_is_exact` says whether the list may offer "select all N".
    """

    @cached_property
    def _counted(self) -> tuple[int, bool, str]:
        """(count for the page links, whether it is exact, what to show)."""
        queryset = self.object_list
        if not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                estimate = cursor.fetchone()[0]
            if estimate >= COUNT_CAP:
                return estimate, False, COUNT_ESTIMATED_LABEL.format(count=estimate)
        counted = queryset[: COUNT_CAP + 1].count()
        if counted > COUNT_CAP:
            return counted, False, COUNT_CAPPED_LABEL.format(cap=COUNT_CAP)
        return counted, True, f"{counted:,}"

    @property
    def count(self) -> int:
        return self._counted[0]

    @property
    def count_is_exact(self) -> bool:
        return self._counted[1]

    @property
    def count_label(self) -> str:
        return self._counted[2]

    def get_elided_page_range(self, number=1, *, on_each_side=3, on_ends=2):
        """Past an inexact count there may be more pages: name no last page, end with "…"."""
        pages = super().get_elided_page_range(number, on_each_side=on_each_side, on_ends=on_ends)
        if self.count_is_exact:
            return pages
        last_shown = self.validate_number(number) + on_each_side
        shown = [page for page in pages if page == self.ELLIPSIS or page <= last_shown]
        while shown and shown[-1] == self.ELLIPSIS:
            shown.pop()
        return [*shown, self.ELLIPSIS]


def list_datetime(value: datetime.datetime) -> str:
    return timezone.localtime(value).strftime(LIST_DATETIME_FORMAT)


class CurrencyFilter(admin.SimpleListFilter):
    """The currencies orders are in, found by a skip scan of their index: Django's own filter
    for a field would read every order (SELECT DISTINCT) on each page view."""

    title = "currency"
    parameter_name = "currency"

    def lookups(self, request, model_admin):
        return [(code, code) for code in order_currencies()]

    def queryset(self, request, queryset):
        return queryset.filter(currency=self.value()) if self.value() else queryset


class ChannelFilter(admin.SimpleListFilter):
    """The configured sales channels (REPORTS_CHANNELS), the only ones an order can name."""

    title = "channel"
    parameter_name = "channel"

    def lookups(self, request, model_admin):
        return [(name, name) for name in channels()]

    def queryset(self, request, queryset):
        return queryset.filter(channel=self.value()) if self.value() else queryset


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    fields = ("sku", "name", "quantity", "price")


class OrderStatusInline(admin.TabularInline):
    model = OrderStatus
    extra = 0
    fields = ("status", "created")
    ordering = ("-created", "-id")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    # Fits a 1280 px window beside the admin's navigation and the filter: short headers, dates
    # as "2025-09-30 17:05", and when the status changed only on the order's own page.
    list_display = ("order_number", "customer", "created", "total", "currency", "channel", "status")
    list_filter = ("current_status", CurrencyFilter, ChannelFilter)
    # "Show counts" on the filter would count every order once per status.
    show_facets = admin.ShowFacets.NEVER
    search_fields = ("=order_number", "=customer__username")
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)
    readonly_fields = ("current_status", "current_status_at")
    inlines = (OrderItemInline, OrderStatusInline)
    # Counting every order on each page view costs seconds at millions of rows.
    show_full_result_count = False
    paginator = LargeTablePaginator
    ordering = ("-id",)

    class Media:
        css = {"all": ("orders/admin.css",)}  # long order numbers and usernames wrap

    @admin.display(description="created", ordering="created_at")
    def created(self, order: Order) -> str:
        return list_datetime(order.created_at)

    @admin.display(description="total", ordering="total_amount")
    def total(self, order: Order):
        return order.total_amount

    @admin.display(description="status", ordering="current_status")
    def status(self, order: Order) -> str:
        return order.current_status


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("username",)
    search_fields = ("=username",)
    show_facets = admin.ShowFacets.NEVER
    show_full_result_count = False
    paginator = LargeTablePaginator
    ordering = ("username",)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are listed, never shown again: only a digest is stored.

    Adding one goes through api_key_create (as the create_api_key command does) and answers with
    a page that shows the plaintext once; it is not kept in the session or a message.
    """

    list_display = (
        "name",
        "scope",
        "customer",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("scope",)
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)  # millions of customers: no select of them all
    actions = ("revoke",)
    ordering = ("-created_at",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "scope", "customer")
        return ("name", "scope", "customer", "prefix", "created_at", "last_used_at", "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("name", "scope", "customer", "prefix", "created_at", "last_used_at")

    def save_model(self, request, obj: ApiKey, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        try:
            request.api_key_plaintext = api_key_create(
                name=obj.name,
                scope=obj.scope,
                customer_username=obj.customer.username if obj.customer_id else None,
            )
        except ApiKeyError as error:  # a race with another admin on the same name
            raise ValidationError(str(error)) from error
        created = ApiKey.objects.get(name=obj.name)
        obj.pk, obj.prefix, obj.created_at = created.pk, created.prefix, created.created_at

    def response_add(self, request, obj: ApiKey, post_url_continue=None):
        return TemplateResponse(
            request,
            "admin/orders/apikey/created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": f"API key {obj.name} created",
                "key": obj,
                "plaintext": request.api_key_plaintext,
            },
        )

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request, queryset) -> None:
        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {revoked} API key(s).", messages.SUCCESS)


@admin.register(UploadRecord)
class UploadRecordAdmin(admin.ModelAdmin):
    """The upload history, read only: written by the uploads (orders.upload_history)."""

    list_display = (
        "created_at",
        "key_name",
        "customer",
        "received",
        "created",
        "updated",
        "unchanged",
        "status_changes",
        "duration_ms",
        "outcome",
    )
    list_filter = ("status", "key_name")
    search_fields = ("=customer", "=request_id")
    show_facets = admin.ShowFacets.NEVER
    show_full_result_count = False
    paginator = LargeTablePaginator
    ordering = ("-created_at", "-id")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
