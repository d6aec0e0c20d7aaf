"""The reports reader role of one database: the one name every grant and BI user goes through.

Roles belong to the whole PostgreSQL cluster, databases do not: one role shared by every
database of the app (the former `reports_reader`) let a BI user made for one database read the
reports of every other. Each database has its own reader role, named after it.
Migration reports.0005 creates it under this name: changing the rule needs a migration that
renames the role.
"""

from __future__ import annotations

import hashlib
import re

from psycopg import sql

from project.sqlfiles import read_sql

LEGACY_READER_ROLE = "reports_reader"  # cluster-wide, before migration reports.0005
READER_ROLE_PREFIX = f"{LEGACY_READER_ROLE}_"
MAX_IDENTIFIER_BYTES = 63  # PostgreSQL's NAMEDATALEN - 1: longer names are truncated silently
SAFE_NAME = re.compile(r"[a-z0-9_]+")
UNSAFE_CHARACTERS = re.compile(r"[^a-z0-9_]+")
HASH_CHARACTERS = 10


def reader_role_name(database: str) -> str:
    """`reports_reader_<database>` when that is plain (lowercase letters, digits, underscores)
    and fits in 63 bytes; otherwise a plain, truncated form of the name and a hash of the full
    name, so that names differing only in case, punctuation or beyond the cut stay apart."""
    plain = f"{READER_ROLE_PREFIX}{database}"
    if SAFE_NAME.fullmatch(database) and len(plain) <= MAX_IDENTIFIER_BYTES:
        return plain
    digest = hashlib.sha256(database.encode()).hexdigest()[:HASH_CHARACTERS]
    room = MAX_IDENTIFIER_BYTES - len(READER_ROLE_PREFIX) - len(digest) - 1
    readable = UNSAFE_CHARACTERS.sub("_", database.lower())[:room]
    return f"{READER_ROLE_PREFIX}{readable}_{digest}"


def reader_role(cursor) -> str:
    """The reader role of the database `cursor` is connected to."""
    cursor.execute("SELECT current_database()")
    (database,) = cursor.fetchone()
    return reader_role_name(database)


def reader_role_sql(cursor, name: str) -> None:
    """Run `reports/sql/<name>` with `{reader}`, `{reader_name}` and `{database}` filled in:
    this database's reader role as an identifier and as a string, and the database itself."""
    cursor.execute("SELECT current_database()")
    (database,) = cursor.fetchone()
    reader = reader_role_name(database)
    statement = sql.SQL(read_sql("reports", name)).format(
        reader=sql.Identifier(reader),
        reader_name=sql.Literal(reader),
        database=sql.Identifier(database),
    )
    cursor.execute(statement)
