from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from orders import checks  # noqa: F401  (registers the system checks)

        # Connects their signals in every process, commands included: behind a transaction-mode
        # pooler each new connection gets the per-transaction guard; timestamps load in C.
        from project import connections, statement_timeout  # noqa: F401
