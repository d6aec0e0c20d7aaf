"""The HTTP edge of the API: bearer-key authentication, scopes, JSON bodies, JSON responses."""

from __future__ import annotations

import datetime
import functools
import json
import re
from collections.abc import Callable
from decimal import Decimal

import simplejson
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from orders.api_keys import api_key_authenticate
from orders.models import ApiKey
from orders.problems import Problem

MAX_BODY_BYTES = 10 * 1024 * 1024
CENT = Decimal("0.01")
JSON_CONTENT_TYPES = ("application/json",)

ERROR_NO_KEY = "Send an API key as 'Authorization: Bearer <key>'."
ERROR_BAD_KEY = "The API key is unknown or revoked."
ERROR_READ_ONLY_KEY = "This API key has the read scope; this endpoint needs a write key."
ERROR_OTHER_CUSTOMER = "This API key is bound to another customer."
ERROR_METHOD = "Use {allowed} on this endpoint."
ERROR_CONTENT_TYPE = "Send the body as JSON with 'Content-Type: application/json'."
ERROR_TOO_LARGE = "The body is over the limit of {limit} bytes."
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


def api_view(*, methods: tuple[str, ...], write: bool = False) -> Callable:
    """Allowed methods, a valid bearer key, and the write scope where `write` is set."""

    def decorator(view: Callable) -> Callable:
        @csrf_exempt  # bearer keys, not cookies: no CSRF exposure
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if request.method not in methods:
                raise Problem(
                    405,
                    ERROR_METHOD.format(allowed=", ".join(methods)),
                    headers={"Allow": ", ".join(methods)},
                )
            request.api_key = _authenticate(request)
            if write and not request.api_key.can_write:
                raise Problem(403, ERROR_READ_ONLY_KEY)
            response = view(request, *args, **kwargs)
            response.setdefault("Cache-Control", "private, no-store")
            return response

        return wrapper

    return decorator


def _authenticate(request: HttpRequest) -> ApiKey:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise Problem(401, ERROR_NO_KEY, headers={"WWW-Authenticate": "Bearer"})
    key = api_key_authenticate(presented=presented.strip())
    if key is None:
        raise Problem(401, ERROR_BAD_KEY, headers={"WWW-Authenticate": "Bearer"})
    return key


def read_json_object(request: HttpRequest) -> dict:
    content_type = request.content_type or ""
    if content_type not in JSON_CONTENT_TYPES and not content_type.endswith("+json"):
        raise Problem(415, ERROR_CONTENT_TYPE)
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise Problem(413, ERROR_TOO_LARGE.format(limit=MAX_BODY_BYTES))
    try:
        raw = _chunked_body(request) if _is_chunked(request) else request.body
    except RequestDataTooBig as error:
        raise Problem(413, ERROR_TOO_LARGE.format(limit=MAX_BODY_BYTES)) from error
    try:
        text = raw.decode("utf-8")
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


def _is_chunked(request: HttpRequest) -> bool:
    """A chunked body has no Content-Length, so Django reads it as empty."""
    encoding = request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    return "chunked" in encoding and not request.META.get("CONTENT_LENGTH")


def _chunked_body(request: HttpRequest) -> bytes:
    """The body straight from the server, which decodes the chunks (gunicorn does)."""
    raw = request.META["wsgi.input"].read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise RequestDataTooBig
    return raw


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
    """Decimals (money) are written as JSON numbers exactly as quantized: 2500.00."""
    return simplejson.dumps(data, use_decimal=True, default=_json_default, ensure_ascii=False)


def json_response(data: dict, *, status: int = 200) -> HttpResponse:
    return HttpResponse(json_dumps(data), status=status, content_type="application/json")


def money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT)
