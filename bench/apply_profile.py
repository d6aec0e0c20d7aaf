"""Where an incremental refresh spends its time, statement by statement (docs/DESIGN.md §6).

    python -m bench.apply_profile [--orders 1000000] [--changes 1000] [--rounds 5]

On the benchmark dataset of `--orders` orders: commits `--changes` changed orders (a third get
a new status, a third one item's quantity + 1, a third one line moved to another sku), then runs
`reports/sql/live_apply.sql` statement by statement in a REPEATABLE READ transaction holding the
refresh lock, timing each, and rolls it back, `--rounds` times (the change log is left as it
was, so every round applies the same changes). Prints each statement's median time and share.
Finally the changes are undone and the undo applied, so the dataset is left as it was.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from bench.support import machine, setup_django
from project.sqlfiles import read_sql, run_sql

STATEMENT_END = re.compile(r";\s*\n")
STRIDE = 997


def _statements(text: str) -> list[str]:
    """The script's statements, in order (live_apply.sql has no function bodies)."""
    parts = [part.strip() for part in STATEMENT_END.split(text)]
    return [
        part
        for part in parts
        if part and not all(line.lstrip().startswith("--") for line in part.splitlines())
    ]


def _label(statement: str) -> str:
    code = [line for line in statement.splitlines() if not line.lstrip().startswith("--")]
    return " ".join(" ".join(code).split())[:90]


def _change(cursor, *, changes: int, seed: int) -> dict:
    """Change `changes` orders: a third get a new status (a refund or a payment), a third one
    item's quantity +1, a third one item moved to another sku. Returns what _undo needs."""
    # Every 997th order (id %% 997 = seed), or a denser stride when that holds too few.
    cursor.execute("SELECT coalesce(max(id), 0) FROM orders_order")
    stride = max(1, min(STRIDE, cursor.fetchone()[0] // changes))
    cursor.execute(
        "SELECT id FROM orders_order WHERE id %% %s = %s ORDER BY id LIMIT %s",
        [stride, seed % stride, changes],
    )
    ids = [row[0] for row in cursor.fetchall()]
    statuses, quantities, skus = ids[0::3], ids[1::3], ids[2::3]
    cursor.execute("SELECT coalesce(max(id), 0) FROM orders_orderstatus")
    status_after = cursor.fetchone()[0]
    run_sql(cursor, "bench", "live_status_change.sql", {"ids": statuses})
    cursor.execute(
        "UPDATE orders_orderitem SET quantity = quantity + 1 WHERE id IN ("
        "SELECT min(id) FROM orders_orderitem WHERE order_id = ANY(%s) GROUP BY order_id)",
        [quantities],
    )
    cursor.execute(
        "SELECT min(id) FROM orders_orderitem WHERE order_id = ANY(%s) GROUP BY order_id",
        [skus],
    )
    items = [row[0] for row in cursor.fetchall()]
    cursor.execute("SELECT id, sku FROM orders_orderitem WHERE id = ANY(%s)", [items])
    moved = cursor.fetchall()
    cursor.execute(
        "UPDATE orders_orderitem SET sku = (SELECT sku FROM orders_orderitem AS other "
        "WHERE other.id = orders_orderitem.id + 7) WHERE id = ANY(%s)",
        [items],
    )
    return {
        "ids": ids,
        "status_after": status_after,
        "statuses": statuses,
        "quantities": quantities,
        "moved": moved,
    }


def _undo(cursor, changed: dict) -> None:
    run_sql(
        cursor,
        "bench",
        "live_statuses_undo.sql",
        {"after": changed["status_after"], "ids": changed["statuses"]},
    )
    cursor.execute(
        "UPDATE orders_orderitem SET quantity = quantity - 1 WHERE id IN ("
        "SELECT min(id) FROM orders_orderitem WHERE order_id = ANY(%s) GROUP BY order_id)",
        [changed["quantities"]],
    )
    ids, skus = zip(*changed["moved"], strict=True) if changed["moved"] else ((), ())
    cursor.execute(
        "UPDATE orders_orderitem AS i SET sku = moved.sku "
        "FROM unnest(%s::bigint[], %s::text[]) AS moved (id, sku) WHERE i.id = moved.id",
        [list(ids), list(skus)],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="dataset size")
    parser.add_argument("--changes", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--seed", type=int, default=7, help="which orders (id %% 997 = seed); a new one is cold"
    )
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection, transaction

    from bench.datasets import dataset_prepare
    from reports.refresh import reports_refresh, working_tables_ensure

    dataset = dataset_prepare(orders=args.orders)
    statements = _statements(read_sql("reports", "live_apply.sql"))
    with transaction.atomic(), connection.cursor() as cursor:
        changed = _change(cursor, changes=args.changes, seed=args.seed)
    samples: list[list[float]] = [[] for _ in statements]
    totals = []
    try:
        for _ in range(args.rounds):
            with connection.cursor() as cursor:
                cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT FROM reports_data.refresh_state FOR UPDATE NOWAIT")
                working_tables_ensure(cursor)
                started = time.perf_counter()
                for index, statement in enumerate(statements):
                    t0 = time.perf_counter()
                    cursor.execute(statement, {"batch": None})
                    samples[index].append(time.perf_counter() - t0)
                totals.append(time.perf_counter() - started)
                cursor.execute("ROLLBACK")
    finally:
        with transaction.atomic(), connection.cursor() as cursor:
            _undo(cursor, changed)
        reports_refresh()
    total = statistics.median(totals)
    print(f"# live_apply.sql statement by statement ({machine()})")
    print(
        f"{dataset.database}: {len(changed['ids']):,} orders changed (a third each: a status, "
        "a quantity, a line moved to another sku), "
        f"median of {args.rounds} rounds: {total * 1000:.1f} ms in all\n"
    )
    print("| ms | share | statement |")
    print("|---:|---:|---|")
    for statement, times in zip(statements, samples, strict=True):
        ms = statistics.median(times) * 1000
        print(f"| {ms:.2f} | {ms / 1000 / total:.0%} | `{_label(statement)}` |")


if __name__ == "__main__":
    main()
