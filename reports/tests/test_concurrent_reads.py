"""Readers keep reading while a refresh runs: REFRESH ... CONCURRENTLY takes an EXCLUSIVE lock,
which readers' ACCESS SHARE does not conflict with; a plain REFRESH would block them."""

from __future__ import annotations

import threading
import time

import psycopg2.errors
import pytest
from django.db import connection, transaction
from psycopg2 import sql

from reports.refresh import reports_refresh
from reports.schema import report_view_classes
from reports.selectors import customer_ranking, report_rows
from reports.tests.conftest import other_connection

pytestmark = pytest.mark.django_db(transaction=True)

HOLD_SECONDS = 1.5
MAX_WAIT_SECONDS = 1.0


def _refresh_and_hold(*, concurrently: bool, only: list[str], held: threading.Event, done):
    try:
        with transaction.atomic():
            run = reports_refresh(only=only, concurrently=concurrently)
            assert not run.failed
            held.set()
            time.sleep(HOLD_SECONDS)  # the refresh's transaction, and its locks, stay open
    finally:
        done.set()
        connection.close()


def _read_until(done: threading.Event, held: threading.Event, waits: list, errors: list):
    try:
        held.wait(10)
        while not done.is_set():
            for view in report_view_classes():
                started = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute(
                        sql.SQL("SELECT count(*) FROM {}").format(
                            sql.Identifier("reports", view.view_name())
                        )
                    )
                waits.append(time.perf_counter() - started)
            started = time.perf_counter()
            report_rows(customer_ranking(limit=50, offset=0))
            waits.append(time.perf_counter() - started)
    except Exception as error:  # any reader error fails the test below
        errors.append(error)
    finally:
        connection.close()


def _exclusive_locks_held() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks JOIN pg_class ON pg_class.oid = pg_locks.relation "
            "WHERE pg_class.relkind = 'm' AND pg_locks.mode = 'ExclusiveLock' AND granted"
        )
        return cursor.fetchone()[0]


def test_readers_never_wait_while_a_refresh_holds_its_locks(orders_data):
    reports_refresh()
    held, done = threading.Event(), threading.Event()
    waits: list[float] = []
    errors: list[Exception] = []
    refresher = threading.Thread(
        target=_refresh_and_hold,
        kwargs={"concurrently": True, "only": [], "held": held, "done": done},
    )
    readers = [
        threading.Thread(target=_read_until, args=(done, held, waits, errors)) for _ in range(3)
    ]
    refresher.start()
    for reader in readers:
        reader.start()
    assert held.wait(30)
    assert _exclusive_locks_held() == len(report_view_classes())  # the test is meaningful
    refresher.join(30)
    for reader in readers:
        reader.join(30)
    assert errors == []
    assert len(waits) > 30
    assert max(waits) < MAX_WAIT_SECONDS


def test_a_blocking_refresh_would_make_them_wait(orders_data):
    """The control: the same hold with a plain REFRESH stops a reader at its lock timeout."""
    held, done = threading.Event(), threading.Event()
    refresher = threading.Thread(
        target=_refresh_and_hold,
        kwargs={"concurrently": False, "only": ["status_counts"], "held": held, "done": done},
    )
    refresher.start()
    reader = other_connection(options="-c lock_timeout=500")
    try:
        assert held.wait(30)
        with pytest.raises(psycopg2.errors.LockNotAvailable), reader.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM reports.status_counts")
    finally:
        reader.close()
        refresher.join(30)
