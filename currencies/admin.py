from __future__ import annotations

from django.contrib import admin

from currencies.models import ExchangeRate


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    """Exchange rates into the base currency; a change here moves the reports like an upload's
    (the table's triggers log it for the next refresh)."""

    list_display = ("currency", "day", "rate", "source", "updated_at")
    list_filter = ("currency", "source")
    search_fields = ("currency", "source")
    ordering = ("currency", "-day")
    date_hierarchy = "day"
    readonly_fields = ("updated_at",)
