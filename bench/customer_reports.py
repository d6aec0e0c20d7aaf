"""The customer reports' endpoints (reports.customer_api) through the test client against the
database in DATABASE_URL (a generated dataset, refreshed): p50 and p99 of each, and the time of
one incremental refresh that applies N changed orders with the cohorts in place.

    DATABASE_URL=postgres://... .venv/bin/python -m bench.customer_reports --runs 200
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def _timings(client, url: str, runs: int) -> tuple[float, float]:
    client.get(url)  # warm: plans, connections
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code} {response.content[:200]!r}")
        if response.streaming:
            b"".join(response.streaming_content)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def _deep_cursor(client, url: str, pages: int) -> str:
    page = client.get(url).json()
    for _ in range(pages):
        page = client.get(page["next"]).json()
    return page["next"]


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client

    from orders.api_keys import api_key_create
    from reports.refresh import reports_refresh

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--changed-orders", type=int, default=1000)
    options = parser.parse_args()
    key = api_key_create(name=f"bench-customers-{time.time_ns()}", scope="read")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="127.0.0.1")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT username FROM reports_data.customer_stats ORDER BY customer_id LIMIT 1"
        )
        (user,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM reports_data.customer_stats")
        (customers,) = cursor.fetchone()
    ranking = "/api/reports/customers/lifetime-value/ranking?limit=50"
    urls = {
        "lifetime value, one customer": f"/api/reports/customers/lifetime-value?user={user}",
        "lifetime value ranking, first page": ranking,
        "lifetime value ranking, page 101": _deep_cursor(client, ranking, 100),
        "premium (more than 1000)": "/api/reports/customers/premium?more_than=1000&limit=50",
        "recent orders (365 days, > 3 lines)": (
            "/api/reports/orders/recent?days=365&more_than_items=3"
        ),
        "last order per customer": "/api/reports/customers/last-order?limit=50",
        "cohorts (all)": "/api/reports/cohorts",
    }
    print(f"customers: {customers:,}; {options.runs} runs each (ms)")
    for name, url in urls.items():
        p50, p99 = _timings(client, url, options.runs)
        print(f"{name:40} p50 {p50:7.2f}  p99 {p99:7.2f}")
    # The change and the refresh in one transaction, rolled back: the dataset stays as it was.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE orders_order SET created_at = created_at - interval '40 days' "
                "WHERE id IN (SELECT id FROM orders_order WHERE id %% 997 = 7 LIMIT %s)",
                [options.changed_orders],
            )
        run = reports_refresh()
        transaction.set_rollback(True)
    print(
        f"incremental refresh, {options.changed_orders} orders moved 40 days back (cohorts and "
        f"customer months move): {run.duration_ms} ms, {run.orders_changed} changed"
    )


if __name__ == "__main__":
    main()
