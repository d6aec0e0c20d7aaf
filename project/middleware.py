"""Request ids, and JSON problem responses for every error under /api/."""

from __future__ import annotations

import logging
import re
import uuid

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from orders.problems import Problem, problem_response

logger = logging.getLogger("project.api")

API_PREFIX = "/api/"
UNAVAILABLE_AS_PROBLEM = (API_PREFIX, "/healthz")
REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

ERROR_UNAVAILABLE = "The database is unavailable or too slow right now; try again shortly."
ERROR_INTERNAL = "An unexpected error occurred; it has been logged with request id {request_id}."


class RequestIdMiddleware:
    """Tags each request with the caller's X-Request-ID (when sane) or a new one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = offered if _VALID_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class StatementTimeoutMiddleware:
    """Web requests run with statement_timeout; set once per database connection.

    Management commands (migrate, generateorders, refresh_reports) never pass through here, so
    they keep the server default or set their own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timeout = settings.REQUEST_STATEMENT_TIMEOUT_MS
        if timeout:
            try:
                # Open the session now, not later inside the view: a connection aged out by
                # CONN_MAX_AGE was closed at the start of this request, and the flag below
                # must describe the session the view will use.
                connection.ensure_connection()
                if getattr(connection, "statement_timeout_ms", None) != timeout:
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "SELECT set_config('statement_timeout', %s, false)", [str(timeout)]
                        )
                    connection.statement_timeout_ms = timeout
            except OperationalError as error:
                if not request.path.startswith(UNAVAILABLE_AS_PROBLEM):
                    raise
                return unavailable(request, error)
        return self.get_response(request)


@receiver(connection_created)
def _forget_statement_timeout(sender, connection, **kwargs) -> None:
    connection.statement_timeout_ms = None  # a new session starts with the server default


class ApiProblemMiddleware:
    """API errors are application/problem+json: never an HTML page or a stack trace."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Problem):
            return problem_response(exception)
        if not request.path.startswith(API_PREFIX):
            return None
        request_id = getattr(request, "request_id", "-")
        if isinstance(exception, OperationalError | DatabaseError) and _is_unavailable(exception):
            return unavailable(request, exception)
        logger.exception("unhandled API error request_id=%s", request_id)
        return problem_response(Problem(500, ERROR_INTERNAL.format(request_id=request_id)))


def unavailable(request, error: Exception):
    logger.warning(
        "database unavailable request_id=%s: %s", getattr(request, "request_id", "-"), error
    )
    return problem_response(Problem(503, ERROR_UNAVAILABLE, headers={"Retry-After": "5"}))


def _is_unavailable(exception: Exception) -> bool:
    if isinstance(exception, OperationalError):
        return True
    cause = exception.__cause__
    return getattr(cause, "pgcode", None) in {"57014", "57P01", "57P03"}  # timeout, shutdown
