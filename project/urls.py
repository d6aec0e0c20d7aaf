from django.contrib import admin
from django.urls import path

from api.main import api
from project.health import healthz, readyz
from project.metrics import metrics
from project.views import bad_request, favicon, landing, not_found
from reports.dashboard import dashboard, dashboard_data

admin.site.site_header = "Order reports"
admin.site.site_title = "Order reports"
admin.site.index_title = "Orders, customers and API keys"

urlpatterns = [
    path("", landing, name="landing"),
    path("favicon.ico", favicon, name="favicon"),
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/data", dashboard_data, name="dashboard-data"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("api/", api.urls),
]

handler400 = bad_request
handler404 = not_found
