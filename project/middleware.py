"""Request ids, and JSON problem responses for every error under /api/."""

from __future__ import annotations

import logging
import re
import uuid

from django.db import DatabaseError, OperationalError

from orders.problems import Problem, problem_response

logger = logging.getLogger("project.api")

API_PREFIX = "/api/"
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
            logger.warning("database unavailable request_id=%s: %s", request_id, exception)
            return problem_response(Problem(503, ERROR_UNAVAILABLE, headers={"Retry-After": "5"}))
        logger.exception("unhandled API error request_id=%s", request_id)
        return problem_response(Problem(500, ERROR_INTERNAL.format(request_id=request_id)))


def _is_unavailable(exception: Exception) -> bool:
    if isinstance(exception, OperationalError):
        return True
    cause = exception.__cause__
    return getattr(cause, "pgcode", None) in {"57014", "57P01", "57P03"}  # timeout, shutdown
