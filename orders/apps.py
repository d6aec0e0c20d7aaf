from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Uploads refused before their view runs (a body that does not validate) are recorded.
        from api.errors import REFUSED_INPUT_HOOKS
        from orders import checks  # noqa: F401  (registers the system checks)
        from orders.upload_history import upload_refused_record

        # Connects their signals in every process, commands included: behind a transaction-mode
        # pooler each new connection gets the per-transaction guard; timestamps load in C.
        from project import connections, statement_timeout  # noqa: F401

        if upload_refused_record not in REFUSED_INPUT_HOOKS:
            REFUSED_INPUT_HOOKS.append(upload_refused_record)
