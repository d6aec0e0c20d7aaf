from django.contrib import admin
from django.urls import path

from api.main import api
from project.health import healthz, readyz
from project.metrics import metrics
from project.views import bad_request, landing, not_found
from reports.dashboard import dashboard, dashboard_data

urlpatterns = [
    path("", landing, name="landing"),
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
