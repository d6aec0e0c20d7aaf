"""The benchmark's datasets: one database per size, generated once and reused.

`bench_orders_<size>` (bench_orders_100k, bench_orders_1m, bench_orders_10m, ...) holds exactly
`size` generated orders. When the database is new (or empty), the orders are generated with
`orders.generation.orders_generate` and the same defaults as `generateorders`, and the time it
took is recorded as the database's COMMENT (JSON), so later runs that reuse the dataset still
report it.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from psycopg import sql

from bench.support import drop_bench_database, use_bench_database_named
from orders.generation import GENERATED_TABLES, orders_generate
from orders.models import Status
from project.sqlfiles import run_sql
from reports.refresh import FULL, reports_refresh

# Fixed, so the same size always means the same data (the generator is deterministic).
DATASET_SEED = 1
DATASET_END = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
ORDERS_PER_CUSTOMER = 20  # generateorders' default

ERROR_WRONG_SIZE = (
    "{database} holds {found:,} orders, not {wanted:,} (an interrupted generation?). "
    "Run again with --rebuild to drop and regenerate it."
)
ERROR_REFRESH_LOCKED = (
    "{database}: another refresh_reports run holds its lock; the reports may be stale."
)
ERROR_REFRESH_FAILED = "refresh_reports failed on {database}: {details}"


# One benchmark run per dataset at a time: the live section commits changes (and undoes them),
# and two runs' writes would also skew each other's timings. A session-level advisory lock,
# held by Django's connection to the dataset until the run moves on or ends.
DATASET_LOCK_KEY = 0x62656E6368  # "bench"


class DatasetError(Exception):
    pass


def _dataset_lock(database: str, log: Callable[[str], None]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [DATASET_LOCK_KEY])
        if cursor.fetchone()[0]:
            return
        log(f"{database}: another benchmark run is using it; waiting for it to finish")
        cursor.execute("SELECT pg_advisory_lock(%s)", [DATASET_LOCK_KEY])


@dataclass(frozen=True)
class Dataset:
    database: str
    orders: int
    generation_seconds: float | None
    generated_at: str | None
    generated_now: bool
    vacuum_seconds: float
    facts: dict


def size_label(orders: int) -> str:
    for unit, suffix in ((1_000_000, "m"), (1_000, "k")):
        if orders % unit == 0:
            return f"{orders // unit}{suffix}"
    return str(orders)


def database_name(orders: int) -> str:
    return f"bench_orders_{size_label(orders)}"


def _scalar(statement: str | sql.Composable, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def _record(database: str) -> dict:
    comment = _scalar(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        [database],
    )
    try:
        return json.loads(comment) if comment else {}
    except ValueError:
        return {}


def _store_record(database: str, record: dict) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL("COMMENT ON DATABASE {} IS %s").format(sql.Identifier(database)),
            [json.dumps(record)],
        )


def tables_vacuum() -> float:
    """VACUUM the generated tables: a known visibility map for index-only scans, no bloat."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in GENERATED_TABLES:
            cursor.execute(sql.SQL("VACUUM {}").format(sql.Identifier(table)))
    return time.perf_counter() - started


def reports_vacuum() -> float:
    """VACUUM ANALYZE the live reports' tables (after a full rebuild rewrote them)."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'reports_data' ORDER BY 1"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(
                sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier("reports_data", table))
            )
    return time.perf_counter() - started


def _facts() -> dict:
    with connection.cursor() as cursor:
        run_sql(cursor, "bench", "dataset_facts.sql", {"cancelled": Status.CANCELLED})
        columns = [column.name for column in cursor.description]
        return dict(zip(columns, cursor.fetchone(), strict=True))


def dataset_prepare(
    *,
    orders: int,
    rebuild: bool = False,
    refresh: bool = True,
    log: Callable[[str], None] = print,
) -> Dataset:
    """Switch Django to the dataset of `orders` orders, generating it first when needed.

    Also VACUUMs it and, with `refresh`, brings the stored reports up to date (`refresh_reports`:
    the pending changes, or a full rebuild when one is due, e.g. after generation).
    """
    database = database_name(orders)
    if rebuild:
        log(f"dropping {database} (--rebuild)")
        drop_bench_database(database)
    use_bench_database_named(database)
    _dataset_lock(database, log)
    found = _scalar("SELECT count(*) FROM orders_order")
    record = _record(database)
    generated_now = False
    if found == 0:
        log(f"{database}: generating {orders:,} orders")

        def progress(done: int, total: int, seconds: float) -> None:
            log(f"  {done:>11,} / {total:,} orders  {seconds:7.1f} s")

        result = orders_generate(
            orders=orders,
            customers=max(1, orders // ORDERS_PER_CUSTOMER),
            seed=DATASET_SEED,
            end=DATASET_END,
            progress=progress,
        )
        record = {
            "orders": orders,
            "generation_seconds": round(result.seconds, 1),
            "generation_phases": {name: round(s, 1) for name, s in result.phases.items()},
            "generated_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "server_version": connection.pg_version,
        }
        _store_record(database, record)
        generated_now = True
        log(f"{database}: generated in {result.seconds:.1f} s")
        for name, seconds in result.phases.items():
            log(f"  {seconds:7.1f} s  {name}")
    elif found != orders:
        raise DatasetError(ERROR_WRONG_SIZE.format(database=database, found=found, wanted=orders))
    vacuum_seconds = tables_vacuum()
    if refresh or generated_now:
        run = reports_refresh()
        if not run.lock_acquired:
            raise DatasetError(ERROR_REFRESH_LOCKED.format(database=database))
        if run.failed:
            raise DatasetError(ERROR_REFRESH_FAILED.format(database=database, details=run.error))
        if run.mode == FULL:
            log(f"{database}: reports rebuilt in {run.duration_ms / 1000:.1f} s")
            reports_vacuum()
    return Dataset(
        database=database,
        orders=orders,
        generation_seconds=record.get("generation_seconds"),
        generated_at=record.get("generated_at"),
        generated_now=generated_now,
        vacuum_seconds=vacuum_seconds,
        facts=_facts(),
    )
