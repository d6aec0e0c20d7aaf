"""Request names shared by the locustfile and the runner (no locust import: it patches
the standard library with gevent).

Every request is named by its endpoint, so statistics group per endpoint, not per URL.
"""

REPORT_CATALOG = "GET /api/reports/"
REPORT_RANKING = "GET /api/reports/customers/ranking"
REPORT_LOYAL = "GET /api/reports/customers/loyal"
REPORT_TOP = "GET /api/reports/products/top"
REPORT_ALSO_BOUGHT = "GET /api/reports/products/[sku]/also-bought"
REPORT_MONTHLY = "GET /api/reports/revenue/monthly"
REPORT_DAILY = "GET /api/reports/revenue/daily"
STATS = "GET /api/orders/stats"
CANCELLED_PAGE = "GET /api/v1/orders/cancelled/?page="
CANCELLED_CURSOR = "GET /api/v1/orders/cancelled/?cursor="
ORDER_DETAIL = "GET /api/orders/[order_number]"
UPLOAD = "POST /api/orders/upload"
UPLOAD_AGAIN = "POST /api/orders/upload (changed)"

# Task weights of each locust user (the task that sends requests of that name; a cursor walk
# follows up to 3 pages, a changed re-upload needs an earlier upload of the same user).
WEIGHTS = {
    REPORT_CATALOG: 2,
    REPORT_RANKING: 3,
    REPORT_LOYAL: 2,
    REPORT_TOP: 3,
    REPORT_ALSO_BOUGHT: 3,
    REPORT_MONTHLY: 2,
    REPORT_DAILY: 2,
    STATS: 4,
    CANCELLED_PAGE: 3,
    CANCELLED_CURSOR: 1,
    ORDER_DETAIL: 2,
    UPLOAD: 2,
    UPLOAD_AGAIN: 1,
}
THINK_TIME_S = (0.2, 1.0)  # between two tasks of one user
