from django.apps import AppConfig
from django.core import checks


class CurrenciesConfig(AppConfig):
    name = "currencies"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from currencies.conf import settings_check

        checks.register(settings_check)
