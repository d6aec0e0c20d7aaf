"""Where a full rebuild (`refresh_reports --full`) spends its time, step by step.

    python -m bench.rebuild_profile [--orders 10000000]

On the benchmark dataset of `--orders` orders: runs the rebuild's steps (reports.refresh's
`_rebuild`: the contributions, then each stored table merged from its definition) one by one
in a REPEATABLE READ transaction holding the refresh lock, timing each, then rolls it back, so
the dataset and its reports are left as they were. Prints each step's time and share.
"""

from __future__ import annotations

import argparse
import time

from bench.support import machine, setup_django


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000_000, help="dataset size")
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection

    from bench.datasets import dataset_prepare
    from reports.refresh import rebuild_steps

    dataset = dataset_prepare(orders=args.orders)
    timings = []
    with connection.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT FROM reports_data.refresh_state FOR UPDATE NOWAIT")
        try:
            for name, step in rebuild_steps():
                started = time.perf_counter()
                step(cursor)
                timings.append((name, time.perf_counter() - started))
                print(f"  {timings[-1][1]:8.1f} s  {name}", flush=True)
        finally:
            cursor.execute("ROLLBACK")
    total = sum(seconds for _, seconds in timings)
    print(f"# refresh_reports --full step by step ({machine()})")
    print(f"{dataset.database}: {total:.1f} s in all (rolled back)\n")
    print("| s | share | step |")
    print("|---:|---:|---|")
    for name, seconds in timings:
        print(f"| {seconds:.1f} | {seconds / total:.0%} | {name} |")


if __name__ == "__main__":
    main()
