from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, override_settings

from api.problems import PROBLEM_CONTENT_TYPE
from orders.api_keys import api_key_create
from orders.models import ApiKeyScope
from orders.tests.conftest import Api, make_upload
from orders.tests.test_faults import refund_behind_a_lock


@pytest.mark.django_db(transaction=True)
def test_the_statement_timeout_holds_on_a_connection_opened_after_an_aged_one():
    """Issue 10: after CONN_MAX_AGE closed the session, the next request ran without a limit."""
    api = Api(Client(), api_key_create(name="timeout-writer", scope=ApiKeyScope.WRITE))
    with override_settings(REQUEST_STATEMENT_TIMEOUT_MS=300):
        assert api.upload(make_upload(1)).status_code == 200  # the session gets its timeout
        connection.close()  # what close_old_connections does to an aged session
        try:
            response, waited = refund_behind_a_lock(api)
        finally:
            connection.close()  # drop the session that carries the short timeout
    assert (response.status_code, response["Content-Type"]) == (503, PROBLEM_CONTENT_TYPE)
    assert waited < 5
