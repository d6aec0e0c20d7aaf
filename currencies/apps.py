from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class CurrenciesConfig(AppConfig):
    name = "currencies"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from currencies.conf import settings_check
        from currencies.sync import base_currency_sync

        checks.register(settings_check)
        post_migrate.connect(base_currency_sync, sender=self, dispatch_uid="base_currency_sync")
