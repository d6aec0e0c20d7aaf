from __future__ import annotations

import pytest
from django.test import Client

from api.problems import PROBLEM_CONTENT_TYPE


@pytest.mark.django_db
def test_a_host_not_allowed_is_a_problem_under_the_api_and_html_elsewhere():
    """Issue 10: Django's own 400 for a bad Host header was an HTML page on the API too."""
    client = Client(HTTP_HOST="evil.example")
    api = client.get("/api/reports/")
    assert (api.status_code, api["Content-Type"]) == (400, PROBLEM_CONTENT_TYPE)
    assert "DisallowedHost" in api.json()["detail"]
    page = client.get("/admin/")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_an_unknown_method_is_a_problem(client):
    response = client.generic("BREW", "/api/reports/")
    assert (response.status_code, response["Content-Type"]) == (405, PROBLEM_CONTENT_TYPE)
