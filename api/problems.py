"""RFC 9457 problem details: every API error is `application/problem+json`.

Views raise `Problem`; `project.middleware.ApiProblemMiddleware` turns it into the response.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import JsonResponse

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://order-reports.invalid/problems/"

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    408: "Request timeout",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation failed",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


@dataclass(frozen=True)
class FieldError:
    pointer: str  # RFC 6901 JSON pointer into the request body, e.g. /orders/0/items/1/price
    detail: str


@dataclass
class Problem(Exception):
    status: int
    detail: str
    kind: str = ""
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.detail}"


def pointer(*parts: str | int) -> str:
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in parts)
    return "/" + "/".join(escaped) if parts else ""


def problem_response(problem: Problem) -> JsonResponse:
    kind = problem.kind or TITLES.get(problem.status, "error").lower().replace(" ", "-")
    body: dict = {
        "type": PROBLEM_TYPE_BASE + kind,
        "title": TITLES.get(problem.status, "Error"),
        "status": problem.status,
        "detail": problem.detail,
    }
    if problem.errors:
        body["errors"] = [{"pointer": e.pointer, "detail": e.detail} for e in problem.errors]
    response = JsonResponse(
        body, status=problem.status, content_type=PROBLEM_CONTENT_TYPE, json_dumps_params={}
    )
    response["Cache-Control"] = "no-store"
    for name, value in problem.headers.items():
        response[name] = value
    return response


PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["pointer", "detail"],
                "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
}


def problems(*statuses: int, also: dict | None = None) -> dict:
    """`openapi_extra` documenting more problem answers of one operation (and `also`)."""
    responses = {**(also or {}).get("responses", {})}
    responses.update({status: problem_document(status) for status in statuses})
    return {"responses": responses}


def problem_document(status: int) -> dict:
    return {
        "description": TITLES[status],
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
