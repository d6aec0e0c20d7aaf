"""The app under a real gunicorn with two workers: one scrape adds up both workers' samples.

Started the way `make run` starts it (`-c project/gunicorn.conf.py`), on a free loopback port,
with its own PROMETHEUS_MULTIPROC_DIR holding a previous run's samples, which must go.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.multiprocess import MultiProcessCollector

from bench.support import database_url, free_port
from orders.api_keys import api_key_create
from orders.models import ApiKeyScope
from orders.tests.conftest import make_upload
from orders.tests.test_faults import wait_for
from project.tests.gunicorn import gunicorn_start
from project.tests.scrape import AUTHORIZATION, TOKEN, Scrape

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 2
DETAIL = "/api/orders/<order_number>"
STALE_ENDPOINT = "/left-by-the-last-server"
SECRET_MARKER = "PAYLOAD-MARKER-7f3a"
POOL_MAX = 3  # DATABASE_POOL_MAX_SIZE: each worker's own psycopg pool


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    samples: Path
    log: Path

    def get(self, path: str, *, key: str | None = None, request_id: str | None = None) -> int:
        request = urllib.request.Request(self.url + path)  # noqa: S310 (loopback)
        return self.call(request, key, request_id)

    def post(self, path: str, body: dict, *, key: str, request_id: str | None = None) -> int:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        return self.call(request, key, request_id)

    @staticmethod
    def call(request: urllib.request.Request, key: str | None, request_id: str | None) -> int:
        if key:
            request.add_header("Authorization", f"Bearer {key}")
        if request_id:
            request.add_header("X-Request-ID", request_id)
        try:
            with urllib.request.urlopen(request, timeout=20) as answer:  # noqa: S310 (loopback)
                return answer.status
        except urllib.error.HTTPError as answer:
            return answer.code

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        # A gevent worker still booting (the one replacing a killed worker) may miss the TERM:
        # gunicorn kills it after its graceful_timeout, 30 s.
        self.process.wait(45)

    def answering(self) -> bool:
        try:
            return self.get("/metrics") == 401
        except urllib.error.URLError:
            return False

    def scrape(self) -> Scrape:
        request = urllib.request.Request(  # noqa: S310 (loopback)
            f"{self.url}/metrics", headers={"Authorization": AUTHORIZATION}
        )
        with urllib.request.urlopen(request, timeout=20) as answer:  # noqa: S310 (loopback)
            return Scrape(answer.read().decode())


def leave_stale_samples(directory: Path) -> None:
    """What a server killed earlier leaves behind: a worker's counter file."""
    key = mmap_key(
        "http_requests",
        "http_requests_total",
        ["method", "endpoint", "status"],
        ["GET", STALE_ENDPOINT, "200"],
        "stale",
    )
    stale = MmapedDict(str(directory / "counter_999999.db"))
    stale.write_value(key, 1000.0, 0.0)
    stale.close()


def start_server(tmp_path: Path, *, database: str, **settings: str) -> Server:
    samples = tmp_path / "metrics"
    samples.mkdir()
    leave_stale_samples(samples)
    log = tmp_path / "gunicorn.log"
    environment = {
        **os.environ,
        "DATABASE_URL": database,
        "DJANGO_DEMO": "1",
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(samples),
        **settings,
    }
    environment.pop("LOG_FORMAT", None)  # JSON by default under gunicorn
    process, url = gunicorn_start(environment, log, workers=WORKERS)
    running = Server(url, process, samples, log)
    try:
        wait_for(running.answering, seconds=30)
    except AssertionError:
        running.stop()
        raise
    return running


@pytest.fixture
def server(tmp_path):
    running = start_server(tmp_path, database=database_url(), DATABASE_POOL_MAX_SIZE=str(POOL_MAX))
    yield running
    running.stop()


@pytest.fixture
def server_without_database(tmp_path):
    nowhere = f"postgres://postgres@127.0.0.1:{free_port()}/nowhere"
    running = start_server(tmp_path, database=nowhere)
    yield running
    running.stop()


def requests_per_worker(samples: Path) -> dict[int, float]:
    """Each worker's own count of detail requests, read from its sample file."""
    counts = {}
    for path in samples.glob("counter_*.db"):
        families = MultiProcessCollector.merge([str(path)], accumulate=True)
        counts[int(path.stem.split("_")[1])] = sum(
            sample.value
            for family in families
            for sample in family.samples
            if sample.name == "http_requests_total" and sample.labels["endpoint"] == DETAIL
        )
    return {pid: count for pid, count in counts.items() if count}


