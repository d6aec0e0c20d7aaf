"""Issue 23's targets: rate corrections and changed orders applied live, at 10M orders.

    DATABASE_URL=postgres://.../bench_orders_10m python -m bench.currencies \
        [--currency EUR] [--day-rounds 5] [--month-rounds 1] [--changes 1000] [--runs 50]

On a dataset whose reports are built (`generateorders --currencies USD,EUR,GBP --channels
online,retail,wholesale`, `generate_rates`, `refresh_reports --full`), with no follower
running beside it (this script is the follower):

1. a correction of one currency's rate for one day: the UPDATE commits, then the follower's
   loop (`reports_refresh` with its batches, `reports.refresh.next_batch`) runs until nothing is
   pending; the time from the commit to the end of that loop is when every report is current
   (a real follower adds up to one poll, 20 ms). Each round corrects another day, a year back:
   its rate up 1 %, then back (two corrections, both measured).
2. the same for every rate of one month;
3. an incremental refresh after `--changes` changed orders (status changes, spread over the
   table), undone afterwards;
4. the money endpoints and the monthly revenue through Django's test client, p50 of `--runs`.

Every rate is put back as it was and every order change undone.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import statistics
import time
from decimal import Decimal

from bench.support import machine, setup_django

FACTOR = Decimal("1.01")
ENDPOINTS = (
    "/api/reports/revenue/currencies",
    "/api/reports/revenue/channels",
    "/api/reports/revenue/currencies?currency=EUR&from=2025-06&to=2025-12",
    "/api/reports/revenue/monthly",
    "/api/reports/customers/ranking?limit=20",
)


def _follow_until_current() -> dict:
    """The follower's loop, from one commit until the change log is empty."""
    from django.conf import settings

    from reports.refresh import next_batch, reports_refresh

    batch = settings.REPORTS_APPLY_BATCH_ORDERS
    runs, touched, durations = 0, 0, []
    while True:
        run = reports_refresh(batch=batch)
        if run.failed:
            raise SystemExit(f"refresh failed: {run.error}")
        runs += 1
        touched += run.orders_touched
        durations.append(run.duration_ms)
        if not run.more_pending:
            return {"runs": runs, "orders_touched": touched, "run_ms": durations}
        batch = next_batch(batch, duration_ms=run.duration_ms)


def _rates(currency: str, first: datetime.date, last: datetime.date) -> dict[int, object]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, rate FROM currencies_exchangerate "
            "WHERE currency = %s AND day BETWEEN %s AND %s",
            [currency, first, last],
        )
        return dict(cursor.fetchall())


