"""What the design costs writers.

- Bulk status inserts onto existing orders: no trigger, a row-level trigger (one UPDATE per
  row), and the project's statement-level triggers. Every run is one INSERT of the same rows
  in a transaction that rolls back (the dataset stays as generated). Foreign keys are checked
  inside the timed statement (SET CONSTRAINTS ALL IMMEDIATE), as they would be at commit.
- Upload throughput over HTTP (gunicorn) against the naive update_or_create loop, with
  bench/upload.py's functions; what the uploads wrote is deleted afterwards.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

from bench.measure import Timing, is_timeout, set_statement_timeout
from bench.support import GunicornServer, timed
from bench.upload import make_batches, naive_upload, upload_all
from orders.api_keys import api_key_create
from orders.models import ApiKey, ApiKeyScope, Customer, Status
from project.sqlfiles import read_sql, run_sql

NO_TRIGGER, ROW_TRIGGER, PROJECT_TRIGGER = "none", "row", "project"
INSERT_LABELS = {
    NO_TRIGGER: "no trigger (DISABLE TRIGGER USER)",
    ROW_TRIGGER: "row-level trigger: one UPDATE per row",
    PROJECT_TRIGGER: "project: statement-level trigger (transition table)",
}
UPLOAD_CUSTOMERS = [f"bench_{n}" for n in range(20)]  # the users make_batches writes as


@dataclass(frozen=True)
class InsertCost:
    key: str
    label: str
    rows: int
    timing: Timing

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.timing.lower_bound


@dataclass(frozen=True)
class UploadRun:
    label: str
    orders: int
    seconds: float

    @property
    def orders_per_second(self) -> float:
        return self.orders / self.seconds


def status_batch_prepare(*, rows: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_status_batch")
        cursor.execute("SELECT count(*) FROM orders_order")
        step = max(1, cursor.fetchone()[0] // rows)
        cursor.execute(
            read_sql("bench", "writes_status_batch.sql"),
            {
                "complete": Status.COMPLETE,
                "cancelled": Status.CANCELLED,
                "step": step,
                "rows": rows,
            },
        )
        cursor.execute("ANALYZE bench_status_batch")
        cursor.execute("SELECT count(*) FROM bench_status_batch")
        return cursor.fetchone()[0]


def _insert_once(variant: str) -> float:
    """One bulk INSERT under `variant`, timed, in a transaction that is rolled back.

    DISCARD PLANS first: the trigger functions' cached plans (PL/pgSQL keeps one per session,
    planned for the transition table sizes of its first call) must not carry from one variant
    to the next; bench/live.py measures what such a carried plan costs.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DISCARD PLANS")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if variant != PROJECT_TRIGGER:
            cursor.execute("ALTER TABLE orders_orderstatus DISABLE TRIGGER USER")
        if variant == ROW_TRIGGER:
            run_sql(cursor, "bench", "writes_row_trigger.sql")
        started = time.perf_counter()
        run_sql(cursor, "bench", "writes_status_insert.sql")
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def status_inserts_measure(
    *, rows: int, repeat: int, timeout_s: float, log: Callable[[str], None] = print
) -> list[InsertCost]:
    """Warm-up round, then `repeat` rounds; the variants alternate within each round."""
    with connection.cursor() as cursor:
        set_statement_timeout(cursor, timeout_s)
    try:
        inserted = status_batch_prepare(rows=rows)
        timings: dict[str, Timing] = {variant: Timing() for variant in INSERT_LABELS}
        for round_number in range(repeat + 1):
            for variant in INSERT_LABELS:
                if timings[variant].timed_out:
                    continue
                log(f"  writes: {inserted:,} status rows, {INSERT_LABELS[variant]}")
                try:
                    elapsed = _insert_once(variant)
                except DatabaseError as error:
                    if not is_timeout(error):
                        raise
                    log(f"  writes: timed out after {timeout_s:,.0f} s")
                    timings[variant].timed_out_after = timeout_s
                    continue
                if round_number:  # round 0 is the warm-up
                    timings[variant].samples.append(elapsed)
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_status_batch")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
    return [
        InsertCost(variant, label, inserted, timings[variant])
        for variant, label in INSERT_LABELS.items()
    ]


def _uploads_delete() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            read_sql("bench", "writes_delete_uploads.sql"), {"usernames": UPLOAD_CUSTOMERS}
        )
    Customer.objects.filter(username__in=UPLOAD_CUSTOMERS).delete()


def uploads_measure(
    *,
    batches: int,
    orders: int,
    items: int,
    naive_batches: int,
    workers: int,
    clients: int,
    log: Callable[[str], None] = print,
) -> list[UploadRun]:
    """bench/upload.py's runs at a smaller size; the first batch is a warm-up."""
    run = f"B{int(time.time())}"
    key_name = f"benchmark-upload-{run}"
    key = api_key_create(name=key_name, scope=ApiKeyScope.WRITE)
    measured = (batches - 1) * orders
    try:
        _uploads_delete()  # leftovers of an interrupted run
        payloads = make_batches(run, batches, orders, items)
        first = [json.dumps(batch).encode() for batch in payloads]
        for batch in payloads:
            for order in batch["orders"]:
                order["total_amount"] += 1
                order["status"] = "refunded"
        changed = [json.dumps(batch).encode() for batch in payloads]
        naive = make_batches(f"N{run}", naive_batches, orders, items)
        results = []
        quiet = {"LOG_LEVEL": "WARNING", "PYTHONWARNINGS": "ignore:No directory at:UserWarning"}
        with GunicornServer(workers=workers, environment=quiet) as server:
            upload_all(server.port, key, first[:1], 1)
            for label, bodies in [
                ("upload, all new (created)", first[1:]),
                ("same batches again (unchanged)", first[1:]),
                ("changed batches (updated, a refund each)", changed[1:]),
            ]:
                log(f"  upload: {label}")
                seconds = timed(lambda b=bodies: upload_all(server.port, key, b, clients))
                results.append(UploadRun(label, measured, seconds))
        log("  upload: naive update_or_create loop")
        naive_seconds = timed(lambda: [naive_upload(batch) for batch in naive])
        results.append(
            UploadRun(
                "naive update_or_create loop (in process)", naive_batches * orders, naive_seconds
            )
        )
    finally:
        _uploads_delete()
        ApiKey.objects.filter(name=key_name).delete()
    return results
