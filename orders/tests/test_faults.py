"""Faults: slow queries, a connection killed mid-upload, a database that is not there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import Client, override_settings

from api.problems import PROBLEM_CONTENT_TYPE
from bench.support import free_port
from orders.models import Order, OrderItem, OrderStatus
from orders.tests.conftest import Api, make_upload

BASE_DIR = Path(__file__).resolve().parents[2]


def wait_for(condition, *, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


def backend_waiting_on_a_lock() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        row = cursor.fetchone()
    return row[0] if row else None


class Blocker(threading.Thread):
    """Holds a table lock on its own connection until released."""

    def __init__(self, statement: str):
        super().__init__()
        self.statement = statement
        self.locked = threading.Event()
        self.release = threading.Event()

    def run(self) -> None:
        from django.db import transaction

        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(self.statement)
                self.locked.set()
                self.release.wait(30)
        finally:
            connections.close_all()


def refund_behind_a_lock(api: Api, *, timeout_ms: int = 300):
    """B-0's refund while another session locks the history, with a request statement timeout
    of `timeout_ms`: (the response, seconds it took)."""
    blocker = Blocker("LOCK TABLE orders_orderstatus IN EXCLUSIVE MODE")
    blocker.start()
    blocker.locked.wait(10)
    try:
        with override_settings(REQUEST_STATEMENT_TIMEOUT_MS=timeout_ms):
            started = time.monotonic()
            response = api.post("/api/orders/B-0/status", {"status": "refunded"})
            return response, time.monotonic() - started
    finally:
        blocker.release.set()
        blocker.join()


@pytest.mark.django_db(transaction=True)
def test_a_query_over_the_statement_timeout_answers_503(write_key):
    api = Api(Client(), write_key)
    assert api.upload(make_upload(1)).status_code == 200
    try:
        response, waited = refund_behind_a_lock(api)
    finally:
        connection.close()  # drop the session that carries the short timeout
    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response["Retry-After"] == "5"
    assert waited < 5
    assert OrderStatus.objects.filter(order__order_number="B-0").count() == 1


@pytest.mark.django_db(transaction=True)
def test_connection_killed_mid_upload_leaves_no_trace(write_key):
    """The upload has written its orders and items and waits to write its history: killed."""
    blocker = Blocker("LOCK TABLE orders_orderstatus IN EXCLUSIVE MODE")
    blocker.start()
    blocker.locked.wait(10)
    result = {}

    def upload() -> None:
        try:
            result["response"] = Api(Client(), write_key).upload(make_upload(500, prefix="K"))
        finally:
            connections.close_all()

    uploader = threading.Thread(target=upload)
    uploader.start()
    try:
        victim = wait_for(backend_waiting_on_a_lock)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [victim])
        uploader.join(30)
    finally:
        blocker.release.set()
        blocker.join()

    response = result["response"]
    assert response.status_code == 503
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert "unavailable" in response.json()["detail"]
    assert not Order.objects.filter(order_number__startswith="K-").exists()
    assert OrderItem.objects.count() == 0
    # The API works again afterwards, on a new connection.
    assert Api(Client(), write_key).upload(make_upload(5, prefix="K")).status_code == 200


@pytest.fixture(scope="module")
def server_without_database():
    """The app under gunicorn, pointed at a PostgreSQL port where nothing listens: one for the
    module, as its requests change nothing the next one sees."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/nowhere",
        "DJANGO_DEMO": "1",
    }
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(  # noqa: S603 (fixed argv)
        [gunicorn, "project.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def answering():
        try:
            urllib.request.urlopen(f"{url}/admin/login/", timeout=1)  # noqa: S310 (loopback)
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    try:
        wait_for(answering, seconds=30)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/orders/12345"),
        ("POST", "/api/orders/upload"),
        ("GET", "/api/reports/customers/ranking"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
    ],
)
def test_database_unreachable_answers_503_problem(server_without_database, method, path):
    request = urllib.request.Request(  # noqa: S310 (loopback)
        server_without_database + path,
        method=method,
        data=json.dumps(make_upload(1)).encode() if method == "POST" else None,
        headers={"Authorization": "Bearer ok_x_y", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=20)  # noqa: S310
    assert answer.value.code == 503
    assert answer.value.headers["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = json.loads(answer.value.read())
    assert body["status"] == 503
    assert "Traceback" not in json.dumps(body)
