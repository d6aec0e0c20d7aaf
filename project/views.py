"""Django's own error answers (before or around the views) as problem+json under /api/."""

from __future__ import annotations

from django.shortcuts import render
from django.views.defaults import bad_request as html_bad_request
from django.views.defaults import page_not_found

from api.problems import Problem, problem_response
from project.middleware import API_PREFIX

ERROR_NO_SUCH_ENDPOINT = "There is no endpoint at {path}."
ERROR_BAD_REQUEST = (
    "The request could not be read: {reason}. (A Host header not in DJANGO_ALLOWED_HOSTS, for "
    "example.)"
)


def not_found(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return problem_response(Problem(404, ERROR_NO_SUCH_ENDPOINT.format(path=request.path)))
    return page_not_found(request, exception)


def bad_request(request, exception=None):
    """Django answers 400 itself for a disallowed Host or a malformed request."""
    if request.path.startswith(API_PREFIX):
        reason = type(exception).__name__ if exception is not None else "malformed request"
        return problem_response(Problem(400, ERROR_BAD_REQUEST.format(reason=reason)))
    return html_bad_request(request, exception)


def landing(request):
    """What this service is and where to go: no login, no data."""
    return render(request, "landing.html")
