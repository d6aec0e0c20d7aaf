"""Web requests' statement_timeout (REQUEST_STATEMENT_TIMEOUT_MS), set once per session."""

from __future__ import annotations

from django.conf import settings


def statement_timeout_set(database) -> None:
    """Open `database`'s session (the default connection, or the replica's: project.replica)
    and give it REQUEST_STATEMENT_TIMEOUT_MS, once per session.

    The session is opened now, not later inside the view: a connection aged out by CONN_MAX_AGE
    was closed at the start of this request, and the flag below must describe the session the
    view will use.
    """
    timeout = settings.REQUEST_STATEMENT_TIMEOUT_MS
    database.ensure_connection()
    # Marked on the session itself: a pooled one serves many requests, and Django hands out a
    # different one (or a new one) from request to request.
    session = database.connection
    if timeout and getattr(session, "statement_timeout_ms", None) != timeout:
        with database.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(timeout)])
        session.statement_timeout_ms = timeout
