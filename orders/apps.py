from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from orders import checks  # noqa: F401  (registers the system checks)

        # Connects its signals in every process, commands included: behind a transaction-mode
        # pooler each new connection gets the per-transaction guard.
        from project import statement_timeout  # noqa: F401
