"""Set-based demo data: every row is generated inside PostgreSQL, a chunk at a time.

Two ways in, the same rows (every value is a pure function of the order's number and the seed):

- Into empty tables (a fresh database, `make run`, the benchmark's datasets): one transaction
  that locks the tables, drops their plain indexes and foreign keys, loads every chunk, then
  builds each index in one sorted pass and adds each foreign key back, which checks every row
  in one join. Nobody sees the tables without them: the lock is held until the commit, and a
  failure rolls all of it back. The tables' triggers are off meanwhile (the reports are due
  for a rebuild anyway), so every order's current status is checked against its history in
  one pass before the commit instead. The rows come from a second connection that generates
  them while this one writes them (COPY ... TO STDOUT into COPY ... FROM STDIN): two server
  processes, one per core, and COPY writes rows in batches.
- Otherwise (appending, or inside a caller's transaction): a transaction per chunk, the indexes
  and deferred foreign keys checking as rows arrive; chunks are independent, so `workers`
  connections generate them side by side.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from psycopg import sql

from currencies.conf import base_currency, default_channel
from orders.consistency import current_status_audit
from project.sqlfiles import read_sql

GENERATED_TABLES = ("orders_customer", "orders_order", "orders_orderitem", "orders_orderstatus")
# Orders per chunk: a chunk's fixed costs (planning, hashing the customers) are spread thin.
DEFAULT_CHUNK_SIZE = 500_000
# The generated catalog: as many products as half the orders, at least 200, at most 100,000
# (a long tail at the benchmark's 10M orders; a catalog small runs still sell most of).
MIN_PRODUCTS, MAX_PRODUCTS = 200, 100_000
# The tables a bulk load fills, locked and checked empty first.
LOADED_TABLES = ("orders_order", "orders_orderitem", "orders_orderstatus")


@dataclass(frozen=True)
class GenerationResult:
    orders: int
    first_number: int
    last_number: int
    seconds: float
    bulk_load: bool = False
    # Seconds per phase, in order: where the time went.
    phases: dict[str, float] = field(default_factory=dict)


ERROR_STATUS_MISMATCH = (
    "The bulk load left {count:,} orders whose current status is not their latest history row "
    "(first: {numbers}); nothing was committed."
)


class GenerationError(Exception):
    pass


# Millions of generated orders are not applied one by one: the reports are rebuilt instead
# (refresh_reports does so while the state says a rebuild is due), so chunks skip the capture.
REBUILD_REASON = "generateorders wrote orders without change capture"

# Per transaction (per session on the bulk load's generating connection). The statements are
# planned once per chunk: JIT compiling them costs more than it saves. Sorts, hashes and the
# transition tables of the statement triggers stay in memory; an index build sorts in one
# pass. A lost commit after a crash loses generated rows only, never consistency, so a commit
# does not wait for the WAL flush.
SESSION_SETTINGS = {
    "jit": "off",
    "work_mem": "256MB",
    "maintenance_work_mem": "2GB",
    "synchronous_commit": "off",
    "reports.capture": "off",
}


# What the bulk load copies, in this order: the history before its orders (the foreign key is
# checked at commit), so the history's insert trigger finds none of them to lock or move and
# each order is written once, already carrying its latest status.
BULK_COPIES = (
    ("orders_orderstatus", ("id", "order_id", "status", "created"), "generate_copy_statuses.sql"),
    (
        "orders_order",
        (
            "id",
            "order_number",
            "customer_id",
            "created_at",
            "total_amount",
            "current_status",
            "current_status_at",
            "current_status_entry_id",
            "currency",
            "channel",
        ),
        "generate_copy_orders.sql",
    ),
    (
        "orders_orderitem",
        ("order_id", "sku", "name", "quantity", "price"),
        "generate_copy_items.sql",
    ),
)


class _Phases:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


def _configure(cursor, *, workers: int, local: bool = True) -> None:
    settings = {**SESSION_SETTINGS, "max_parallel_maintenance_workers": str(workers)}
    for name, value in settings.items():
        cursor.execute("SELECT set_config(%s, %s, %s)", [name, value, local])
    cursor.execute(read_sql("orders", "generate_functions.sql"))


def _generate_chunk(params: dict) -> int:
    in_callers_transaction = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if in_callers_transaction:  # its settings would outlive the chunk: put them back after
            cursor.execute(
                "SELECT name, current_setting(name, true) FROM unnest(%s::text[]) AS name",
                [list(SESSION_SETTINGS)],
            )
            before = cursor.fetchall()
        _configure(cursor, workers=1)
        cursor.execute(read_sql("orders", "generate_orders.sql"), params)
        if in_callers_transaction:
            for name, value in before:
                cursor.execute("SELECT set_config(%s, %s, true)", [name, value or ""])
    return params["last"] - params["first"] + 1


def _generate_chunk_in_thread(params: dict) -> int:
    try:
        return _generate_chunk(params)
    finally:
        connection.close()


def _prepare(cursor, *, customers: int) -> int:
    """Mark the reports for a rebuild, add the customers; the number before the first order."""
    cursor.execute(
        "UPDATE reports_data.refresh_state SET rebuild_required = true, rebuild_reason = %s",
        [REBUILD_REASON],
    )
    cursor.execute(read_sql("orders", "generate_customers.sql"), {"customers": customers})
    cursor.execute("SELECT coalesce(max(id), 0) FROM orders_order")
    return cursor.fetchone()[0]


def catalog_size(orders: int) -> int:
    return max(MIN_PRODUCTS, min(MAX_PRODUCTS, orders // 2))


def _generate_catalog(*, products: int) -> None:
    """The categories and products the generated items name (catalog/sql/generate_catalog.sql)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(read_sql("orders", "generate_functions.sql"))
        cursor.execute(read_sql("catalog", "generate_catalog.sql"), {"products": products})


