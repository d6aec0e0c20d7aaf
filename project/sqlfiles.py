"""The one way SQL files are loaded: `<app>/sql/<name>`, read once and cached.

Values are never formatted into these files: they use psycopg2 placeholders (`%(name)s`).
"""

from __future__ import annotations

import functools
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


@functools.cache
def read_sql(app: str, name: str) -> str:
    return (BASE_DIR / app / "sql" / name).read_text()
