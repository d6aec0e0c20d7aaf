"""A client generated from the served document (openapi-python-client) calls every operation.

The generator lives in its own virtualenv (its dependencies would pin this project's tools):
`.ci/run` makes it at `.venv-client/` and this test skips, saying so, where it is missing.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from django.test import Client

from api.main import api
from orders.api_keys import api_key_create
from orders.models import ApiKeyScope
from orders.tests.conftest import make_upload
from reports.refresh import reports_refresh
from reports.tests.conftest import live_reports_reset

CLIENT_VENV = Path(os.environ.get("API_CLIENT_VENV", Path(__file__).parents[2] / ".venv-client"))
GENERATOR = CLIENT_VENV / "bin" / "openapi-python-client"
CALLER = Path(__file__).parent / "clients" / "call_every_operation.py"


@pytest.mark.skipif(
    not GENERATOR.exists(),
    reason=f"openapi-python-client is not installed at {GENERATOR}: run `python -m venv "
    ".venv-client && .venv-client/bin/pip install openapi-python-client==0.29.1` (.ci/run does)",
)
@pytest.mark.django_db(transaction=True)
def test_a_generated_client_calls_every_operation(live_server, tmp_path):
    live_reports_reset()
    key = api_key_create(name="generated-client", scope=ApiKeyScope.WRITE)
    uploaded = Client(HTTP_AUTHORIZATION=f"Bearer {key}").post(
        "/api/orders/upload",
        json.dumps(make_upload(1, user="shop_b", prefix="B")),
        "application/json",
    )
    assert uploaded.status_code == 200
    assert not reports_refresh().failed
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(api.get_openapi_schema(path_prefix="/api/")))
    environment = {**os.environ, "PATH": f"{CLIENT_VENV / 'bin'}:{os.environ['PATH']}"}
    subprocess.run(  # noqa: S603 (our own files)
        [GENERATOR, "generate", "--path", document, "--output-path", tmp_path / "client"],
        check=True,
        capture_output=True,
        env=environment,
    )
    called = subprocess.run(  # noqa: S603 (our own files)
        [CLIENT_VENV / "bin" / "python", CALLER, live_server.url, key],
        capture_output=True,
        text=True,
        env={**environment, "PYTHONPATH": str(tmp_path / "client")},
        timeout=120,
    )
    assert called.returncode == 0, called.stderr[-2000:] + called.stdout[-2000:]
    lines = called.stdout.splitlines()
    operations = {
        operation["operationId"]
        for methods in api.get_openapi_schema(path_prefix="/api/")["paths"].values()
        for operation in methods.values()
    }
    assert {line.split()[0] for line in lines} == operations
    # also-bought twice (issue 19); issue 21's customer, cohort and category reports; issue 23's
    # revenue by channel and by currency
    assert sum(line.endswith("text/csv") for line in lines) == 17
    # Enum members have names, not VALUE_0: the `order` parameters carry x-enum-varnames.
    models = "\n".join(path.read_text() for path in (tmp_path / "client").rglob("*order*.py"))
    assert 'NEWEST_CANCELLED = "-cancelled_at"' in models
    assert "VALUE_0" not in models
