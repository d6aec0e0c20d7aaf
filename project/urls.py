from django.contrib import admin
from django.urls import include, path

from project.health import healthz
from project.openapi import openapi_view
from project.views import bad_request, not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/openapi.json", openapi_view, name="openapi"),
    path("healthz", healthz, name="healthz"),
    # reports first: its /api/orders/stats must match before /api/orders/<order_number>.
    path("", include("reports.urls")),
    path("", include("orders.urls")),
]

handler400 = bad_request
handler404 = not_found