def _sequence(cursor, table: str) -> str:
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    return cursor.fetchone()[0]


def _chunks(*, base: int, orders: int, chunk_size: int, **values) -> list[dict]:
    return [
        {"first": base + first, "last": base + min(first + chunk_size - 1, orders), **values}
        for first in range(1, orders + 1, chunk_size)
    ]


@contextmanager
def _generator() -> Iterator:
    """A second connection's raw cursor, set up to generate rows (outside any transaction).

    It keeps its own copy of the customers: dropping the orders' foreign key locks the
    customers table until the load commits."""
    wrapper = connection.copy()
    try:
        wrapper.ensure_connection()
        with wrapper.connection.cursor() as cursor:
            _configure(cursor, workers=1, local=False)
            cursor.execute(
                "CREATE TEMP TABLE gen_customer AS SELECT id, username FROM orders_customer"
            )
            cursor.execute("ANALYZE gen_customer")
            yield cursor
    finally:
        wrapper.close()


def _copy_chunk(source, target, params: dict, phases: _Phases) -> int:
    """Stream one chunk's rows of each table from the generator into the loading transaction;
    returns how many status rows it wrote."""
    written = {}
    for table, columns, query in BULK_COPIES:
        with phases.timed(f"load {table}"):
            generate = sql.SQL("COPY ({}) TO STDOUT (FORMAT binary)").format(
                sql.SQL(read_sql("orders", query))
            )
            load = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary)").format(
                sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
            )
            with source.copy(generate, params) as rows, target.copy(load) as copy:
                for block in rows:
                    copy.write(block)
            written[table] = target.rowcount
    return written["orders_orderstatus"]


def _bulk_load(cursor, source, *, base: int, values: dict, phases: _Phases, report) -> None:
    """Every chunk into the locked, empty tables, with ids taken from their sequences."""
    order_sequence = _sequence(cursor, "orders_order")
    status_sequence = _sequence(cursor, "orders_orderstatus")
    cursor.execute("SELECT nextval(%s), nextval(%s)", [order_sequence, status_sequence])
    first_order_id, first_status_id = cursor.fetchone()
    offsets = {"order_offset": first_order_id - base - 1, "status_base": first_status_id - 1}
    target = connection.connection.cursor()
    for params in _chunks(base=base, **values):
        offsets["status_base"] += _copy_chunk(source, target, params | offsets, phases)
        report(params["last"] - base)
    cursor.execute(
        "SELECT setval(%s, %s), setval(%s, %s)",
        [
            order_sequence,
            first_order_id + values["orders"] - 1,
            status_sequence,
            offsets["status_base"],
        ],
    )


def _tables_empty(cursor) -> bool:
    for table in LOADED_TABLES:
        cursor.execute(sql.SQL("SELECT EXISTS (SELECT FROM {})").format(sql.Identifier(table)))
        if cursor.fetchone()[0]:
            return False
    return True


def _tables_locked_empty(cursor) -> bool:
    """Whether the tables are still empty, and if so locked until the commit.

    Callers check first without the lock: appending to a database in use must not queue behind
    (and block everyone behind) its open transactions."""
    cursor.execute(
        sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
            sql.SQL(", ").join(map(sql.Identifier, LOADED_TABLES))
        )
    )
    return _tables_empty(cursor)


def _drop_deferred_objects(cursor) -> list[tuple[str, str, str, str]]:
    cursor.execute(
        read_sql("orders", "generate_deferred_objects.sql"), {"tables": list(LOADED_TABLES)}
    )
    deferred = cursor.fetchall()
    for kind, table, name, _definition in deferred:
        if kind == "index":
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        else:
            cursor.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                    sql.Identifier(table), sql.Identifier(name)
                )
            )
    return deferred


