"""Locust users for the load test: report reads, cancelled-list pages, stats reads and uploads.

Run through `python -m loadtest.run` (which prepares the data, the key and the server), or by
hand, from the repository root (the locustfile imports `loadtest.endpoints`), against a
running app whose database holds `generateorders` data:

    LOADTEST_KEY=... .venv/bin/locust -f loadtest/locustfile.py --headless \\
        --host http://127.0.0.1:8000 --users 12 --spawn-rate 12 --run-time 60s

Environment:
    LOADTEST_KEY        a write API key (required)
    LOADTEST_RUN        prefix of the uploaded order numbers, unique per run (default: from time)
    LOADTEST_CUSTOMERS  generated customers to read and upload as (default 10000)
    LOADTEST_ORDERS     generated orders GEN-0000000001... to read (default 200000)
    LOADTEST_SAMPLES    if set, a CSV file that receives one line per request
                        (start time, endpoint name, milliseconds, error or empty)

Every request is named by its endpoint (`name=`), so locust groups statistics per endpoint,
not per URL.
"""

from __future__ import annotations

import csv
import itertools
import os
import random
import time
from urllib.parse import urlsplit

from locust import FastHttpUser, between, events, tag, task

from loadtest.endpoints import (
    CANCELLED_CURSOR,
    CANCELLED_PAGE,
    ORDER_DETAIL,
    REPORT_ALSO_BOUGHT,
    REPORT_CATALOG,
    REPORT_DAILY,
    REPORT_LOYAL,
    REPORT_MONTHLY,
    REPORT_RANKING,
    REPORT_TOP,
    STATS,
    THINK_TIME_S,
    UPLOAD,
    UPLOAD_AGAIN,
    WEIGHTS,
)

KEY = os.environ.get("LOADTEST_KEY", "")
RUN = os.environ.get("LOADTEST_RUN") or f"LT{int(time.time())}"
CUSTOMERS = int(os.environ.get("LOADTEST_CUSTOMERS", "10000"))
GENERATED_ORDERS = int(os.environ.get("LOADTEST_ORDERS", "200000"))
SAMPLES = os.environ.get("LOADTEST_SAMPLES", "")
SKUS = 200  # the generator's catalogue: SKU-0000 .. SKU-0199
UPLOAD_ORDERS = 10  # orders per upload
CANCELLED_PAGES = 100  # page=N drawn from 1..this (50 per page)
CURSOR_PAGES = 3  # next links followed per cursor walk

# random here draws request parameters, not secrets.
rng = random.Random()  # noqa: S311
upload_numbers = itertools.count(1)


def customer() -> str:
    return f"customer_{rng.randint(1, CUSTOMERS):07d}"


def sku() -> str:
    return f"SKU-{rng.randrange(SKUS):04d}"


def upload_body(user: str, numbers: list[str], status: str) -> dict:
    orders = []
    for number in numbers:
        items = [
            {"sku": code, "name": f"Product {code}", "quantity": rng.randint(1, 3), "price": 19.99}
            for code in rng.sample([f"SKU-{n:04d}" for n in range(SKUS)], rng.randint(1, 3))
        ]
        total = round(sum(item["quantity"] * item["price"] for item in items), 2)
        orders.append(
            {
                "order_number": number,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
                "total_amount": total,
                "status": status,
                "items": items,
            }
        )
    return {"user": user, "orders": orders}


