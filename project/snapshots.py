"""One snapshot for an answer built from several reads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction


@contextmanager
def one_snapshot(*, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """A read-only REPEATABLE READ transaction: every query inside sees the same commits.

    In READ COMMITTED each statement takes its own snapshot, so an order read by one query and
    its history by the next can disagree when a write commits in between. Inside a caller's
    transaction (tests) that transaction's rules apply. A streaming replica (`using`) serves
    REPEATABLE READ READ ONLY transactions too.
    """
    database = connections[using]
    outermost = not database.in_atomic_block
    with transaction.atomic(using=using):
        if outermost:
            with database.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield
