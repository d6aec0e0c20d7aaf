"""Embedded PostgreSQL for machines that have no server: the default when DATABASE_URL is unset.

The `pgserver` wheel ships PostgreSQL 16 binaries. The cluster lives in `.pgdata/` in the checkout
(git-ignored), is reused across runs, and is stopped when the last process using it exits.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

DATABASE_NAME = "orders"

# pgserver reports every start and stop at INFO; keep only its warnings.
logging.getLogger("pgserver").setLevel(logging.WARNING)

# Conservative settings for bulk loads and reports on a small machine; applied once per cluster,
# effective from the next server start (pgserver restarts it when the last user exits).
_SERVER_SETTINGS = {
    "shared_buffers": "512MB",
    "work_mem": "32MB",
    "maintenance_work_mem": "256MB",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    "max_connections": "200",
}


def data_directory() -> Path:
    configured = os.environ.get("EMBEDDED_PGDATA")
    if configured:
        return Path(configured).resolve()
    return Path(__file__).resolve().parent.parent / ".pgdata"


def database_settings() -> dict:
    """Start (or join) the embedded server and return Django DATABASES['default'] for it."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); pgserver copes.
        warnings.simplefilter("ignore")
        import pgserver
    import psycopg2
    from psycopg2 import sql

    pgdata = data_directory()
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    socket_dir = server.get_postmaster_info().socket_dir
    conn = psycopg2.connect(host=str(socket_dir), user="postgres", dbname="postgres")
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
                for name, value in _SERVER_SETTINGS.items():
                    statement = sql.SQL("ALTER SYSTEM SET {} = %s").format(sql.Identifier(name))
                    cursor.execute(statement, [value])
    finally:
        conn.close()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "HOST": str(socket_dir),
        "PORT": "",
    }