def test_one_scrape_adds_up_every_worker(server):
    key = api_key_create(name="gunicorn-reader", scope=ApiKeyScope.READ)
    sent = 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        for batch in range(40):  # until both workers have answered some (usually one batch)
            numbers = [f"GUN-{batch}-{n}" for n in range(8)]
            statuses = list(pool.map(lambda n: server.get(f"/api/orders/{n}", key=key), numbers))
            assert statuses == [404] * len(numbers)
            sent += len(numbers)
            if len(requests_per_worker(server.samples)) == WORKERS:
                break
    per_worker = requests_per_worker(server.samples)
    assert len(per_worker) == WORKERS, per_worker
    # Connection gauges are written once a request is finished, after its answer was sent.
    wait_for(
        lambda: all((server.samples / f"gauge_liveall_{pid}.db").exists() for pid in per_worker)
    )

    scraped = server.scrape()
    series = {"method": "GET", "endpoint": DETAIL, "status": "404"}
    assert scraped.value("http_requests_total", **series) == sent == sum(per_worker.values())
    assert scraped.value("http_request_duration_seconds_count", **series) == sent
    assert STALE_ENDPOINT not in scraped.label_values("http_requests_total", "endpoint")
    assert len(scraped.series("db_connections_open", alias="default")) == WORKERS
    assert [sample.value for sample in scraped.series("db_pool_max", alias="default")] == [
        POOL_MAX
    ] * WORKERS
    sizes = [sample.value for sample in scraped.series("db_pool_size", alias="default")]
    assert len(sizes) == WORKERS and min(sizes) >= 1  # each opened its minimum, one

    # A worker that dies: its live gauges go with it, its counts stay in the sums.
    dead = next(iter(per_worker))
    os.kill(dead, signal.SIGKILL)
    wait_for(lambda: not (server.samples / f"gauge_liveall_{dead}.db").exists())
    after = server.scrape()
    assert after.value("http_requests_total", **series) == sent
    assert str(dead) not in after.label_values("db_connections_open", "pid")


def test_json_logs_carry_the_request_id_and_never_a_key_or_a_payload(server):
    key = api_key_create(name="gunicorn-writer", scope=ApiKeyScope.WRITE)
    accepted = make_upload(2, prefix=SECRET_MARKER)
    rejected = make_upload(1, prefix=SECRET_MARKER)
    rejected["orders"][0]["items"][0]["quantity"] = 0
    assert server.post("/api/orders/upload", accepted, key=key, request_id="met-upload") == 200
    assert server.post("/api/orders/upload", rejected, key=key, request_id="met-reject") == 422
    assert server.get("/api/orders/X", key=f"{key}-wrong", request_id="met-badkey") == 401
    assert server.get("/no/such/page", request_id="met-missing") == 404
    scraped = server.scrape()
    assert scraped.value("orders_upload_orders_total", outcome="created") == 2
    server.stop()  # every line written

    text = server.log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line
    assert {"time", "level", "logger", "message", "request_id"} <= set(lines[0])
    by_request = {}
    for line in lines:
        by_request.setdefault(line["request_id"], []).append(line)
    assert {"met-upload", "met-reject", "met-badkey", "met-missing"} <= set(by_request)
    upload = {line["logger"]: line for line in by_request["met-upload"]}
    assert upload["orders.upload"]["orders_created"] == 2
    assert upload["project.access"]["endpoint"] == "/api/orders/upload"
    assert upload["project.access"]["status"] == 200
    assert {line["logger"] for line in by_request["met-missing"]} == {
        "project.access",
        "django.request",  # "Not Found: ...", logged after the middleware returned
    }
    assert key not in text and key.split("_", 2)[2] not in text  # the secret may hold "_"
    assert SECRET_MARKER not in text
    assert "Item 0" not in text  # an item name from the bodies


def test_metrics_are_served_while_the_database_is_away(server_without_database):
    server = server_without_database
    assert server.get("/healthz") == 503
    scraped = server.scrape()
    assert scraped.value("reports_database_up") == 0
    assert scraped.value("http_requests_total", method="GET", endpoint="/healthz", status="503")
