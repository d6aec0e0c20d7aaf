"""A psycopg connection of its own to the database Django uses, for what must not share
Django's session: tests that need a second session, benchmarks, the load test."""

from __future__ import annotations

import psycopg
from django.db import connection


def raw_connection(*, database: str | None = None, autocommit: bool = True, **options):
    """Connect like Django's `default` alias does (or to `database` on the same server).

    Values are bound client-side, as Django binds them, so statements that take no server-side
    parameters (CREATE ROLE … PASSWORD %s, SET …) accept them too."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=database or settings["NAME"],
        user=settings["USER"] or None,
        password=settings.get("PASSWORD") or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=autocommit,
        cursor_factory=psycopg.ClientCursor,
        **options,
    )