def _set_triggers(cursor, action: str) -> None:
    """DISABLE or ENABLE the loaded tables' own triggers (not the foreign keys' checks)."""
    for table in LOADED_TABLES:
        cursor.execute(
            sql.SQL("ALTER TABLE {} {} TRIGGER USER").format(sql.Identifier(table), sql.SQL(action))
        )


def _check_current_status() -> None:
    """What the history's insert trigger would have kept, checked for every order at once."""
    audit = current_status_audit()
    if audit.count:
        numbers = ", ".join(audit.mismatched_numbers[:5])
        raise GenerationError(ERROR_STATUS_MISMATCH.format(count=audit.count, numbers=numbers))


def _restore_deferred_objects(cursor, deferred, phases: _Phases) -> None:
    """Indexes first, then foreign keys: adding one checks every row in a single join."""
    for kind, table, name, definition in deferred:
        with phases.timed(f"{kind} {name}"):
            if kind == "index":
                # The server's own text for the index, as pg_get_indexdef printed it.
                cursor.execute(sql.SQL(definition))
            else:
                cursor.execute(
                    sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                        sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)
                    )
                )


def _analyze(cursor) -> None:
    for table in GENERATED_TABLES:
        cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))


def orders_generate(
    *,
    orders: int,
    customers: int,
    seed: int,
    end: datetime.datetime,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int = 2,
    products: int | None = None,
    currencies: list[str] | None = None,
    channels: list[str] | None = None,
    progress: Callable[[int, int, float], None] | None = None,
) -> GenerationResult:
    """Append `orders` generated orders; order numbers continue after the existing orders.

    `workers`: parallel connections when appending, parallel workers per index build when
    loading empty tables. Inside an open transaction (tests, callers' atomic blocks) the chunks
    run on this connection, since other connections could not see its uncommitted customers;
    nor does it take the bulk load's exclusive lock there, which would last as long as that
    transaction.

    `products`: the size of the generated catalog, whose products the items name (default:
    `catalog_size(orders)`); its categories and products are added when missing.

    `currencies`, `channels`: each order takes one of these at random (default: the base
    currency, the default channel).
    """
    started = time.perf_counter()
    phases = _Phases()
    values = {
        "orders": orders,
        "chunk_size": chunk_size,
        "customers": customers,
        "seed": seed,
        "end": end,
        "products": products or catalog_size(orders),
        "currencies": currencies or [base_currency()],
        "channels": channels or [default_channel()],
    }

    def report(done: int) -> None:
        if progress:
            progress(done, orders, time.perf_counter() - started)

    with connection.cursor() as cursor, phases.timed("customers"):
        base = _prepare(cursor, customers=customers)
        empty = _tables_empty(cursor)
    with phases.timed("catalog"):
        _generate_catalog(products=values["products"])
    bulk_load = False
    if empty and not connection.in_atomic_block:
        with ExitStack() as stack:
            with phases.timed("lock"):
                source = stack.enter_context(_generator())
                stack.enter_context(transaction.atomic())
                cursor = stack.enter_context(connection.cursor())
                bulk_load = _tables_locked_empty(cursor)
            if bulk_load:
                _configure(cursor, workers=workers)
                with phases.timed("drop indexes and foreign keys, disable triggers"):
                    deferred = _drop_deferred_objects(cursor)
                    _set_triggers(cursor, "DISABLE")
                _bulk_load(cursor, source, base=base, values=values, phases=phases, report=report)
                _set_triggers(cursor, "ENABLE")
                _restore_deferred_objects(cursor, deferred, phases)
                with phases.timed("check current statuses"):
                    _check_current_status()
                with phases.timed("analyze"):
                    _analyze(cursor)
    if not bulk_load:
        with connection.cursor() as cursor:
            values["order_sequence"] = _sequence(cursor, "orders_order")
        chunks = _chunks(base=base, **values)
        with ExitStack() as stack, phases.timed("load"):
            if workers == 1 or connection.in_atomic_block:
                counts = map(_generate_chunk, chunks)
            else:
                pool = stack.enter_context(ThreadPoolExecutor(max_workers=workers))
                counts = pool.map(_generate_chunk_in_thread, chunks)
            done = 0
            for count in counts:
                done += count
                report(done)
        with connection.cursor() as cursor, phases.timed("analyze"):
            _analyze(cursor)
    return GenerationResult(
        orders=orders,
        first_number=base + 1,
        last_number=base + orders,
        seconds=time.perf_counter() - started,
        bulk_load=bulk_load,
        phases=phases.seconds,
    )
