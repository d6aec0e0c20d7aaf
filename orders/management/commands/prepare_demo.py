from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

DEMO_ADMIN = "admin"


class Command(BaseCommand):
    help = "Local demo only: (re)set the demo admin's password and print the URLs to open."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, **options):
        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(
            username=DEMO_ADMIN, defaults={"is_staff": True, "is_superuser": True}
        )
        user.set_password(password)
        user.save()
        base = options["base_url"].rstrip("/")
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "Order reports demo is starting. Open:",
                    f"  Admin      {base}/admin/  (user {DEMO_ADMIN!r}, password {password})",
                    f"  Cancelled  {base}/admin/orders/order/?current_status__exact=Cancelled",
                    "",
                ]
            )
        )
