"""DATABASE_POOL_* turn Django's psycopg pool on, read as the settings module reads them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
SHOW = (
    "import json, django; django.setup(); from django.conf import settings; "
    "d = settings.DATABASES['default']; "
    "print(json.dumps({'pool': d['OPTIONS'].get('pool'), 'age': d['CONN_MAX_AGE']}))"
)


def database_settings(**environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DATABASE_POOL_")}
    env.update(
        DJANGO_SETTINGS_MODULE="project.settings",
        DJANGO_DEMO="1",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/never_connected",
        **environment,
    )
    return subprocess.run(  # noqa: S603 (fixed argv)
        [sys.executable, "-c", SHOW],
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
