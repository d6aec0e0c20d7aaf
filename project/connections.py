"""psycopg connections: how Django's load timestamps, and one of its own to the database
Django uses, for what must not share Django's session (tests' second sessions, benchmarks)."""

from __future__ import annotations

import datetime

import psycopg
from django.conf import settings
from django.db import connection
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from psycopg.adapt import Loader
from psycopg.pq import Format

# psycopg's own timestamptz loader: C in psycopg[binary]. Django registers a Python subclass
# of the pure-Python loader (to force its time zone onto each value): on a 50-row cancelled
# page (three timestamps a row), 1,167 more Python calls per request (bench.request_profile).
_C_LOADER = psycopg.adapters.get_loader(psycopg.postgres.types["timestamptz"].oid, Format.TEXT)


class _UtcTimestamptzLoader(Loader):
    """psycopg's C loader, under the `timezone` Django's cursors compare with their connection's
    zone (the C class cannot be subclassed)."""

    timezone = datetime.UTC

    def __init__(self, oid, context=None):
        super().__init__(oid, context)
        self._c_loader = _C_LOADER(oid, context)
        self.load = self._c_loader.load  # called directly, without a Python frame per value

    def load(self, data):
        return self._c_loader.load(data)


@receiver(connection_created, dispatch_uid="project.connections.timestamps_load_in_c")
def _timestamps_load_in_c(sender, connection, **kwargs) -> None:
    """Django sets each session's TimeZone to UTC (settings.TIME_ZONE), and there the C loader
    answers what Django's does: aware datetimes with tzinfo=datetime.timezone.utc."""
    if settings.USE_TZ and connection.timezone_name == "UTC":
        connection.connection.adapters.register_loader("timestamptz", _UtcTimestamptzLoader)


def raw_connection(*, database: str | None = None, autocommit: bool = True, **options):
    """Connect like Django's `default` alias does (or to `database` on the same server).

    Values are bound client-side, as Django binds them, so statements that take no server-side
    parameters (CREATE ROLE … PASSWORD %s, SET …) accept them too."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=database or settings["NAME"],
        user=settings["USER"] or None,
        password=settings.get("PASSWORD") or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=autocommit,
        cursor_factory=psycopg.ClientCursor,
        **options,
    )
