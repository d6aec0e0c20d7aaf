"""The OpenAPI document is kept true: schemathesis drives every operation against the app."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import api
from project.wsgi import application

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/"))
schema.app = application
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_the_document_is_served_without_a_key(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"] == "3.1.0"
    assert response.json() == json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/")))


def test_the_description_has_no_placeholder_an_html_renderer_would_swallow(client, db):
    # /api/docs renders the description as Markdown with HTML: a `<key>` became a hidden tag.
    description = client.get("/api/openapi.json").json()["info"]["description"]
    assert "Authorization: Bearer YOUR_KEY" in description
    assert "<" not in description
    assert "./manage create_api_key" in description


def test_the_interactive_docs_are_served_from_local_static_files(client, db):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html.lower()
    assert "/api/openapi.json" in html


def test_lists_declare_their_csv_truthfully():
    """Each JSON list documents its format=csv redirect; each .csv operation is text/csv."""
    paths = api.get_openapi_schema(path_prefix="/api/")["paths"]
    csv_paths = [path for path in paths if path.endswith(".csv")]
    # also-bought: by query (issue 19) and, deprecated, by path; issue 21: lifetime value,
    # premium customers, recent orders, last order per customer, cohorts, and the two
    # category reports; issue 23: revenue by channel and by currency.
    assert len(csv_paths) == 17
    for path in csv_paths:
        content = paths[path]["get"]["responses"][200]["content"]
        assert list(content) == ["text/csv"]
        json_list = path.removesuffix(".csv")
        json_list = json_list if json_list in paths else json_list + "/"
        assert set(paths[json_list]["get"]["responses"][200]["content"]) == {"application/json"}
        assert 307 in paths[json_list]["get"]["responses"]


@pytest.fixture
def keep_the_test_connection():
    """As django.test.Client does: the raw WSGI app must not close the test's connection.

    Each response is buffered (read and closed within its request, while this holds), so none
    is left for the garbage collector to close during a later test: a CSV stream closed late
    would leave its transaction block in the middle of that test."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


# The rows every operation starts from are built once (`module_world`); each test's writes are
# rolled back. Its tests come last in this module, after which the rows are rolled back too.
# Each operation gets schemathesis' coverage phase in full (every parameter's boundaries and
# its invalid and missing values: 10 to 150 requests), then 10 generated examples.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_matches_the_document(case, module_world, db, keep_the_test_connection):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {module_world['write']}"},
        checks=CHECKS,
        buffered=True,
    )
