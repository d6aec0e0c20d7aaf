"""JSON in and out: the strict body parser and the renderer of the API (`api.main`).

Bodies are read strictly: JSON only, UTF-8, one object, numbers with a fraction kept as exact
decimals (money is never a float), no lone UTF-16 surrogates. Answers write Decimals as JSON
numbers exactly as quantized (2500.00) and datetimes in ISO 8601.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import re
from decimal import Decimal

import simplejson
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja.parser import Parser
from ninja.renderers import BaseRenderer

from api.problems import Problem, problem_response

MAX_BODY_BYTES = 10 * 1024 * 1024
JSON_CONTENT_TYPES = ("application/json",)

ERROR_CONTENT_TYPE = "Send the body as JSON with 'Content-Type: application/json'."
ERROR_TOO_LARGE = "The body is over the limit of {limit} bytes."
ERROR_BODY_TIMEOUT = "The body did not arrive within {seconds} seconds."
ERROR_NOT_UTF8 = "The body is not valid UTF-8."
ERROR_NOT_JSON = "The body is not valid JSON: {reason}."
ERROR_NOT_OBJECT = "The body must be a JSON object."
ERROR_NUMBER_TOO_LONG = "a number has more digits than any field accepts"
ERROR_LONE_SURROGATE = (
    "The string at {pointer} holds a lone UTF-16 surrogate (\\ud800-\\udfff), which is not "
    "a character: send a valid pair or the character itself."
)
# A surrogate escape in the text; only when there is one is the parsed body searched.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict:
        return read_json_object(request)


def read_json_object(request: HttpRequest) -> dict:
    content_type = request.content_type or ""
    if content_type not in JSON_CONTENT_TYPES and not content_type.endswith("+json"):
        raise Problem(415, ERROR_CONTENT_TYPE)
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Problem(400, ERROR_NOT_UTF8) from error
    try:
        body = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise Problem(400, ERROR_NOT_JSON.format(reason=error.msg)) from error
    except RecursionError as error:
        raise Problem(400, ERROR_NOT_JSON.format(reason="nested too deeply")) from error
    except ValueError as error:  # Python's limit on the digits of an integer (4,300)
        raise Problem(400, ERROR_NOT_JSON.format(reason=ERROR_NUMBER_TOO_LONG)) from error
    if not isinstance(body, dict):
        raise Problem(400, ERROR_NOT_OBJECT)
    if SURROGATE_ESCAPE.search(text) and (where := _lone_surrogate(body, "")) is not None:
        raise Problem(400, ERROR_LONE_SURROGATE.format(pointer=where or "/"))
    return body


class BodyLimitMiddleware:
    """413 before any view reads a body over the limit; the whole body read before anything
    opens a database connection, within REQUEST_BODY_TIMEOUT_SECONDS under gevent.

    A chunked body has no Content-Length, so Django would read it as empty: it is read here
    from the server, which decodes the chunks (gunicorn does), up to the limit. Reading every
    body here, ahead of the middleware that opens the request's database session, means a
    client sending its body slowly holds no database connection; under gunicorn's gevent
    worker (`make run`) it holds one greenlet, for at most the body timeout (408), while other
    requests are served (docs/OPERATIONS.md).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        declared = request.META.get("CONTENT_LENGTH") or ""
        too_large = declared.isdigit() and int(declared) > MAX_BODY_BYTES
        chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        with_body = request.method in ("POST", "PUT", "PATCH")
        try:
            with body_read_deadline():
                if chunked and not declared and with_body:
                    raw = request.META["wsgi.input"].read(MAX_BODY_BYTES + 1)
                    too_large = len(raw) > MAX_BODY_BYTES
                    request._body = raw
                elif with_body and not too_large and declared.isdigit() and int(declared):
                    request.body  # noqa: B018 (read now, kept by the request)
        except BodyTimeout:
            timeout = settings.REQUEST_BODY_TIMEOUT_SECONDS
            problem = Problem(408, ERROR_BODY_TIMEOUT.format(seconds=timeout))
            problem.headers["Connection"] = "close"
            return problem_response(problem)
        if too_large and request.path.startswith("/api/"):
            return problem_response(Problem(413, ERROR_TOO_LARGE.format(limit=MAX_BODY_BYTES)))
        return self.get_response(request)


class BodyTimeout(Exception):
    """The body did not arrive within REQUEST_BODY_TIMEOUT_SECONDS."""


def body_read_deadline():
    """Under gevent, a deadline on the whole read; elsewhere none: a sync worker that waits
    past gunicorn's `timeout` is restarted by its master, which is why it sits behind nginx."""
    if not settings.GREENLET_WORKER:
        return contextlib.nullcontext()
    import gevent

    return gevent.Timeout(settings.REQUEST_BODY_TIMEOUT_SECONDS, BodyTimeout)


def _lone_surrogate(value, where: str) -> str | None:
    """The JSON pointer of the first string (or key) holding a lone surrogate, if any."""
    if isinstance(value, str):
        return where if any("\ud800" <= char <= "\udfff" for char in value) else None
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in children:
        step = f"{where}/{str(key).replace('~', '~0').replace('/', '~1')}"
        if isinstance(key, str) and _lone_surrogate(key, step) is not None:
            return step
        found = _lone_surrogate(child, step)
        if found is not None:
            return found
    return None


def _json_default(value):
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_dumps(data) -> str:
    return simplejson.dumps(data, use_decimal=True, default=_json_default, ensure_ascii=False)


class DecimalJsonRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data, *, response_status: int) -> str:
        return json_dumps(data)


def json_response(data: dict, *, status: int = 200) -> HttpResponse:
    """JSON outside the API's endpoints (/healthz), written as the API writes it."""
    return HttpResponse(json_dumps(data), status=status, content_type="application/json")
