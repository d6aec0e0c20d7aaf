from __future__ import annotations

from django.views.defaults import page_not_found

from orders.problems import Problem, problem_response
from project.middleware import API_PREFIX

ERROR_NO_SUCH_ENDPOINT = "There is no endpoint at {path}."


def not_found(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return problem_response(Problem(404, ERROR_NO_SUCH_ENDPOINT.format(path=request.path)))
    return page_not_found(request, exception)
