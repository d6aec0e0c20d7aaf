"""Set-based demo data: every row is generated inside PostgreSQL, a chunk per transaction.

Chunks are independent (their order numbers and random draws depend only on n and the seed),
so `workers` connections generate them side by side.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass

from django.db import connection, transaction
from psycopg import sql

from project.sqlfiles import read_sql

GENERATED_TABLES = ("orders_customer", "orders_order", "orders_orderitem", "orders_orderstatus")


@dataclass(frozen=True)
class GenerationResult:
    orders: int
    first_number: int
    last_number: int
    seconds: float


# Millions of generated orders are not applied one by one: the reports are rebuilt instead
# (refresh_reports does so while the state says a rebuild is due), so chunks skip the capture.
REBUILD_REASON = "generateorders wrote orders without change capture"


def _generate_chunk(params: dict) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('reports.capture', 'off', true)")
        cursor.execute(read_sql("orders", "generate_orders.sql"), params)
        cursor.execute("SELECT set_config('reports.capture', 'on', true)")
    return params["last"] - params["first"] + 1


def _generate_chunk_in_thread(params: dict) -> int:
    try:
        return _generate_chunk(params)
    finally:
        connection.close()


def orders_generate(
    *,
    orders: int,
    customers: int,
    seed: int,
    end: datetime.datetime,
    chunk_size: int = 100_000,
    workers: int = 2,
    progress: Callable[[int, int, float], None] | None = None,
) -> GenerationResult:
    """Append `orders` generated orders; order numbers continue after the existing orders.

    Inside an open transaction (tests, callers' atomic blocks) the chunks run on this
    connection, since other connections could not see its uncommitted customers.
    """
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_data.refresh_state SET rebuild_required = true, rebuild_reason = %s",
            [REBUILD_REASON],
        )
        cursor.execute("SELECT coalesce(max(id), 0) FROM orders_order")
        base = cursor.fetchone()[0]
        cursor.execute(read_sql("orders", "generate_customers.sql"), {"customers": customers})
    chunks = [
        {
            "first": base + first,
            "last": base + min(first + chunk_size - 1, orders),
            "customers": customers,
            "seed": seed,
            "end": end,
        }
        for first in range(1, orders + 1, chunk_size)
    ]
    done = 0
    with ExitStack() as stack:
        if workers == 1 or connection.in_atomic_block:
            counts = map(_generate_chunk, chunks)
        else:
            pool = stack.enter_context(ThreadPoolExecutor(max_workers=workers))
            counts = pool.map(_generate_chunk_in_thread, chunks)
        for count in counts:
            done += count
            if progress:
                progress(done, orders, time.perf_counter() - started)
    with connection.cursor() as cursor:
        for table in GENERATED_TABLES:
            cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
    return GenerationResult(
        orders=orders,
        first_number=base + 1,
        last_number=base + orders,
        seconds=time.perf_counter() - started,
    )