def _correct(rates: dict[int, object]) -> tuple[float, dict]:
    """Set the given rates (id → rate), commit, follow until current. Returns (seconds from
    the commit to every report current, the follower's figures)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE currencies_exchangerate AS r SET rate = new.rate "
            "FROM unnest(%s::bigint[], %s::numeric[]) AS new (id, rate) WHERE r.id = new.id",
            [list(rates), list(rates.values())],
        )
    committed = time.perf_counter()
    followed = _follow_until_current()
    return time.perf_counter() - committed, followed


def _corrections(currency: str, first: datetime.date, last: datetime.date) -> list[dict]:
    """The rates of those days up 1 %, then back to what they were: two corrections."""
    original = _rates(currency, first, last)
    raised = {id_: round(rate * FACTOR, 10) for id_, rate in original.items()}
    results = []
    for rates in (raised, original):
        seconds, followed = _correct(rates)
        results.append(
            {
                "first": first,
                "rates": len(rates),
                "orders": _orders_between(currency, first, last),
                "seconds": seconds,
                **followed,
            }
        )
    return results


def _orders_between(currency: str, first: datetime.date, last: datetime.date) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM orders_order WHERE currency = %s "
            "AND created_at >= %s::date::timestamp AT TIME ZONE 'UTC' "
            "AND created_at < (%s::date + 1)::timestamp AT TIME ZONE 'UTC'",
            [currency, first, last],
        )
        return cursor.fetchone()[0]


def day_corrections(*, currency: str, rounds: int) -> list[dict]:
    """`rounds` days a year back, each corrected up and back (two measurements a day)."""
    today = datetime.datetime.now(datetime.UTC).date()
    results = []
    for number in range(rounds):
        day = today - datetime.timedelta(days=365 + number)
        results += _corrections(currency, day, day)
    return results


def month_corrections(*, currency: str, rounds: int) -> list[dict]:
    """The month ten months back, corrected up and back `rounds` times."""
    today = datetime.datetime.now(datetime.UTC).date()
    first = (today - datetime.timedelta(days=300)).replace(day=1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    results = []
    for _ in range(rounds):
        results += _corrections(currency, first, last)
    return results


def changed_orders(*, changes: int, rounds: int) -> list[float]:
    """Seconds of one `reports_refresh()` after `changes` committed order changes."""
    from django.db import connection, transaction

    from bench.apply_profile import _change, _undo
    from reports.refresh import reports_refresh

    seconds = []
    for seed in range(rounds):
        with transaction.atomic(), connection.cursor() as cursor:
            changed = _change(cursor, changes=changes, seed=seed + 11)
        started = time.perf_counter()
        run = reports_refresh()
        seconds.append(time.perf_counter() - started)
        if run.failed:
            raise SystemExit(f"refresh failed: {run.error}")
        with transaction.atomic(), connection.cursor() as cursor:
            _undo(cursor, changed)
        if (undone := reports_refresh()).failed:
            raise SystemExit(f"refresh failed: {undone.error}")
    return seconds


def endpoints(*, runs: int) -> dict[str, float]:
    from django.test import Client

    from orders.api_keys import api_key_create

    key = api_key_create(name=f"bench-currencies-{time.time_ns()}", scope="read")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="127.0.0.1")
    figures = {}
    for path in ENDPOINTS:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.content[:300]!r}")
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
        figures[path] = statistics.median(samples)
    return figures


def _facts() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(currency || ' ' || to_char(n, 'FM9,999,999,999'), ', ' "
            "ORDER BY currency) FROM (SELECT currency, count(*) AS n FROM orders_order "
            "GROUP BY currency) AS per"
        )
        currencies = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM currencies_exchangerate")
        rates = cursor.fetchone()[0]
    return f"orders per currency: {currencies}; rates: {rates:,}"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--currency", default="EUR")
    parser.add_argument("--day-rounds", type=int, default=5)
    parser.add_argument("--month-rounds", type=int, default=1)
    parser.add_argument("--changes", type=int, default=1_000)
    parser.add_argument("--change-rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=50, help="requests per endpoint")
    args = parser.parse_args(argv)
    setup_django()
    logging.getLogger("project.access").setLevel(logging.WARNING)  # a line per request
    print(f"# bench.currencies: {machine()}")
    print(_facts())

    days = day_corrections(currency=args.currency, rounds=args.day_rounds)
    print("\n## One day's rate corrected: commit → every report current")
    print("| day | orders that day | follower runs | orders touched | runs (ms) | current after |")
    print("|---|---:|---:|---:|---|---:|")
    for row in days:
        print(
            f"| {row['first']} | {row['orders']:,} | {row['runs']} | "
            f"{row['orders_touched']:,} | {', '.join(map(str, row['run_ms']))} | "
            f"{_ms(row['seconds'])} |"
        )
    if days:
        print(
            f"p50 {_ms(statistics.median(r['seconds'] for r in days))}, max "
            f"{_ms(max(r['seconds'] for r in days))}"
        )

    months = month_corrections(currency=args.currency, rounds=args.month_rounds)
    print("\n## A month of rates corrected: commit → every report current")
    for row in months:
        print(
            f"- {row['first']:%Y-%m}: {row['rates']} rates, {row['orders']:,} "
            f"orders; {row['runs']} follower runs touching {row['orders_touched']:,} orders; "
            f"current after {_ms(row['seconds'])}"
        )

    if args.change_rounds:
        seconds = changed_orders(changes=args.changes, rounds=args.change_rounds)
        print(f"\n## Incremental refresh after {args.changes:,} changed orders")
        print(
            f"p50 {_ms(statistics.median(seconds))} over {len(seconds)} rounds "
            f"({', '.join(_ms(s) for s in seconds)})"
        )

    if args.runs:
        print(f"\n## Endpoints through the test client, p50 of {args.runs}")
        for path, p50 in endpoints(runs=args.runs).items():
            print(f"- `{path}`: {p50:.2f} ms")


if __name__ == "__main__":
    main()
