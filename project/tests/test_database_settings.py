"""The database settings as the settings module reads them from the environment: Django's
pool (DATABASE_POOL_*) and the read replica (DATABASE_REPLICA_URL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from project.settings import ERROR_REPLICA_POOLER_WITHOUT_URL

BASE_DIR = Path(__file__).resolve().parents[2]
SETUP = "import json, django; django.setup(); from django.conf import settings; "
SHOW_DEFAULT = (
    "d = settings.DATABASES['default']; "
    "print(json.dumps({'pool': d['OPTIONS'].get('pool'), 'age': d['CONN_MAX_AGE']}))"
)
SHOW_REPLICA = (
    "r = settings.DATABASES.get('replica'); "
    "print(json.dumps(r and {**{k: r[k] for k in ('HOST', 'PORT', 'OPTIONS', 'CONN_MAX_AGE')}, "
    "'MIRROR': r['TEST']['MIRROR']}))"
)


def database_settings(
    show: str = SHOW_DEFAULT, *, before: str = "", **environment: str
) -> subprocess.CompletedProcess:
    """Run `show` after Django's setup (and `before` before it), in a process with this
    environment (and no other DATABASE_POOL_* or DATABASE_REPLICA_* than given)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_POOL_", "DATABASE_REPLICA_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="project.settings",
        DJANGO_DEMO="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/never_connected",
        **environment,
    )
    return subprocess.run(  # noqa: S603 (fixed argv)
        [sys.executable, "-c", before + SETUP + show],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_pool_unless_asked_each_worker_keeps_its_connection_for_a_minute():
    shown = database_settings()
    assert json.loads(shown.stdout) == {"pool": None, "age": 60}, shown.stderr


def test_a_gevent_worker_keeps_no_connection_past_its_request():
    """gunicorn's gevent worker (`make run`) loads the settings half-way through its
    monkey-patching: its module is already imported, the socket module not yet patched."""
    gevent_worker = "import gunicorn.workers.ggevent; "
    shown = database_settings(before=gevent_worker)
    assert json.loads(shown.stdout) == {"pool": None, "age": 0}, shown.stderr
    shown = database_settings(
        before=gevent_worker, DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/never"
    )
    assert json.loads(shown.stdout) == {"pool": None, "age": 0}, shown.stderr
    show_replica_age = "print(settings.DATABASES['replica']['CONN_MAX_AGE'])"
    shown = database_settings(
        show_replica_age,
        before=gevent_worker,
        DATABASE_REPLICA_URL="postgres://postgres@127.0.0.1:5433/never",
    )
    assert shown.stdout.strip() == "0", shown.stderr


def test_the_pool_from_the_environment_and_connections_then_have_no_age():
    shown = database_settings(
        DATABASE_POOL_MAX_SIZE="8", DATABASE_POOL_MIN_SIZE="2", DATABASE_POOL_TIMEOUT="3"
    )
    assert json.loads(shown.stdout) == {
        "pool": {"min_size": 2, "max_size": 8, "timeout": 3, "name": "default"},
        "age": 0,
    }, shown.stderr


def test_a_pool_smaller_than_its_minimum_is_refused_with_both_values():
    shown = database_settings(DATABASE_POOL_MAX_SIZE="2", DATABASE_POOL_MIN_SIZE="5")
    assert shown.returncode != 0
    assert "DATABASE_POOL_MIN_SIZE (5) must not exceed DATABASE_POOL_MAX_SIZE (2)" in shown.stderr


def test_a_size_that_is_not_a_number_is_refused_by_name():
    shown = database_settings(DATABASE_POOL_MAX_SIZE="lots")
    assert shown.returncode != 0
    assert "DATABASE_POOL_MAX_SIZE must be an integer >= 0, got 'lots'" in shown.stderr


def replica_settings(**environment: str) -> dict | None:
    shown = database_settings(SHOW_REPLICA, **environment)
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def test_replica_settings_from_the_environment():
    assert replica_settings() is None
    url = "postgres://postgres@replica.internal:6543/orders"
    assert replica_settings(DATABASE_REPLICA_URL=url) == {
        "HOST": "replica.internal",
        "PORT": 6543,
        "OPTIONS": {"connect_timeout": 5},  # the primary's
        "CONN_MAX_AGE": 60,
        "MIRROR": "default",  # a test run reads the test database through it
    }
    pooled = replica_settings(DATABASE_REPLICA_URL=url, DATABASE_POOL_MAX_SIZE="4")
    assert pooled["CONN_MAX_AGE"] == 0
    assert pooled["OPTIONS"]["pool"] == {
        "min_size": 1,
        "max_size": 4,
        "timeout": 2,
        "name": "replica",
    }


def test_a_replica_behind_a_transaction_pooler_is_said_so_with_its_url():
    refused = database_settings(SHOW_REPLICA, DATABASE_REPLICA_POOLER="transaction")
    assert refused.returncode != 0
    assert ERROR_REPLICA_POOLER_WITHOUT_URL in refused.stderr
    url = "postgres://app@replica-pgbouncer:6432/orders"
    pooled = replica_settings(DATABASE_REPLICA_URL=url, DATABASE_REPLICA_POOLER="transaction")
    assert pooled["OPTIONS"] == {"connect_timeout": 5, "prepare_threshold": None}
