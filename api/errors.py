"""Every error of the API as RFC 9457 problem+json: the exception handlers of `api.main`.

A pydantic error becomes one `{pointer, detail}` per invalid field: `/orders/0/items/1/quantity`
in a body (422), `/query/limit` in a query string (400). The messages are short and the same
wherever a field is checked; the ones pydantic words well are kept as they are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, OperationalError
from django.http import Http404, HttpRequest
from ninja.errors import HttpError, ValidationError

from api.body import ERROR_TOO_LARGE, MAX_BODY_BYTES
from api.problems import FieldError, Problem, pointer, problem_response
from project.replica import replica_failed_request

logger = logging.getLogger("project.api")

ERROR_BODY = "The body has {count} invalid field(s); nothing was written."
ERROR_QUERY = "Some query parameters are invalid; see errors."
ERROR_EMPTY_BODY = "The body is empty: send a JSON object."
ERROR_UNAVAILABLE = "The database is unavailable or too slow right now; try again shortly."
ERROR_INTERNAL = "An unexpected error occurred; it has been logged with request id {request_id}."
ERROR_NOT_FOUND = "There is no endpoint at {path}."

# pydantic error type -> our wording (its context fills the braces).
MESSAGES = {
    "missing": "is required",
    "int_parsing": "must be an integer",
    "int_type": "must be an integer",
    "int_from_float": "must be an integer",
    "string_type": "must be a string",
    "string_too_short": "must not be empty",
    "string_too_long": "must be at most {max_length} characters",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "too_short": "must not be empty",
    "too_long": "must contain at most {max_length} elements",
    "list_type": "must be an array",
    "model_type": "must be an object",
    "dict_type": "must be an object",
    "model_attributes_type": "must be an object",
    "literal_error": "must be one of: {expected}",
    "enum": "must be one of: {expected}",
}


def _detail(error: dict) -> str:
    template = MESSAGES.get(error["type"])
    if template is None:
        return error["msg"]
    context = {**error.get("ctx", {})}
    if "expected" in context:
        context["expected"] = context["expected"].replace("'", "").replace(" or ", ", ")
    return template.format(**context)


def validation_problem(errors: list[dict]) -> Problem:
    source = errors[0]["loc"][0]
    if source == "body":  # loc: ("body", <parameter name>, field, ...)
        if all(len(error["loc"]) <= 2 for error in errors):
            return Problem(400, ERROR_EMPTY_BODY)
        return body_problem([FieldError(pointer(*e["loc"][2:]), _detail(e)) for e in errors])
    return query_problem([FieldError(pointer(*e["loc"]), _detail(e)) for e in errors])


# Called as hook(request, problem) when a request's input does not validate, before its view
# runs: the upload history (orders.upload_history) records refused uploads this way.
REFUSED_INPUT_HOOKS: list[Callable[[HttpRequest, Problem], None]] = []


def _validation(request: HttpRequest, exc: ValidationError):
    problem = validation_problem(exc.errors)
    for hook in REFUSED_INPUT_HOOKS:
        hook(request, problem)
    return problem_response(problem)


def _problem(request: HttpRequest, exc: Problem):
    return problem_response(exc)


def _http_error(request: HttpRequest, exc: HttpError):
    if isinstance(exc.__cause__, Problem):  # raised while reading the body (api.body)
        return problem_response(exc.__cause__)
    return problem_response(Problem(exc.status_code, str(exc)))


def _not_found(request: HttpRequest, exc: Http404):
    return problem_response(Problem(404, ERROR_NOT_FOUND.format(path=request.path)))


def query_problem(errors: list[FieldError]) -> Problem:
    """400 for query parameters the schemas cannot judge alone (a range, a cursor)."""
    return Problem(400, ERROR_QUERY, errors=errors)


def body_problem(errors: list[FieldError]) -> Problem:
    """422 for a body's fields, also those judged against each other (orders.schemas)."""
    return Problem(422, ERROR_BODY.format(count=len(errors)), errors=errors)


def _too_large(request: HttpRequest, exc: RequestDataTooBig):
    return problem_response(Problem(413, ERROR_TOO_LARGE.format(limit=MAX_BODY_BYTES)))


def database_problem(request: HttpRequest, exc: DatabaseError):
    replica_failed_request(request, exc)
    if is_unavailable(exc):
        return unavailable(request, exc)
    return unexpected(request, exc)


def unexpected(request: HttpRequest, exc: Exception):
    request_id = getattr(request, "request_id", "-")
    logger.error("unhandled API error request_id=%s", request_id, exc_info=exc)
    return problem_response(Problem(500, ERROR_INTERNAL.format(request_id=request_id)))


def unavailable(request: HttpRequest, error: Exception):
    logger.warning(
        "database unavailable request_id=%s: %s", getattr(request, "request_id", "-"), error
    )
    return problem_response(Problem(503, ERROR_UNAVAILABLE, headers={"Retry-After": "5"}))


def is_unavailable(exception: Exception) -> bool:
    if isinstance(exception, OperationalError):
        return True
    cause = exception.__cause__
    return getattr(cause, "sqlstate", None) in {"57014", "57P01", "57P03"}  # timeout, shutdown


HANDLERS = {
    ValidationError: _validation,
    Problem: _problem,
    HttpError: _http_error,
    Http404: _not_found,
    RequestDataTooBig: _too_large,
    DatabaseError: database_problem,
    Exception: unexpected,
}
