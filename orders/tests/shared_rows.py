"""Rows built once for several tests, as Django's TestCase.setUpTestData builds them once for a
class.

A module- or class-scoped fixture writes the rows with `shared_rows`, in a transaction that stays
open while its tests run. pytest-django's TestCase turns each test's own transaction into a
savepoint inside it, so whatever a test writes is rolled back and the next test finds the rows
as built. The fixture's end rolls the rows back too: nothing is committed, nothing outlives it.

Transactional tests (`django_db(transaction=True)`) cannot run inside it: they commit and flush.
A module fixture shared this way is given only to the module's non-transactional tests that ask
for it, and those run last in their module (`share_module_rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import groupby
from pathlib import Path
from typing import TypeVar

import pytest
from django.db import connection, transaction
from pytest_django.fixtures import validate_django_db

T = TypeVar("T")

_open_ends: list[Callable[[], None]] = []


def _built(build: Callable[[], T]) -> T:
    result = build()
    # The foreign keys are deferred: check the shared rows once now, not again (rolled back
    # to unchecked with each test's savepoint) at the end of every test.
    connection.check_constraints()
    return result


@contextmanager
def shared_rows(django_db_blocker, build: Callable[[], T]) -> Iterator[T]:
    """Run `build` in a transaction that stays open for the fixture's tests; roll it back."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic._from_testcase = True  # as TestCase marks its own: durable blocks may nest in it
        atomic.__enter__()

    def end() -> None:
        _open_ends.remove(end)
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)

    _open_ends.append(end)
    try:
        with django_db_blocker.unblock():
            result = _built(build)
        yield result
    finally:
        if end in _open_ends:
            end()


def shared_rows_add(django_db_blocker, build: Callable[[], T]) -> T:
    """More rows in the open shared transaction, for a fixture that extends another."""
    with django_db_blocker.unblock():
        return _built(build)


def shared_rows_open() -> bool:
    return bool(_open_ends)


def shared_rows_end() -> None:
    """Roll the shared rows back now, before a test of the same module that must not see them."""
    while _open_ends:
        _open_ends[-1]()


def is_transactional(item: pytest.Item) -> bool:
    """pytest-django's own rule: the marker, or a fixture that needs committed transactions."""
    marker = item.get_closest_marker("django_db")
    if marker:
        transactional, reset_sequences, *_ = validate_django_db(marker)
        if transactional or reset_sequences:
            return True
    return "transactional_db" in item.fixturenames or "live_server" in item.fixturenames


def share_module_rows(
    items: list[pytest.Item], *, shared: dict[str, tuple[str, ...]], directory: Path
) -> None:
    """Give module-wide rows to the non-transactional tests under `directory` that ask for them.

    `shared` maps a test's fixture (`refreshed`) to the module-scoped fixtures that build its
    rows, in build order (`module_orders_data`, `module_refreshed`); a longer chain extends a
    shorter one. pytest-django runs a module's non-transactional tests together; among them,
    those that share come last and those that share more come later, so that no other test runs
    while the shared rows exist. The module fixtures go first in the test's fixture list, before
    its own transaction opens. Call it from a `trylast` pytest_collection_modifyitems, after
    pytest-django's own ordering, and call `shared_rows_end` before every test that does not
    share.
    """

    def chain(item: pytest.Item) -> tuple[str, ...]:
        chains = [shared[name] for name in item.fixturenames if name in shared]
        return max(chains, key=len, default=())

    def run_key(item: pytest.Item) -> tuple:
        return (item.path, is_transactional(item))

    ordered: list[pytest.Item] = []
    for (path, transactional), run in groupby(items, key=run_key):
        run = list(run)
        if not transactional and path.is_relative_to(directory):
            run.sort(key=lambda item: len(chain(item)))
            for item in run:
                for name in reversed(chain(item)):
                    if name not in item.fixturenames:
                        item.fixturenames.insert(0, name)
        ordered += run
    items[:] = ordered
