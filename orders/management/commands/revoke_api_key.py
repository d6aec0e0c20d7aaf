from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from orders.api_keys import ApiKeyError, api_key_revoke


class Command(BaseCommand):
    help = "Revoke an API key by name; requests with it get 401 from now on."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, **options):
        try:
            api_key_revoke(name=options["name"])
        except ApiKeyError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Revoked API key {options['name']!r}.")
