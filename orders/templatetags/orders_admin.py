"""What the admin templates under orders/templates/admin/ ask for."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()

DASHBOARD_URL_NAME = "dashboard"
DASHBOARD_PATH = "/dashboard/"  # where it is served when its URL name is not there (yet)


@register.filter
def count_label(cl) -> str:
    """The changelist's count as it may be read: "10,000+", "about 2,000,000" or exact."""
    return getattr(cl.paginator, "count_label", str(cl.result_count))


@register.filter
def count_is_exact(cl) -> bool:
    """Only an exact count may be offered as "select all N" (Django's paginators count all)."""
    return getattr(cl.paginator, "count_is_exact", True)


@register.simple_tag
def reports_url() -> str:
    """The reports dashboard, for staff (reports/dashboard.py)."""
    try:
        return reverse(DASHBOARD_URL_NAME)
    except NoReverseMatch:
        return DASHBOARD_PATH
