"""README.md's five-minute tour, run as written against a live server with the refresher
running: every `sh` block of the tour, in order, by bash with -e, from a directory laid out like
the checkout (the demo's `.local/demo_credentials.json` holding a key made here, and the tour's
example file). Only the address changes: the tour's http://127.0.0.1:8000 becomes the test
server's. A command the README shows that fails, or answers an HTTP error (`curl -f`), fails
this test."""

from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess
import threading

import pytest
from django.conf import settings
from django.db import connection

from orders.api_keys import api_key_create
from orders.generation import orders_generate
from orders.models import ApiKeyScope
from reports.refresh import reports_follow, reports_refresh
from reports.tests.conftest import live_reports_reset

README = settings.BASE_DIR / "README.md"
TOUR_HEADING = "## A five-minute tour"
DEMO_URL = "http://127.0.0.1:8000"
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("curl") is None, reason="the tour's commands need curl"),
]


def tour_blocks() -> list[str]:
    text = README.read_text()
    start = text.index(TOUR_HEADING)
    end = text.find("\n## ", start + len(TOUR_HEADING))
    return BLOCK.findall(text[start : end if end != -1 else len(text)])


def test_the_tour_has_the_commands_it_promises():
    script = "\n".join(tour_blocks())
    for route in (
        "/api/orders/upload",
        "/api/orders/stats",
        "/api/order/status?number=",
        "/api/rates",
        "/api/reports/revenue/currencies",
    ):
        assert route in script
    assert "seed-003-upload.json" in script


@pytest.fixture
def demo_data():
    """A few orders with built reports, before the follower starts."""
    live_reports_reset()
    end = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    orders_generate(orders=200, customers=20, seed=3, end=end, workers=1)
    assert not reports_refresh().failed


@pytest.fixture
def follower(demo_data):
    """refresh_reports --follow's loop in a thread, as `make run` runs it beside the server."""
    stop = threading.Event()

    def follow() -> None:
        try:
            reports_follow(stop=stop)
        finally:
            connection.close()

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(30)


def test_the_readme_tour_runs_as_written(live_server, follower, tmp_path):
    key = api_key_create(name="readme-tour", scope=ApiKeyScope.WRITE)
    (tmp_path / ".local").mkdir()
    (tmp_path / ".local" / "demo_credentials.json").write_text(json.dumps({"api_key": key}))
    (tmp_path / "docs" / "examples").mkdir(parents=True)
    for example in ("seed-003-upload.json", "euro-order.json"):
        shutil.copy(
            settings.BASE_DIR / "docs" / "examples" / example, tmp_path / "docs" / "examples"
        )
    script = "\n".join(tour_blocks()).replace(DEMO_URL, live_server.url)
    done = subprocess.run(  # noqa: S603 (fixed argv; the script is the README's own)
        ["bash", "-euo", "pipefail", "-c", script],  # noqa: S607
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    out = done.stdout
    assert '"created":1' in out.replace(" ", "")  # the upload made the order
    stats = json.loads(
        re.search(r'\{[^{}]*"user": ?"test_seller"[^{}]*"orders_count"[^{}]*\}', out)[0]
    )
    assert stats["orders_count"] == 1  # the refresher had applied it
    assert '"order_number":"12345"' in out.replace(" ", "")
    assert "month" in out  # the monthly CSV's header
