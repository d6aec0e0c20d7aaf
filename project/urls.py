from django.contrib import admin
from django.urls import path

from api.main import api
from project.health import healthz
from project.views import bad_request, not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", api.urls),
]

handler400 = bad_request
handler404 = not_found
