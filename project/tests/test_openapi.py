"""The OpenAPI document is kept true: schemathesis drives every operation against the app."""

from __future__ import annotations

import io

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from orders.api_keys import api_key_create
from orders.models import ApiKeyScope
from project.openapi import openapi_document
from project.wsgi import application

schema = schemathesis.openapi.from_dict(openapi_document())
schema.app = application
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def key(transactional_db) -> str:
    """A write key, with refreshed reports (so /healthz is healthy and as_of is set)."""
    call_command("refresh_reports", stdout=io.StringIO())
    return api_key_create(name="schemathesis", scope=ApiKeyScope.WRITE)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As django.test.Client does: the raw WSGI app must not close the test's connection."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_matches_the_document(case, key):
    case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)


def test_the_document_is_served_without_a_key(client, db):
    response = client.get("/api/openapi.json", HTTP_HOST="localhost")
    assert response.status_code == 200
    assert response.json()["openapi"] == "3.1.0"
    assert response.json() == openapi_document()
