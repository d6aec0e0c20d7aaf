from __future__ import annotations

from django.conf import settings
from django.core import checks

POSTGRESQL_ENGINE = "django.db.backends.postgresql"
E001_NOT_POSTGRESQL = "orders.E001"


@checks.register(checks.Tags.database, deploy=False)
def check_database_is_postgresql(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Triggers, partial indexes and the reports' views need PostgreSQL; refuse anything else."""
    errors = []
    for alias, config in settings.DATABASES.items():
        engine = config.get("ENGINE", "")
        if engine != POSTGRESQL_ENGINE:
            errors.append(
                checks.Error(
                    f"Database {alias!r} uses {engine!r}; this project needs PostgreSQL.",
                    hint="Set DATABASE_URL=postgres://... or unset it to use the embedded "
                    "PostgreSQL. SQLite and other engines are not supported.",
                    id=E001_NOT_POSTGRESQL,
                )
            )
    return errors
