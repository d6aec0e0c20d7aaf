"""Shared plumbing for the benchmark scripts: a dedicated database, timing, machine facts."""

from __future__ import annotations

import os
import platform
import socket
import statistics
import time
from collections.abc import Callable

import django

BENCH_DATABASE = "bench_orders"


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on (for a server started next)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    os.environ.setdefault("DJANGO_DEMO", "1")
    django.setup()


def use_bench_database() -> str:
    """Create (or reuse) the upload benchmark's database, migrate it, and point Django at it.

    Benchmarks never write into the database that `make run` serves.
    """
    return use_bench_database_named(BENCH_DATABASE)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(median, p99) of the samples."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered), p99


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB, PostgreSQL {server}, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}"
    )


def database_url() -> str:
    """A DATABASE_URL for child processes (gunicorn) that reach the database in use."""
    from urllib.parse import quote

    from django.db import connection

    s = connection.settings_dict
    host = quote(s["HOST"] or "localhost", safe="")
    port = f":{s['PORT']}" if s["PORT"] else ""
    password = f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else ""
    return f"postgres://{quote(s['USER'], safe='')}{password}@{host}{port}/{s['NAME']}"


class GunicornServer:
    """The app under gunicorn on a free loopback port, for benchmarks over real HTTP."""

    def __init__(self, *, workers: int, environment: dict[str, str] | None = None):
        self.workers = workers
        self.environment = environment or {}
        self.process = None
        self.port = 0

    def __enter__(self) -> GunicornServer:
        import subprocess
        import sys
        import urllib.request

        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url(), **self.environment}
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        command = [gunicorn, "project.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--workers", str(self.workers), "--log-level", "warning"]
        self.process = subprocess.Popen(command, env=env)  # noqa: S603 (fixed argv, no shell)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/admin/login/", timeout=1)  # noqa: S310
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not start within 30 s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


# --- helpers for `manage.py benchmark` (bench/performance.py and friends) ---


def use_bench_database_named(name: str) -> str:
    """Create (or reuse) the database `name`, migrate it, and point Django at it.

    It never serializes the database's contents (the test runner's default `serialize=True`
    would read every generated row into one string).
    """
    from django.db import connection

    connection.close()
    connection.settings_dict["TEST"]["NAME"] = name
    return connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=True
    )


def raw_connection(*, database: str | None = None, autocommit: bool = True):
    """A connection of its own to the database Django uses (or to `database`)."""
    from project.connections import raw_connection as connect

    return connect(database=database, autocommit=autocommit)


def drop_bench_database(name: str) -> None:
    """DROP DATABASE `name` (its sessions are ended first), from the maintenance database."""
    from django.db import connection
    from psycopg import sql

    if connection.settings_dict["NAME"] == name:
        connection.close()
    conn = raw_connection(database="postgres")
    try:
        with conn.cursor() as cursor:
            statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            cursor.execute(statement.format(sql.Identifier(name)))
    finally:
        conn.close()


class ApiClient:
    """Django's test Client with a fresh read key named `<prefix>-<random>`, deleted on exit."""

    def __init__(self, *, name: str):
        import secrets

        self.name = f"{name}-{secrets.token_hex(4)}"
        self.client = None

    def __enter__(self):
        from django.test import Client

        from orders.api_keys import api_key_create
        from orders.models import ApiKeyScope

        key = api_key_create(name=self.name, scope=ApiKeyScope.READ)
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="localhost")
        return self.client

    def __exit__(self, *exc) -> None:
        from orders.models import ApiKey

        ApiKey.objects.filter(name=self.name).delete()
