from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from orders.api_keys import api_key_create
from orders.models import ApiKey, ApiKeyScope

DEMO_ADMIN = "admin"
DEMO_KEY_NAME = "demo"


class Command(BaseCommand):
    help = "Local demo only: fresh admin password and demo API key, then the URLs to open."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, **options):
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(
            username=DEMO_ADMIN, defaults={"is_staff": True, "is_superuser": True}
        )
        user.set_password(password)
        user.save()
        ApiKey.objects.filter(name=DEMO_KEY_NAME).delete()
        key = api_key_create(name=DEMO_KEY_NAME, scope=ApiKeyScope.WRITE)
        base = options["base_url"].rstrip("/")
        auth = f"-H 'Authorization: Bearer {key}'"
        sample = (
            '{"user": "test_seller", "orders": [{"order_number": "12345", '
            '"created_at": "2025-11-12T10:00:00Z", "total_amount": 2500.00, '
            '"status": "delivered", "items": ['
            '{"sku": "tea01", "name": "Чай зелёный", "quantity": 2, "price": 500}, '
            '{"sku": "cup01", "name": "Чашка фарфоровая", "quantity": 1, "price": 1500}]}]}'
        )
        lines = [
            "",
            "Order reports demo is starting. Open:",
            f"  Admin     {base}/admin/  (user {DEMO_ADMIN!r}, password {password})",
            f"  API docs  {base}/api/docs  (interactive; 'Authorize' takes the key below)",
            f"  API key (write) {key}",
            "",
            "Try the API:",
            f"  curl -s {auth} -H 'Content-Type: application/json' \\",
            f"       -d '{sample}' \\",
            f"       {base}/api/orders/upload",
            "  # refresh_reports --follow runs beside the server: within a second or two,",
            f"  curl -s {auth} '{base}/api/orders/stats?user=test_seller'",
            f"  curl -s {auth} '{base}/api/order?number=12345'",
            f"  curl -s {auth} -H 'Content-Type: application/json' \\",
            f'       -d \'{{"status": "refunded"}}\' "{base}/api/order/status?number=12345"',
            "",
            "Reports (kept current by `refresh_reports --follow`, started beside the server):",
            f"  curl -s {auth} {base}/api/reports/",
            f"  curl -s {auth} '{base}/api/v1/orders/cancelled/?page=1&page_size=50'",
            f"  curl -s {auth} '{base}/api/v1/orders/cancelled/?order=-cancelled_at&cursor='",
            f"  curl -s {auth} '{base}/api/orders/stats?user=customer_0000001'",
            f"  curl -s {auth} '{base}/api/reports/customers/ranking?limit=10'",
            f"  curl -s {auth} '{base}/api/reports/customers/loyal?min_completed_orders=5'",
            f"  curl -s {auth} '{base}/api/reports/products/top?by=units&limit=10'",
            f"  curl -s {auth} '{base}/api/reports/products/SKU-0001/also-bought?limit=10'",
            f"  curl -s {auth} '{base}/api/reports/revenue/monthly?from=2025-01&to=2025-12'",
            f"  curl -s {auth} '{base}/api/reports/revenue/daily.csv' -o daily.csv",
            "",
        ]
        self.stdout.write("\n".join(lines))
