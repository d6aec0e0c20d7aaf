from django.urls import path

from orders import views

urlpatterns = [
    path("api/orders/upload", views.orders_upload_view, name="orders-upload"),
    path("api/orders/<str:order_number>/status", views.order_status_view, name="order-status"),
    path("api/orders/<str:order_number>", views.order_detail_view, name="order-detail"),
]
