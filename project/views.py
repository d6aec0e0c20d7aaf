"""Django's own error answers (before or around the views) as problem+json under /api/."""

from __future__ import annotations

from django.http import HttpResponse
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


# What a browser asks for on every page that names no icon (the admin, /api/docs): a small
# square instead of a 404 in the log and the console.
FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<rect width="16" height="16" rx="3" fill="#2b5797"/></svg>'
)


def favicon(request):
    response = HttpResponse(FAVICON_SVG, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response
