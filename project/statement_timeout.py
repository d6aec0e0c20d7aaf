"""Web requests' statement_timeout (REQUEST_STATEMENT_TIMEOUT_MS), set once per session."""

from __future__ import annotations

from django.conf import settings
from django.db.backends.signals import connection_created
from django.dispatch import receiver


def statement_timeout_set(database) -> None:
    """Open `database`'s session (the default connection, or the replica's: project.replica)
    and give it REQUEST_STATEMENT_TIMEOUT_MS, once per session.

    The session is opened now, not later inside the view: a connection aged out by CONN_MAX_AGE
    was closed at the start of this request, and the flag below must describe the session the
    view will use.
    """
    timeout = settings.REQUEST_STATEMENT_TIMEOUT_MS
    database.ensure_connection()
    if timeout and getattr(database, "statement_timeout_ms", None) != timeout:
        with database.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(timeout)])
        database.statement_timeout_ms = timeout


@receiver(connection_created)
def _forget_statement_timeout(sender, connection, **kwargs) -> None:
    connection.statement_timeout_ms = None  # a new session starts with the server default
