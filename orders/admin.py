from __future__ import annotations

from django.contrib import admin

from orders.models import ApiKey, Customer, Order, OrderItem, OrderStatus


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
    ordering = ("-id",)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("username",)
    search_fields = ("=username",)
    show_full_result_count = False
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
