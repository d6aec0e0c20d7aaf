"""The one way SQL files are loaded: `<app>/sql/<name>`, read once and cached.

Values are never formatted into these files: they use psycopg's placeholders (`%(name)s`).
"""

from __future__ import annotations

import functools
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


@functools.cache
def read_sql(app: str, name: str) -> str:
    return (BASE_DIR / app / "sql" / name).read_text()


def run_sql(cursor, app: str, name: str, params: dict | list | None = None):
    """Execute a SQL file; the cursor is left on its last statement's result.

    A file may hold several statements (temporary tables, then the answer). psycopg 3 leaves the
    cursor on the first statement's result, so this steps to the last, the one callers read.
    """
    cursor.execute(read_sql(app, name), params)
    while cursor.nextset():
        pass
    return cursor
