from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property

from orders.models import ApiKey, Customer, Order, OrderItem, OrderStatus

COUNT_CAP = 10_000


class LargeTablePaginator(Paginator):
    """Never counts millions of rows on a page view.

    Unfiltered: the planner's estimate (pg_class.reltuples, kept by ANALYZE/autovacuum).
    Filtered or searched: an exact count up to COUNT_CAP rows; narrow the search to see more.
    """

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                estimate = cursor.fetchone()[0]
            if estimate >= COUNT_CAP:
                return estimate
        return queryset[: COUNT_CAP + 1].count()


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
    list_display = (
        "order_number",
        "customer",
        "created_at",
        "total_amount",
        "current_status",
        "current_status_at",
    )
    list_filter = ("current_status",)
    search_fields = ("=order_number", "=customer__username")
    list_select_related = ("customer",)
    raw_id_fields = ("customer",)
    readonly_fields = ("current_status", "current_status_at")
    inlines = (OrderItemInline, OrderStatusInline)
    # Counting every order on each page view costs seconds at millions of rows.
    show_full_result_count = False
    paginator = LargeTablePaginator
    ordering = ("-id",)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("username",)
    search_fields = ("=username",)
    show_full_result_count = False
    paginator = LargeTablePaginator
    ordering = ("username",)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are listed, never shown: only a digest is stored. Create them with create_api_key."""

    list_display = ("name", "scope", "customer", "prefix", "created_at", "revoked_at")
    list_filter = ("scope",)
    list_select_related = ("customer",)
    readonly_fields = ("name", "scope", "customer", "prefix", "created_at")
    fields = ("name", "scope", "customer", "prefix", "created_at", "revoked_at")

    def has_add_permission(self, request) -> bool:
        return False