class ApiClient(FastHttpUser):
    """One API client of the backend: mostly reads, some uploads."""

    wait_time = between(*THINK_TIME_S)

    def on_start(self) -> None:
        if not KEY:
            raise RuntimeError("LOADTEST_KEY is not set")
        self.headers = {"Authorization": f"Bearer {KEY}"}
        self.uploaded: list[tuple[str, list[str], str]] = []  # (user, numbers, status)

    def get(self, path: str, name: str) -> dict | None:
        with self.client.get(
            path, name=name, headers=self.headers, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                return None
            try:
                return response.json()
            except ValueError:  # CSV is never asked for; JSON is expected everywhere
                response.failure("not JSON")
                return None

    def upload_orders(self, name: str, user: str, numbers: list[str], status: str, key: str):
        """POST one upload; a failure unless HTTP 200 and every order counted under `key`."""
        body = upload_body(user, numbers, status)
        with self.client.post(
            "/api/orders/upload", name=name, json=body, headers=self.headers, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                return False
            answer = response.json()
            if answer.get(key) != len(numbers):
                response.failure(f"expected {len(numbers)} {key}, got {answer}")
                return False
            return True

    # --- report reads (stored reports, kept current by refresh_reports --follow meanwhile) ---

    @tag("reports")
    @task(WEIGHTS[REPORT_CATALOG])
    def report_catalog(self) -> None:
        self.get("/api/reports/", REPORT_CATALOG)

    @tag("reports")
    @task(WEIGHTS[REPORT_RANKING])
    def customer_ranking(self) -> None:
        offset = rng.randrange(0, 2000, 50)
        self.get(f"/api/reports/customers/ranking?limit=50&offset={offset}", REPORT_RANKING)

    @tag("reports")
    @task(WEIGHTS[REPORT_LOYAL])
    def customer_loyal(self) -> None:
        minimum = rng.randint(3, 8)
        self.get(
            f"/api/reports/customers/loyal?min_completed_orders={minimum}&limit=50", REPORT_LOYAL
        )

    @tag("reports")
    @task(WEIGHTS[REPORT_TOP])
    def product_top(self) -> None:
        by = rng.choice(["revenue", "units"])
        self.get(f"/api/reports/products/top?by={by}&limit=10", REPORT_TOP)

    @tag("reports")
    @task(WEIGHTS[REPORT_ALSO_BOUGHT])
    def also_bought(self) -> None:
        self.get(f"/api/reports/products/{sku()}/also-bought?limit=10", REPORT_ALSO_BOUGHT)

    @tag("reports")
    @task(WEIGHTS[REPORT_MONTHLY])
    def revenue_monthly(self) -> None:
        self.get("/api/reports/revenue/monthly", REPORT_MONTHLY)

    @tag("reports")
    @task(WEIGHTS[REPORT_DAILY])
    def revenue_daily(self) -> None:
        self.get("/api/reports/revenue/daily", REPORT_DAILY)

    # --- stats (seed 003), cancelled list (seed 000), order detail ---

    @tag("stats")
    @task(WEIGHTS[STATS])
    def customer_stats(self) -> None:
        self.get(f"/api/orders/stats?user={customer()}", STATS)

    @tag("cancelled")
    @task(WEIGHTS[CANCELLED_PAGE])
    def cancelled_page(self) -> None:
        page = rng.randint(1, CANCELLED_PAGES)
        self.get(f"/api/v1/orders/cancelled/?page={page}&page_size=50", CANCELLED_PAGE)

    @tag("cancelled")
    @task(WEIGHTS[CANCELLED_CURSOR])
    def cancelled_cursor_walk(self) -> None:
        """Newest page, then the `next` links (absolute URLs: only their path and query)."""
        body = self.get("/api/v1/orders/cancelled/?cursor=&page_size=50", CANCELLED_CURSOR)
        for _ in range(CURSOR_PAGES - 1):
            if not body or not body.get("next"):
                return
            link = urlsplit(body["next"])
            body = self.get(f"{link.path}?{link.query}", CANCELLED_CURSOR)

    @tag("orders")
    @task(WEIGHTS[ORDER_DETAIL])
    def order_detail(self) -> None:
        self.get(f"/api/orders/GEN-{rng.randint(1, GENERATED_ORDERS):010d}", ORDER_DETAIL)

    # --- writes: new orders with this run's own numbers, then some of them changed ---

    @tag("uploads")
    @task(WEIGHTS[UPLOAD])
    def upload(self) -> None:
        user = customer()
        numbers = [f"{RUN}-{next(upload_numbers):07d}" for _ in range(UPLOAD_ORDERS)]
        status = rng.choice(["new", "paid", "failed"])
        if self.upload_orders(UPLOAD, user, numbers, status, "created"):
            self.uploaded.append((user, numbers, status))

    @tag("uploads")
    @task(WEIGHTS[UPLOAD_AGAIN])
    def upload_changed(self) -> None:
        """Re-upload one of this user's batches with a new status: every order updated."""
        if not self.uploaded:
            return
        user, numbers, status = self.uploaded.pop(rng.randrange(len(self.uploaded)))
        changed = "paid" if status == "failed" else "refunded"
        self.upload_orders(UPLOAD_AGAIN, user, numbers, changed, "updated")


# --- one line per request, for the overlap analysis of loadtest.run ---

_samples = {"file": None, "writer": None}


@events.test_start.add_listener
def _open_samples(**_kwargs) -> None:
    if SAMPLES:
        _samples["file"] = open(SAMPLES, "w", newline="")  # noqa: SIM115 (closed at test_stop)
        _samples["writer"] = csv.writer(_samples["file"])
        _samples["writer"].writerow(["start", "name", "ms", "error"])


@events.request.add_listener
def _record(name, response_time, exception, start_time=None, **_kwargs) -> None:
    if _samples["writer"] is not None:
        started = start_time if start_time is not None else time.time() - response_time / 1000
        error = "" if exception is None else " ".join(str(exception).split())[:300] or "error"
        _samples["writer"].writerow([f"{started:.6f}", name, f"{response_time:.3f}", error])


@events.test_stop.add_listener
def _close_samples(**_kwargs) -> None:
    if _samples["file"] is not None:
        _samples["file"].close()
        _samples["file"] = _samples["writer"] = None
