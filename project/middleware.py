"""Request ids, and JSON problem responses for every error under /api/."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, OperationalError, connection
from django.dispatch import receiver

from api.errors import database_problem, unavailable, unexpected
from api.problems import PROBLEM_CONTENT_TYPE, Problem, problem_response
from project.logs import request_id_bind
from project.statement_timeout import statement_timeout_set

API_PREFIX = "/api/"
UNAVAILABLE_AS_PROBLEM = (API_PREFIX, "/healthz", "/readyz")
# Answers without a database: /metrics still serves the workers' samples (project.metrics).
DATABASE_OPTIONAL = ("/metrics",)
REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

ERROR_METHOD = "Use {allowed} on this endpoint."


class RequestIdMiddleware:
    """Tags each request with the caller's X-Request-ID (when sane) or a new one.

    The id stays bound until the request is finished (`request_finished`, once the answer,
    streamed or not, has been sent), so every line logged for the request carries it, Django's
    own "Not Found: ..." lines after the middleware included (project.logs).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        request.request_id = offered if _VALID_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        request_id_bind(request.request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


@receiver(request_started, dispatch_uid="project.middleware.request_id_unbind_start")
@receiver(request_finished, dispatch_uid="project.middleware.request_id_unbind_finish")
def _request_id_unbind(sender, **kwargs) -> None:
    request_id_bind(None)


class StatementTimeoutMiddleware:
    """Web requests run with statement_timeout (project.statement_timeout): set once per
    database session, or per transaction behind a transaction-mode pooler.

    Management commands (migrate, generateorders, refresh_reports) never pass through here, so
    they keep the server default or set their own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.REQUEST_STATEMENT_TIMEOUT_MS:
            try:
                statement_timeout_set(connection)
            except OperationalError as error:
                if request.path in DATABASE_OPTIONAL:
                    return self.get_response(request)
                if not request.path.startswith(UNAVAILABLE_AS_PROBLEM):
                    raise
                return unavailable(request, error)
        return self.get_response(request)


class ApiProblemMiddleware:
    """API answers are never cached by a shared cache; errors are application/problem+json.

    Endpoint errors become problems in `api.errors`; what is left are the answers Django gives
    around the endpoints (a method an endpoint does not take) and errors outside the API's own
    handlers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX):
            return response
        response.setdefault("Cache-Control", "private, no-store")
        if response.status_code == 405 and response.get("Content-Type") != PROBLEM_CONTENT_TYPE:
            allowed = response.get("Allow", "")
            problem = Problem(405, ERROR_METHOD.format(allowed=allowed), headers={"Allow": allowed})
            return problem_response(problem)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Problem):
            return problem_response(exception)
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, DatabaseError):
            return database_problem(request, exception)
        return unexpected(request, exception)
