from django.contrib import admin
from django.urls import include, path

from project.views import not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("orders.urls")),
]

handler404 = not_found
