"""A slow client cannot take the server down (issue 19, item 6).

Eight loopback connections send an upload's headers, then its body at one byte a second, while
`/healthz` is probed: under gunicorn as `make run` starts it (gevent workers) and under nginx in
front of sync workers (deploy/nginx.conf, the production shape) every probe answers 200 within
two seconds. Two sync workers alone answer none of them (the slow clients hold both), which is
why production runs them behind nginx.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.support import database_url, free_port
from orders.tests.test_faults import BASE_DIR, wait_for
from project.tests.gunicorn import gunicorn_start

pytestmark = pytest.mark.django_db(transaction=True)

SLOW_CLIENTS = 8
PROBES = 8
PROBE_TIMEOUT = 2.0
BODY_TIMEOUT_SECONDS = 4  # REQUEST_BODY_TIMEOUT_SECONDS for the gevent server
DECLARED_BODY = 1000  # bytes the slow clients announce; they never send them all
NGINX_CONF = BASE_DIR / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or next(
    (path for path in ("/usr/sbin/nginx",) if os.access(path, os.X_OK)), None
)


@dataclass
class Running:
    url: str
    processes: list[subprocess.Popen]

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
            process.wait(30)


def probe(url: str) -> int | str:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=PROBE_TIMEOUT) as answer:  # noqa: S310
            return answer.status
    except urllib.error.HTTPError as answer:
        return answer.code
    except OSError as error:  # a timeout, a refused or reset connection
        return type(error).__name__


def answering(url: str) -> bool:
    return probe(url) == 200


class SlowClient(threading.Thread):
    """An upload whose headers arrive at once and whose body arrives at 1 byte a second."""

    def __init__(self, url: str, stop: threading.Event):
        super().__init__(daemon=True)
        host, port = url.removeprefix("http://").split(":")
        self.address, self.stop = (host, int(port)), stop
        self.answer = b""

    def run(self) -> None:
        headers = (
            "POST /api/orders/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Authorization: Bearer ok_slow_client\r\nContent-Type: application/json\r\n"
            f"Content-Length: {DECLARED_BODY}\r\n\r\n"
        )
        with socket.create_connection(self.address, timeout=5) as client:
            client.sendall(headers.encode())
            client.settimeout(0.01)
            while not self.stop.wait(1.0):
                try:
                    received = client.recv(4096)
                except TimeoutError:
                    received = None
                except OSError:
                    return  # reset by the server
                if received == b"":
                    return  # the server answered (or gave up) and closed
                self.answer += received or b""
                try:
                    client.sendall(b" ")
                except OSError:
                    return


def slow_clients_while_probing(url: str) -> tuple[list[int | str], list[SlowClient]]:
    """The probes' answers, one a second, while SLOW_CLIENTS trickle their bodies."""
    stop = threading.Event()
    clients = [SlowClient(url, stop) for _ in range(SLOW_CLIENTS)]
    for client in clients:
        client.start()
    try:
        time.sleep(1.5)  # every slow client connected and into its body
        answers = []
        for _ in range(PROBES):
            started = time.monotonic()
            answers.append(probe(url))
            time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
        return answers, clients
    finally:
        stop.set()
        for client in clients:
            client.join(10)


def environment(**settings: str) -> dict:
    variables = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_DEMO": "1", **settings}
    variables.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return variables


def gunicorn_running(tmp_path: Path, *, options: tuple[str, ...] = (), **settings) -> Running:
    process, url = gunicorn_start(
        environment(**settings), tmp_path / "gunicorn.log", workers=2, options=options
    )
    running = Running(url, [process])
    try:
        wait_for(lambda: answering(url), seconds=30)
    except AssertionError:
        running.stop()
        raise
    return running


def nginx_conf_for_test(directory: Path, *, upstream: str, port: int) -> Path:
    """deploy/nginx.conf as the image's nginx.conf would include it, on loopback ports, with
    every path nginx writes inside `directory`."""
    server = NGINX_CONF.read_text()
    for old, new in (
        ("server web:8000;", f"server {upstream};"),
        ("listen 8080;", f"listen 127.0.0.1:{port};"),
    ):
        assert server.count(old) == 1, f"deploy/nginx.conf no longer says {old!r}"
        server = server.replace(old, new)
    (directory / "orders.conf").write_text(server)
    temporary = "\n".join(
        f"    {kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""  # its files are under a 0700 directory
    main = directory / "nginx.conf"
    main.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {directory / 'nginx.pid'};\n"
        f"error_log {directory / 'error.log'} info;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n    access_log {directory / 'access.log'};\n{temporary}\n"
        f"    include {directory / 'orders.conf'};\n}}\n"
    )
    return main


@pytest.fixture
def gevent_server(tmp_path):
    running = gunicorn_running(tmp_path, REQUEST_BODY_TIMEOUT_SECONDS=str(BODY_TIMEOUT_SECONDS))
    yield running
    running.stop()


@pytest.fixture
def nginx_in_front_of_sync_workers(tmp_path):
    if NGINX is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx; .ci/run does)")
    app = gunicorn_running(tmp_path, options=("--worker-class", "sync"))
    directory = tmp_path / "nginx"
    directory.mkdir()
    port = free_port()
    conf = nginx_conf_for_test(directory, upstream=app.url.removeprefix("http://"), port=port)
    checked = subprocess.run(  # noqa: S603 (fixed argv)
        [NGINX, "-t", "-c", str(conf)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
    with (directory / "nginx.out").open("w") as output:
        nginx = subprocess.Popen(  # noqa: S603 (fixed argv)
            [NGINX, "-c", str(conf)], stdout=output, stderr=subprocess.STDOUT
        )
    running = Running(f"http://127.0.0.1:{port}", [*app.processes, nginx])
    try:
        wait_for(lambda: answering(running.url), seconds=15)
    except AssertionError:
        running.stop()
        raise
    yield running
    running.stop()


def test_slow_clients_leave_the_gevent_server_answering(gevent_server):
    answers, clients = slow_clients_while_probing(gevent_server.url)
    assert answers == [200] * PROBES
    # Each slow upload holds its greenlet for at most the body timeout, then gets a 408.
    assert {client.answer.split(b"\r\n", 1)[0] for client in clients} == {
        b"HTTP/1.1 408 Request Timeout"
    }
    assert all(b"did not arrive within 4 seconds" in client.answer for client in clients)


def test_slow_clients_leave_nginx_in_front_of_sync_workers_answering(
    nginx_in_front_of_sync_workers,
):
    answers, _clients = slow_clients_while_probing(nginx_in_front_of_sync_workers.url)
    assert answers == [200] * PROBES


def test_nginx_refuses_a_body_over_the_apps_limit_as_problem_json(nginx_in_front_of_sync_workers):
    request = urllib.request.Request(  # noqa: S310 (loopback)
        nginx_in_front_of_sync_workers.url + "/api/orders/upload",
        data=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": str(10 * 1024 * 1024 + 1)},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=5)  # noqa: S310
    assert answer.value.code == 413
    assert answer.value.headers["Content-Type"] == "application/problem+json"
    assert b"10485760 bytes" in answer.value.read()
