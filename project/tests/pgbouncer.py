"""Debian's PgBouncer in transaction mode in front of the test database, for tests.

A server connection belongs to a client for one transaction only, and the pool is small, so
several clients really share server connections. It listens on a free loopback port and
reaches the server the suite uses (TCP, or the embedded server's Unix socket directory).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bench.support import free_port

SEARCHED = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
MISSING = (
    "pgbouncer is not installed, so the app is not tried behind a transaction-mode pooler "
    "(Debian: apt-get install pgbouncer; .ci/run installs it)."
)
# As root, PgBouncer refuses to run unless it switches to another user (-u): the owner of the
# server's Unix socket directory (the embedded server's data directory is private to that user),
# or this one for a server reached over TCP.
UNPRIVILEGED_USER = "nobody"
POOL_SIZE = 2

INI = """\
[databases]
{database} = {target}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 200
logfile =
pidfile =
"""


def pgbouncer_find() -> str | None:
    return shutil.which("pgbouncer", path=SEARCHED)


def _run_as(host: str) -> str:
    if host.startswith("/"):
        owner = Path(host).owner()
        if owner != "root":
            return owner
    return UNPRIVILEGED_USER


def _libpq_value(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass
class PgBouncer:
    process: subprocess.Popen
    port: int
    database: str
    directory: Path

    def url(self) -> str:
        """What DATABASE_URL is for a client of the pooler (auth_type any: no password)."""
        return f"postgres://pooler@127.0.0.1:{self.port}/{quote(self.database, safe='')}"

    def connect_kwargs(self) -> dict:
        return {"host": "127.0.0.1", "port": self.port, "dbname": self.database, "user": "pooler"}

    def log(self) -> str:
        return (self.directory / "pgbouncer.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        shutil.rmtree(self.directory, ignore_errors=True)


def pgbouncer_start(
    settings_dict: dict, *, pool_size: int = POOL_SIZE, connect_query: str | None = None
) -> PgBouncer:
    """Start PgBouncer for the database of `settings_dict` (Django's); wait until it answers.
    `connect_query` runs on every server connection it opens (bench.peers: capture off)."""
    binary = pgbouncer_find()
    assert binary, MISSING
    directory = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    directory.chmod(0o755)  # as root it runs as another user, who must read its ini
    target = {
        "host": settings_dict["HOST"] or "127.0.0.1",
        "port": str(settings_dict["PORT"] or 5432),
        "dbname": settings_dict["NAME"],
        "user": settings_dict["USER"],
    }
    if settings_dict.get("PASSWORD"):
        target["password"] = settings_dict["PASSWORD"]
    if connect_query:
        target["connect_query"] = connect_query
    port = free_port()
    ini = directory / "pgbouncer.ini"
    ini.write_text(
        INI.format(
            database=settings_dict["NAME"],
            target=" ".join(f"{key}={_libpq_value(value)}" for key, value in target.items()),
            port=port,
            pool_size=pool_size,
        )
    )
    ini.chmod(0o644)
    command = [binary, str(ini)]
    if os.geteuid() == 0:
        command[1:1] = ["-u", _run_as(target["host"])]
    with (directory / "pgbouncer.log").open("w") as log:
        process = subprocess.Popen(  # noqa: S603 (fixed argv)
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    pooler = PgBouncer(process, port, settings_dict["NAME"], directory)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"pgbouncer exited ({process.returncode}):\n{pooler.log()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return pooler
        except OSError:
            time.sleep(0.05)
    pooler.stop()
    raise AssertionError("pgbouncer did not listen within 10 s")
