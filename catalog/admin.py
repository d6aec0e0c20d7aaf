from __future__ import annotations

from django.contrib import admin

from catalog.models import Category, PriceOperation, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "parent", "updated_at")
    search_fields = ("key", "name")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "category", "price", "rating", "active", "updated_at")
    list_filter = ("active",)
    search_fields = ("sku", "name")
    list_select_related = ("category",)
    raw_id_fields = ("category",)


@admin.register(PriceOperation)
class PriceOperationAdmin(admin.ModelAdmin):
    """The record of price operations: read only (they are applied through the API)."""

    list_display = ("at", "actor", "kind", "percent", "amount", "category_key", "products_changed")
    list_filter = ("kind",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
