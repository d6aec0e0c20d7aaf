from django.urls import path

from reports import cancelled_views, views

# Included before orders.urls: /api/orders/stats must win over /api/orders/<order_number>.
urlpatterns = [
    path(
        "api/v1/orders/cancelled/",
        cancelled_views.cancelled_orders_view,
        name="orders-cancelled",
    ),
    path("api/orders/stats", views.customer_stats_view, name="customer-stats"),
    path("api/reports/", views.report_catalog_view, name="reports-catalog"),
    path(
        "api/reports/customers/ranking",
        views.customer_ranking_view,
        name="reports-customer-ranking",
    ),
    path("api/reports/customers/loyal", views.customer_loyal_view, name="reports-customer-loyal"),
    path("api/reports/products/top", views.product_top_view, name="reports-product-top"),
    path(
        "api/reports/products/<str:sku>/also-bought",
        views.product_also_bought_view,
        name="reports-product-also-bought",
    ),
    path("api/reports/revenue/monthly", views.revenue_monthly_view, name="reports-revenue-monthly"),
    path("api/reports/revenue/daily", views.revenue_daily_view, name="reports-revenue-daily"),
]
