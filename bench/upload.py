"""Upload throughput through the real stack: HTTP to gunicorn, middleware, auth, view, triggers.

    python -m bench.upload [--batches 100] [--orders 1000] [--items 3] [--workers 2]
                           [--clients 3] [--naive-batches 5]

Runs in its own database (bench_orders). Prints orders/s for the first upload of every batch,
for re-uploading the same batches (all unchanged) and for re-uploading them changed (new
totals, a refund each: all updated), and a naive per-order `update_or_create` loop on data of
the same shape, with the ratios. The first batch of each run is a warm-up and not counted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from bench.support import GunicornServer, machine, setup_django, timed, use_bench_database


def make_batches(run: str, batches: int, orders: int, items: int) -> list[dict]:
    statuses = ["new", "paid", "failed", "delivered"]
    return [
        {
            "user": f"bench_{batch % 20}",
            "orders": [
                {
                    "order_number": f"{run}-{batch}-{n}",
                    "created_at": "2025-06-01T08:00:00+00:00",
                    "total_amount": round(12.5 * items + n % 7, 2),
                    "status": statuses[(batch + n) % 4],
                    "items": [
                        {
                            "sku": f"SKU-{(n + k) % 200:04d}",
                            "name": f"Product {(n + k) % 200}",
                            "quantity": 1 + k,
                            "price": 12.5,
                        }
                        for k in range(items)
                    ],
                }
                for n in range(orders)
            ],
        }
        for batch in range(batches)
    ]


def upload_all(port: int, key: str, bodies: list[bytes], clients: int) -> None:
    """POST every body over HTTP; `clients` concurrent connections share the list."""

    def worker(share: list[bytes]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        for body in share:
            connection.request("POST", "/api/orders/upload", body, headers)
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200:
                raise RuntimeError(f"upload failed: {response.status} {answer[:300]!r}")
        connection.close()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(worker, [bodies[i::clients] for i in range(clients)]))


def naive_upload(batch: dict) -> None:
    """What a first version usually does: one update_or_create per order and per row."""
    from django.db import transaction

    from orders.models import Customer, Order, OrderItem, OrderStatus
    from orders.schemas import STATUS_ALIASES

    with transaction.atomic():
        customer, _ = Customer.objects.get_or_create(username=batch["user"])
        for data in batch["orders"]:
            order, created = Order.objects.update_or_create(
                order_number=data["order_number"],
                defaults={
                    "customer": customer,
                    "created_at": data["created_at"],
                    "total_amount": Decimal(str(data["total_amount"])),
                },
            )
            order.items.all().delete()
            for item in data["items"]:
                OrderItem.objects.create(order=order, **item)
            if created:
                OrderStatus.objects.create(order=order, status="Pending", created=order.created_at)
            status = STATUS_ALIASES[data["status"]]
            order.refresh_from_db(fields=["current_status"])
            if order.current_status != status:
                OrderStatus.objects.create(order=order, status=status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--items", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--clients", type=int, default=3, help="concurrent HTTP clients")
    parser.add_argument("--naive-batches", type=int, default=5)
    args = parser.parse_args()

    setup_django()
    use_bench_database()
    from orders.api_keys import api_key_create
    from orders.models import ApiKeyScope

    run = f"U{int(time.time())}"
    key = api_key_create(name=f"bench-{run}", scope=ApiKeyScope.WRITE)
    batches = make_batches(run, args.batches, args.orders, args.items)
    first = [json.dumps(batch).encode() for batch in batches]
    for batch in batches:
        for order in batch["orders"]:
            order["total_amount"] += 1
            order["status"] = "refunded"
    changed = [json.dumps(batch).encode() for batch in batches]
    naive_batches = make_batches(f"N{run}", args.naive_batches, args.orders, args.items)
    measured = (args.batches - 1) * args.orders

    results = []
    with GunicornServer(workers=args.workers, environment={"LOG_LEVEL": "WARNING"}) as server:
        upload_all(server.port, key, first[:1], 1)  # warm-up
        for label, bodies in [
            ("first upload (all created)", first[1:]),
            ("same batches again (all unchanged)", first[1:]),
            ("changed batches (all updated, a refund each)", changed[1:]),
        ]:
            seconds = timed(lambda b=bodies: upload_all(server.port, key, b, args.clients))
            results.append((label, measured, seconds))
        sequential = timed(lambda: upload_all(server.port, key, changed[1:11], 1))
    naive_orders = args.naive_batches * args.orders
    naive_seconds = timed(lambda: [naive_upload(batch) for batch in naive_batches])

    first_rate = measured / results[0][2]
    print(f"machine: {machine()}")
    print(
        f"{args.batches} batches x {args.orders} orders x {args.items} items over HTTP, gunicorn "
        f"--workers {args.workers}, {args.clients} concurrent clients (first batch is a warm-up)"
    )
    print("| run | orders | seconds | orders/s | time vs first upload |")
    print("|---|---:|---:|---:|---:|")
    for label, orders, seconds in results:
        print(
            f"| {label} | {orders:,} | {seconds:.2f} | {orders / seconds:,.0f} | "
            f"{seconds / results[0][2]:.2f}x |"
        )
    print(
        f"| one client, 10 changed batches again (unchanged) | {10 * args.orders:,} | "
        f"{sequential:.2f} | {10 * args.orders / sequential:,.0f} | - |"
    )
    naive_rate = naive_orders / naive_seconds
    print(
        f"| naive update_or_create loop, in process | {naive_orders:,} | {naive_seconds:.2f} | "
        f"{naive_rate:,.0f} | upload is {first_rate / naive_rate:.0f}x faster |"
    )


if __name__ == "__main__":
    main()
