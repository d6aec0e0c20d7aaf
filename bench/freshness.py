"""Freshness under concurrent writers: commit → as_of with the follower running (issue 20, item 3).

    python -m bench.freshness [--orders 1000000] [--writers 8] [--rate 150] [--seconds 30]
                              [--interval 0.02]

On the benchmark dataset of `--orders` orders, with `refresh_reports --follow --interval I` in
a process of its own: `--writers` sessions commit status changes (a refund or a payment, one
order each) at `--rate` commits a second in all (each writer its share, evenly spaced; 0 = as
fast as they can) for `--seconds`. A poller reads `as_of` every 2 ms; a commit's lag is the time
from its COMMIT returning until `as_of` covers it. Prints the writers' throughput and commit
latency, the lag's p50/p99/max, the follower's runs and the change log's deepest point. Every
status row written is deleted at the end and that applied, so the dataset is left as it was.
"""

from __future__ import annotations

import argparse
import random
import threading
import time

from bench.support import machine, percentiles, setup_django

POLL_S = 0.002
DRAIN_LIMIT_S = 60.0


class Writers:
    """`count` sessions committing one status change each, at `rate` commits a second in all."""

    def __init__(self, *, ids: list[int], count: int, rate: float, seconds: float) -> None:
        self.ids, self.count, self.rate, self.seconds = ids, count, rate, seconds
        # (when COMMIT returned, the server's clock just after) of each commit not yet covered
        self.commits: list[tuple[float, object]] = []
        self.latencies: list[float] = []
        self.touched: set[int] = set()
        self.lock = threading.Lock()

    def _write(self, seed: int) -> None:
        from bench.support import raw_connection
        from project.sqlfiles import read_sql

        statement = read_sql("bench", "live_status_change.sql")
        pick = random.Random(seed)  # noqa: S311 (a benchmark's choice of orders)
        spacing = self.count / self.rate if self.rate else 0.0
        connection = raw_connection()
        try:
            with connection.cursor() as cursor:
                started = time.perf_counter()
                next_at = started + pick.random() * spacing
                while time.perf_counter() - started < self.seconds:
                    time.sleep(max(0.0, next_at - time.perf_counter()))
                    order_id = pick.choice(self.ids)
                    began = time.perf_counter()
                    cursor.execute(statement, {"ids": [order_id]})  # autocommit: committed
                    done = time.perf_counter()
                    cursor.execute("SELECT clock_timestamp()")
                    committed_at = cursor.fetchone()[0]
                    with self.lock:
                        self.commits.append((done, committed_at))
                        self.latencies.append(done - began)
                        self.touched.add(order_id)
                    next_at += spacing
        finally:
            connection.close()

    def run(self) -> float:
        threads = [threading.Thread(target=self._write, args=(n,)) for n in range(self.count)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started


def _watch(writers: Writers, done: threading.Event, lags: list[float], depth: list[int]) -> None:
    """Match commits to the as_of that first covers them; sample the change log's depth."""
    from bench.support import raw_connection

    connection = raw_connection()
    try:
        with connection.cursor() as cursor:
            while True:
                cursor.execute(
                    "SELECT as_of, (SELECT count(*) FROM reports_data.order_change) "
                    "FROM reports_data.refresh_state"
                )
                as_of, pending = cursor.fetchone()
                seen = time.perf_counter()
                depth.append(pending)
                with writers.lock:
                    waiting = []
                    for returned, committed_at in writers.commits:
                        if as_of is not None and committed_at <= as_of:
                            lags.append(seen - returned)
                        else:
                            waiting.append((returned, committed_at))
                    writers.commits = waiting
                    oldest = min((returned for returned, _ in waiting), default=None)
                if done.is_set() and (oldest is None or seen - oldest > DRAIN_LIMIT_S):
                    return
                time.sleep(POLL_S)
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="dataset size")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--rate", type=float, default=150.0, help="commits/s in all; 0 = max")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--interval", type=float, default=None, help="the follower's poll")
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection, transaction

    from bench.datasets import dataset_prepare
    from bench.live import Follower, _status_max_id
    from project.sqlfiles import run_sql
    from reports.refresh import FOLLOW_INTERVAL_S, reports_refresh

    dataset = dataset_prepare(orders=args.orders)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM orders_order ORDER BY random() LIMIT 20000")
        ids = [row[0] for row in cursor.fetchall()]
    status_after = _status_max_id()
    interval = FOLLOW_INTERVAL_S if args.interval is None else args.interval
    follower = Follower(interval_s=interval)
    writers = Writers(ids=ids, count=args.writers, rate=args.rate, seconds=args.seconds)
    lags: list[float] = []
    depth: list[int] = []
    done = threading.Event()
    try:
        with connection.cursor() as cursor:
            follower.start(cursor)
        watcher = threading.Thread(target=_watch, args=(writers, done, lags, depth))
        watcher.start()
        try:
            elapsed = writers.run()
        finally:
            done.set()
            watcher.join()
        runs = follower.stop()
    finally:
        follower.close()
        with transaction.atomic(), connection.cursor() as cursor:
            run_sql(
                cursor,
                "bench",
                "live_statuses_undo.sql",
                {"after": status_after, "ids": sorted(writers.touched)},
            )
        reports_refresh()
    commits = len(writers.latencies)
    lag50, lag99 = percentiles(lags) if lags else (float("nan"), float("nan"))
    write50, write99 = percentiles(writers.latencies)
    run50, run99 = percentiles(runs) if runs else (0.0, 0.0)
    print(f"# Freshness under concurrent writers ({machine()})")
    print(
        f"{dataset.database}: {args.writers} writers, offered "
        f"{args.rate or 'max'} commits/s for {args.seconds:.0f} s, follower poll {interval} s\n"
    )
    print(
        "| writers | offered tps | achieved tps | commit p50 / p99 | commit → as_of p50 | p99 "
        "| max | not covered | follower runs (p50 / p99) | deepest change log |"
    )
    print("|---:|---:|---:|---|---:|---:|---:|---:|---|---:|")
    print(
        f"| {args.writers} | {args.rate or 'max'} | {commits / elapsed:,.0f} | "
        f"{write50 * 1000:.1f} / {write99 * 1000:.1f} ms | {lag50 * 1000:.0f} ms | "
        f"{lag99 * 1000:.0f} ms | {max(lags, default=0) * 1000:.0f} ms | "
        f"{commits - len(lags)} | {len(runs)} ({run50 * 1000:.0f} / {run99 * 1000:.0f} ms) | "
        f"{max(depth, default=0):,} |"
    )


if __name__ == "__main__":
    main()
