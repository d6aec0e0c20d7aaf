"""Where an incremental refresh spends its time, statement by statement (docs/DESIGN.md §6).

    python -m bench.apply_profile [--orders 1000000] [--changes 1000] [--rounds 5]

On the benchmark dataset of `--orders` orders: commits `--changes` changed orders (each gets a
new Cancelled status a day after it was created: a refund or a failed payment), then runs
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

STATEMENT_END = re.compile(r";\s*\n")


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


def _change(cursor, *, changes: int, seed: int) -> list[int]:
    cursor.execute(
        "SELECT id FROM orders_order WHERE id %% 997 = %s ORDER BY id LIMIT %s", [seed, changes]
    )
    ids = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "INSERT INTO orders_orderstatus (order_id, status, created) "
        "SELECT id, 'Cancelled', o.created_at + interval '1 day' "
        "FROM orders_order AS o WHERE id = ANY(%s)",
        [ids],
    )
    return ids


def _undo(cursor, ids: list[int]) -> None:
    cursor.execute(
        "DELETE FROM orders_orderstatus AS s USING orders_order AS o "
        "WHERE s.order_id = o.id AND o.id = ANY(%s) AND s.status = 'Cancelled' "
        "AND s.created = o.created_at + interval '1 day'",
        [ids],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="dataset size")
    parser.add_argument("--changes", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection, transaction

    from bench.datasets import dataset_prepare
    from project.sqlfiles import read_sql
    from reports.refresh import reports_refresh

    dataset = dataset_prepare(orders=args.orders)
    statements = _statements(read_sql("reports", "live_apply.sql"))
    with transaction.atomic(), connection.cursor() as cursor:
        ids = _change(cursor, changes=args.changes, seed=7)
    samples: list[list[float]] = [[] for _ in statements]
    totals = []
    try:
        for _ in range(args.rounds):
            with connection.cursor() as cursor:
                cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
                cursor.execute("SELECT FROM reports_data.refresh_state FOR UPDATE NOWAIT")
                started = time.perf_counter()
                for index, statement in enumerate(statements):
                    t0 = time.perf_counter()
                    cursor.execute(statement, {"batch": None})
                    samples[index].append(time.perf_counter() - t0)
                totals.append(time.perf_counter() - started)
                cursor.execute("ROLLBACK")
    finally:
        with transaction.atomic(), connection.cursor() as cursor:
            _undo(cursor, ids)
        reports_refresh()
    total = statistics.median(totals)
    print(f"# live_apply.sql statement by statement ({machine()})")
    print(
        f"{dataset.database}: {len(ids):,} orders changed (a new Cancelled status each), "
        f"median of {args.rounds} rounds: {total * 1000:.1f} ms in all\n"
    )
    print("| ms | share | statement |")
    print("|---:|---:|---|")
    for statement, times in zip(statements, samples, strict=True):
        ms = statistics.median(times) * 1000
        print(f"| {ms:.2f} | {ms / 1000 / total:.0%} | `{_label(statement)}` |")


if __name__ == "__main__":
    main()
