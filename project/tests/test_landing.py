"""The landing page: no login, no data, links to every place a person starts from."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_the_landing_page_answers_without_a_login_and_links_everywhere(client):
    response = client.get("/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    for href in ("/dashboard/", "/api/docs", "/api/openapi.json", "/admin/", "/healthz"):
        assert f'href="{href}"' in page, href
    assert "create_api_key" in page


@pytest.mark.django_db
def test_an_api_call_without_a_key_says_where_people_look_at_reports(client):
    detail = client.get("/api/reports/customers/ranking").json()["detail"]
    assert "/dashboard/" in detail and "Bearer" in detail


@pytest.mark.django_db
def test_the_favicon_every_browser_asks_for_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")


@pytest.mark.django_db
def test_the_admin_login_carries_the_project_name(client):
    page = client.get("/admin/login/").content.decode()
    assert "Order reports" in page
    assert "Django administration" not in page
