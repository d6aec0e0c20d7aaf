"""Timestamps read through Django's connection: psycopg's C loader, Django's answers."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from psycopg.pq import Format

from project.connections import _UtcTimestamptzLoader

pytestmark = pytest.mark.django_db

TIMESTAMPTZ_OID = 1184


def test_sessions_load_timestamps_with_the_c_loader_under_djangos_zone():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert loader is _UtcTimestamptzLoader
    with connection.cursor() as cursor:  # Django's cursor keeps it (it compares zones)
        loader = cursor.cursor.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        assert loader is _UtcTimestamptzLoader


def test_timestamps_come_back_aware_in_utc_whatever_offset_they_were_written_with():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT '2026-03-29 01:30:00.250+05:30'::timestamptz, %s::timestamptz",
            [datetime.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC)],
        )
        written, round_trip = cursor.fetchone()
    assert written == datetime.datetime(2026, 3, 28, 20, 0, 0, 250000, tzinfo=datetime.UTC)
    assert written.tzinfo is datetime.UTC
    assert round_trip == datetime.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC)
