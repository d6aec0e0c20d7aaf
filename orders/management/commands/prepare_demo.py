from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from orders.demo import DemoCredentials, demo_credentials_ensure

ERROR_NOT_DEMO = (
    "prepare_demo is for the local demo only (DJANGO_DEMO=1): it keeps the admin password and "
    "an API key in plain text in .local/."
)


class Command(BaseCommand):
    help = (
        "Local demo only: the admin user and the demo API key (kept in .local/ across runs, "
        "new with --rotate), then the URLs to open."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="replace the admin password and the demo API key (`make run ROTATE=1`)",
        )

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError(ERROR_NOT_DEMO)
        credentials = demo_credentials_ensure(rotate=options["rotate"])
        base = options["base_url"].rstrip("/")
        self.stdout.write(banner(credentials, base=base, metrics=bool(settings.METRICS_TOKEN)))


def banner(credentials: DemoCredentials, *, base: str, metrics: bool = False) -> str:
    user, password = credentials.admin_username, credentials.admin_password
    key = credentials.api_key
    auth = f"-H 'Authorization: Bearer {key}'"
    sample = (
        '{"user": "test_seller", "orders": [{"order_number": "12345", '
        '"created_at": "2025-11-12T10:00:00Z", "total_amount": 2500.00, '
        '"status": "delivered", "items": ['
        '{"sku": "tea01", "name": "Чай зелёный", "quantity": 2, "price": 500}, '
        '{"sku": "cup01", "name": "Чашка фарфоровая", "quantity": 1, "price": 1500}]}]}'
    )
    if credentials.created:
        kept = f"New credentials, kept in {credentials.path} for the next runs."
    else:
        kept = f"The same credentials as the last run (kept in {credentials.path})."
    lines = [
        "",
        "Order reports demo is starting. Open:",
        f"  Home       {base}/",
        f"  API docs   {base}/api/docs  (interactive; 'Authorize' takes the API key below)",
        f"  Dashboard  {base}/dashboard/  (staff only: log in as {user!r} with the password below)",
        f"  Admin      {base}/admin/  (the same login)",
        f"  Metrics    {base}/metrics  ('Authorization: Bearer' and your METRICS_TOKEN)"
        if metrics
        else "  Metrics    off: set METRICS_TOKEN (16+ characters) to serve /metrics",
        "",
        f"  Admin user      {user}",
        f"  Admin password  {password}",
        f"  API key (write) {key}",
        f"  {kept}",
        "  New ones: make run ROTATE=1 (or: ./manage prepare_demo --rotate).",
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
        f"  curl -s {auth} '{base}/api/reports/customers/loyal?more_than=5'",
        f"  curl -s {auth} '{base}/api/reports/products/top?by=units&limit=10'",
        f"  curl -s {auth} '{base}/api/reports/products/also-bought?sku=SKU-0001&limit=10'",
        f"  curl -s {auth} '{base}/api/reports/revenue/monthly?from=2025-01&to=2025-12'",
        f"  curl -s {auth} '{base}/api/reports/revenue/daily.csv' -o daily.csv",
        "",
    ]
    return "\n".join(lines)
