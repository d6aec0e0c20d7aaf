"""Readers keep reading while a refresh runs: a full rebuild changes the stored rows in place
(row locks and ROW EXCLUSIVE, which readers' ACCESS SHARE does not conflict with), and readers see
the old rows until it commits."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from psycopg import sql

from reports.refresh import reports_refresh
from reports.schema import report_view_classes
from reports.selectors import customer_ranking, report_rows

pytestmark = pytest.mark.django_db(transaction=True)

HOLD_SECONDS = 1.5
MAX_WAIT_SECONDS = 1.0


def _refresh_and_hold(*, held: threading.Event, done):
    try:
        with transaction.atomic():
            run = reports_refresh(full=True)
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


def _stored_tables_locked() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT pg_class.oid) FROM pg_locks "
            "JOIN pg_class ON pg_class.oid = pg_locks.relation "
            "JOIN pg_namespace n ON n.oid = pg_class.relnamespace "
            "WHERE n.nspname = 'reports_data' AND pg_class.relkind = 'r' "
            "AND pg_locks.mode = 'RowExclusiveLock' AND granted"
        )
        return cursor.fetchone()[0]


def test_readers_never_wait_while_a_refresh_holds_its_locks(orders_data):
    reports_refresh()
    held, done = threading.Event(), threading.Event()
    waits: list[float] = []
    errors: list[Exception] = []
    refresher = threading.Thread(
        target=_refresh_and_hold,
        kwargs={"held": held, "done": done},
    )
    readers = [
        threading.Thread(target=_read_until, args=(done, held, waits, errors)) for _ in range(3)
    ]
    refresher.start()
    for reader in readers:
        reader.start()
    assert held.wait(30)
    assert _stored_tables_locked() >= 5  # the test is meaningful: the rebuild holds its locks
    refresher.join(30)
    for reader in readers:
        reader.join(30)
    assert errors == []
    assert len(waits) > 30
    assert max(waits) < MAX_WAIT_SECONDS
