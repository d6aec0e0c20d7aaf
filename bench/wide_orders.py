"""One client's very wide upload beside another's small one, with the follower running
(issue 19, item 2; docs/DESIGN.md §6, "Bounded work per change").

    python -m bench.wide_orders [--orders 1000000] [--wide-orders 100] [--skus 1000]

On the benchmark dataset of `--orders` orders (bench/datasets.py), with `refresh_reports
--follow`'s loop running in a thread: uploads `--wide-orders` orders of `--skus` distinct skus
each for one customer, and right after it one small order for another; prints how long after
its commit the small order showed in its customer's stats, how long the wide upload took to
apply, and the also-bought pair table's rows and size before and after. Then the same with the
wide orders re-uploaded with one quantity changed. The uploaded orders are deleted at the end
(and that deletion applied), so the dataset is left as it was.
"""

from __future__ import annotations

import argparse
import datetime
import threading
import time
from decimal import Decimal

from bench.support import machine, setup_django

POLL_SECONDS = 0.005
WAIT_LIMIT_SECONDS = 600.0


def _order(number: str, *, skus: int, quantity: int) -> dict:
    return {
        "order_number": number,
        "created_at": "2025-12-01T00:00:00Z",
        "total_amount": Decimal("1000.00"),
        "status": "paid",
        "items": [
            {
                "sku": f"WIDE-{n:06}",
                "name": f"wide {n}",
                "quantity": quantity,
                "price": Decimal("1.00"),
            }
            for n in range(skus)
        ],
    }


def _upload(user: str, orders: list[dict]) -> datetime.datetime:
    """Upload in one transaction, as the endpoint does; the commit's time."""
    from django.db import transaction

    from orders.schemas import UploadIn
    from orders.services import order_upsert_many

    with transaction.atomic():
        order_upsert_many(
            upload=UploadIn.model_validate({"user": user, "orders": orders}),
            received_at=datetime.datetime.now(datetime.UTC),
        )
    return datetime.datetime.now(datetime.UTC)


def _wait(condition) -> float:
    started = time.perf_counter()
    while not condition():
        if time.perf_counter() - started > WAIT_LIMIT_SECONDS:
            raise TimeoutError("the follower did not catch up in time")
        time.sleep(POLL_SECONDS)
    return time.perf_counter() - started


def _scalar(statement: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def _orders_of(user: str) -> int:
    from reports.selectors import customer_stats_get

    stats = customer_stats_get(username=user)
    return stats["orders_count"] if stats else 0


def _applied_since(commit: datetime.datetime) -> bool:
    from reports.selectors import reports_as_of

    as_of = reports_as_of()
    return as_of is not None and as_of > commit


def _pairs() -> tuple[int, int]:
    return (
        _scalar("SELECT count(*) FROM reports_data.also_bought_pair"),
        _scalar("SELECT pg_total_relation_size('reports_data.also_bought_pair')"),
    )


def _round(label: str, *, wide: list[dict], small_user: str, small_number: str) -> dict:
    pairs_before = _pairs()
    started = time.perf_counter()
    wide_commit = _upload("bench_wide_client", wide)
    upload_seconds = time.perf_counter() - started
    small_commit = _upload(small_user, [_order(small_number, skus=1, quantity=1)])
    small_seen = _wait(lambda: _orders_of(small_user) >= 1)
    all_applied = small_seen + _wait(lambda: _applied_since(small_commit))
    return {
        "round": label,
        "upload_s": upload_seconds,
        "small_visible_s": small_seen,
        "all_applied_s": all_applied + (small_commit - wide_commit).total_seconds(),
        "pairs_before": pairs_before,
        "pairs_after": _pairs(),
    }


def _cleanup() -> None:
    from django.db import transaction

    from orders.models import Customer, Order

    users = ["bench_wide_client", "bench_small_1", "bench_small_2"]
    with transaction.atomic():
        Order.objects.filter(customer__username__in=users).delete()
        Customer.objects.filter(username__in=users).delete()
    commit = datetime.datetime.now(datetime.UTC)
    _wait(lambda: _applied_since(commit))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="dataset size")
    parser.add_argument("--wide-orders", type=int, default=100)
    parser.add_argument("--skus", type=int, default=1_000, help="distinct skus per wide order")
    args = parser.parse_args(argv)
    setup_django()
    from django.conf import settings
    from django.db import connection

    from bench.datasets import dataset_prepare
    from reports.refresh import reports_follow

    dataset = dataset_prepare(orders=args.orders)
    wide = [_order(f"BENCH-WIDE-{n}", skus=args.skus, quantity=1) for n in range(args.wide_orders)]
    changed = [{**order, "items": [*order["items"]]} for order in wide]
    changed[0]["items"][0] = {**changed[0]["items"][0], "quantity": 2}

    stop = threading.Event()

    def follow() -> None:
        try:
            reports_follow(stop=stop)
        finally:
            connection.close()

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    try:
        rounds = [
            _round("first upload", wide=wide, small_user="bench_small_1", small_number="S-1"),
            _round(
                "re-upload, one quantity changed",
                wide=changed,
                small_user="bench_small_2",
                small_number="S-2",
            ),
        ]
    finally:
        _cleanup()
        stop.set()
        follower.join()
    print(f"# Wide orders beside a small one ({machine()})")
    print(
        f"{dataset.database}: {args.wide_orders} orders x {args.skus:,} distinct skus, "
        f"follower batch {settings.REPORTS_APPLY_BATCH_ORDERS:,} orders\n"
    )
    print(
        "| round | wide upload (commit) | small order in its stats after its commit | "
        "everything applied after the wide commit | also_bought_pair rows (MB) before → after |"
    )
    print("|---|---:|---:|---:|---|")
    for r in rounds:
        (rows0, size0), (rows1, size1) = r["pairs_before"], r["pairs_after"]
        print(
            f"| {r['round']} | {r['upload_s']:.2f} s | {r['small_visible_s']:.2f} s | "
            f"{r['all_applied_s']:.2f} s | "
            f"{rows0:,} ({size0 / 2**20:.1f}) → {rows1:,} ({size1 / 2**20:.1f}) |"
        )


if __name__ == "__main__":
    main()
