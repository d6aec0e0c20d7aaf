"""Structured logs: JSON lines that parse, the request id on every line of a request, never a
key or a body. (The same under a real gunicorn: test_metrics_gunicorn.py.)"""

from __future__ import annotations

import io
import json
import logging
import logging.config
import sys

import pytest
from django.conf import settings as django_settings

from orders.api_keys import api_key_create
from orders.models import ApiKeyScope
from orders.tests.conftest import Api, make_upload
from project.logs import (
    JSON,
    PLAIN,
    PLAIN_FORMAT,
    JsonFormatter,
    RequestIdFilter,
    log_format_choose,
    logging_config,
    request_id_var,
)

MARKER = "SECRET-BODY-5c1e"


@pytest.fixture
def captured():
    """What the root logger writes during the test, through the formatter under test."""

    def attach(formatter: logging.Formatter) -> io.StringIO:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        handler.addFilter(RequestIdFilter())
        logging.getLogger().addHandler(handler)
        handlers.append(handler)
        return stream

    handlers: list[logging.Handler] = []
    yield attach
    for handler in handlers:
        logging.getLogger().removeHandler(handler)


@pytest.mark.parametrize(
    ("value", "development", "chosen"),
    [
        (None, True, PLAIN),  # manage.py, tests, runserver with DJANGO_DEMO=1 or DEBUG
        ("", False, JSON),  # production without DJANGO_DEMO
        ("JSON", True, JSON),
        (" plain ", False, PLAIN),
    ],
)
def test_the_format_follows_log_format_else_the_mode(value, development, chosen):
    assert log_format_choose(value, development=development) == chosen


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT must be one of json, plain"):
        log_format_choose("xml", development=True)


@pytest.mark.django_db
def test_every_line_of_a_request_is_json_with_its_id_and_no_key_or_body(client, captured):
    stream = captured(JsonFormatter())
    key = api_key_create(name="log-writer", scope=ApiKeyScope.WRITE)
    api = Api(client, key)
    bad = make_upload(1, prefix=MARKER)
    bad["orders"][0]["items"][0]["price"] = -1
    answers = [
        api.upload(make_upload(2, prefix=MARKER)),  # 200, orders.upload logs it
        api.upload(bad),  # 422, django.request warns
        Api(client, key + "x").get("/api/orders/X1"),  # 401 for a wrong key
        client.get("/no/such/page"),  # 404 after the middleware returned
    ]
    assert [answer.status_code for answer in answers] == [200, 422, 401, 404]
    text = stream.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    ids = {answer["X-Request-ID"] for answer in answers}
    assert {line["request_id"] for line in lines} == ids
    for answer in answers:
        loggers = {e["logger"] for e in lines if e["request_id"] == answer["X-Request-ID"]}
        assert "project.access" in loggers
        if answer.status_code >= 400:
            assert "django.request" in loggers
    assert all("request" not in line for line in lines)  # Django's request object: skipped
    upload = next(line for line in lines if line["logger"] == "orders.upload")
    assert (upload["orders_received"], upload["key_name"]) == (2, "log-writer")
    assert MARKER not in text
    assert key not in text and key.split("_", 2)[2] not in text  # the secret may hold "_"
    assert "Item 0" not in text  # an item name from the bodies


@pytest.mark.django_db
def test_plain_lines_carry_the_request_id_too(client, captured):
    stream = captured(logging.Formatter(PLAIN_FORMAT))
    answer = client.get("/no/such/page", HTTP_X_REQUEST_ID="plain-id-1")
    assert answer["X-Request-ID"] == "plain-id-1"
    lines = stream.getvalue().splitlines()
    assert lines and all(" [plain-id-1] " in line for line in lines)
    logging.getLogger("outside").warning("after the request")
    assert " [-] after the request" in stream.getvalue()


@pytest.mark.django_db
def test_the_id_stays_bound_while_a_streamed_answer_is_sent(client):
    api = Api(client, api_key_create(name="log-csv", scope=ApiKeyScope.READ))
    answer = api.get("/api/reports/revenue/daily.csv")
    assert answer.streaming
    assert request_id_var.get() == answer["X-Request-ID"]  # the body is not produced yet
    b"".join(answer.streaming_content)
    answer.close()  # what the server does once sent: request_finished
    assert request_id_var.get() is None


def test_a_traceback_is_a_field_of_its_one_line():
    record = logging.makeLogRecord({"name": "x", "levelname": "ERROR", "msg": "failed"})
    try:
        raise RuntimeError("boom\nsecond line")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["message"] == "failed" and "RuntimeError: boom" in parsed["exception"]


def test_an_access_log_file_takes_the_access_lines_off_stderr(tmp_path):
    """ACCESS_LOG_FILE (make run sets it): project.access writes there, other loggers to stderr."""
    path = tmp_path / "access.log"
    config = logging_config(log_format="json", level="INFO", access_log=str(path))
    stderr = io.StringIO()
    config["handlers"]["console"]["stream"] = stderr
    try:
        logging.config.dictConfig(config)
        logging.getLogger("project.access").info("GET /api/x 200")
        logging.getLogger("orders.upload").info("upload done")
        for handler in logging.getLogger("project.access").handlers:
            handler.flush()
        assert "GET /api/x 200" in path.read_text()
        assert "GET /api/x 200" not in stderr.getvalue()
        assert "upload done" in stderr.getvalue() and "upload done" not in path.read_text()
    finally:
        logging.config.dictConfig(django_settings.LOGGING)
