"""The web requests' statement_timeout: per session on a direct connection, per transaction
behind a transaction-mode pooler.

Directly connected, a session keeps a `SET`: the request sets it once per database session.
Behind PgBouncer in transaction mode (`DATABASE_POOLER=transaction`) a server connection is a
client's only for one transaction, so a session-level SET would be lost for the request's next
transactions (run on another server connection) and left behind for whichever client gets that
server connection next. There an execute wrapper makes the request timeout the first thing of
every transaction the request opens, `set_config('statement_timeout', ms, true)`, which ends
with the transaction; a statement in autocommit runs in a short transaction of its own for it.
`SET TRANSACTION ISOLATION LEVEL` must be a transaction's first statement, so it runs first.

Management commands never pass through the middleware: they keep the server default or set
their own per transaction (refresh_reports).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, ProgrammingError, connections, transaction
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from psycopg.pq import TransactionStatus

POOLER_TRANSACTION = "transaction"
SET_STATEMENT_TIMEOUT = "SELECT set_config('statement_timeout', %s, {local})"
_SET_TRANSACTION = re.compile(r"\s*SET\s+TRANSACTION\b", re.IGNORECASE)

ERROR_CURSOR_OUTSIDE_TRANSACTION = (
    "A server-side cursor (QuerySet.iterator(), chunked_cursor()) outside a transaction: behind "
    "a transaction-mode pooler (DATABASE_POOLER=transaction) its FETCHes may reach another "
    "server connection. Open it inside transaction.atomic()."
)


def per_transaction(connection) -> bool:
    """Whether this connection goes through a transaction-mode pooler: DATABASE_POOLER says so
    of the primary's, DATABASE_REPLICA_POOLER of the read replica's (project.replica)."""
    modes = {
        DEFAULT_DB_ALIAS: settings.DATABASE_POOLER,
        "replica": settings.DATABASE_REPLICA_POOLER,
    }
    return modes.get(connection.alias) == POOLER_TRANSACTION


def request_statement_timeout(connection, timeout_ms: int) -> None:
    """The request's queries on `connection` stop after `timeout_ms`; the connection is open."""
    if per_transaction(connection):
        connection.request_statement_timeout_ms = timeout_ms  # read by transaction_timeout_set
        return
    # Marked on the session itself: one from Django's pool serves many requests, and Django
    # hands out a different one (or a new one) from request to request.
    session = connection.connection
    if getattr(session, "statement_timeout_ms", None) != timeout_ms:
        with connection.cursor() as cursor:
            cursor.execute(SET_STATEMENT_TIMEOUT.format(local="false"), [str(timeout_ms)])
        session.statement_timeout_ms = timeout_ms


def statement_timeout_set(database) -> None:
    """Open `database`'s session (the default connection, or the replica's: project.replica)
    and give the request's queries on it REQUEST_STATEMENT_TIMEOUT_MS.

    The session is opened now, not later inside the view: a connection aged out by CONN_MAX_AGE
    was closed at the start of this request, and the timeout must hold on the session the view
    will use.
    """
    database.ensure_connection()
    if settings.REQUEST_STATEMENT_TIMEOUT_MS:
        request_statement_timeout(database, settings.REQUEST_STATEMENT_TIMEOUT_MS)


def _transaction_idle(connection) -> bool:
    """No transaction open on the server: the next statement starts one."""
    return connection.connection.info.transaction_status == TransactionStatus.IDLE


def _timeout_set_local(connection, timeout_ms: int) -> None:
    # A cursor of the driver's own: this statement does not pass through the wrappers again.
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        cursor.execute(SET_STATEMENT_TIMEOUT.format(local="true"), [str(timeout_ms)])


def _first_statement(execute, sql, params, many, context, timeout_ms: int):
    connection = context["connection"]
    if isinstance(sql, str) and _SET_TRANSACTION.match(sql):
        result = execute(sql, params, many, context)
        _timeout_set_local(connection, timeout_ms)
        return result
    _timeout_set_local(connection, timeout_ms)
    return execute(sql, params, many, context)


def transaction_timeout_set(execute, sql, params, many, context):
    """Execute wrapper, behind a transaction-mode pooler: each transaction a request opens
    starts with its statement timeout; a server-side cursor needs a transaction."""
    connection = context["connection"]
    autocommit = connection.get_autocommit()
    if autocommit and getattr(context["cursor"].cursor, "name", None):
        raise ProgrammingError(ERROR_CURSOR_OUTSIDE_TRANSACTION)
    timeout_ms = getattr(connection, "request_statement_timeout_ms", None)
    if not timeout_ms or not _transaction_idle(connection):
        return execute(sql, params, many, context)
    if autocommit:
        with transaction.atomic(using=connection.alias):
            return _first_statement(execute, sql, params, many, context, timeout_ms)
    return _first_statement(execute, sql, params, many, context, timeout_ms)


@receiver(connection_created, dispatch_uid="project.statement_timeout.connection_prepare")
def _connection_prepare(sender, connection, **kwargs) -> None:
    if per_transaction(connection) and transaction_timeout_set not in connection.execute_wrappers:
        connection.execute_wrappers.append(transaction_timeout_set)


@receiver(request_finished, dispatch_uid="project.statement_timeout.request_end")
def _request_end(sender, **kwargs) -> None:
    """After the answer (a streamed one included) was sent: queries run outside a request next
    (a test's, a thread's) are not the request's."""
    for connection in connections.all(initialized_only=True):
        connection.request_statement_timeout_ms = None
