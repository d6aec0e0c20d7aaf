from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from orders.api_keys import ApiKeyError, api_key_create
from orders.models import ApiKeyScope


class Command(BaseCommand):
    help = "Create an API key; the key is printed alone on the last line and never again."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--scope", required=True, choices=[s.value for s in ApiKeyScope])
        parser.add_argument("--customer", help="bind the key to this customer's username")

    def handle(self, *args, **options):
        try:
            key = api_key_create(
                name=options["name"],
                scope=options["scope"],
                customer_username=options["customer"],
            )
        except ApiKeyError as error:
            raise CommandError(str(error)) from error
        bound = f" bound to customer {options['customer']!r}" if options["customer"] else ""
        self.stderr.write(f"Created {options['scope']} key {options['name']!r}{bound}. Keep it:")
        self.stdout.write(key)
