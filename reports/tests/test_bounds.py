"""Valid input at the API's limits never stops the reports (issue 19, items 1 and 2).

Every amount the upload accepts must fit every sum a report stores or returns, and one wide
order must cost the refresher work in proportion to its size, not its square.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone

from api.body import json_dumps
from orders.api_keys import api_key_create
from orders.models import ApiKeyScope, Status
from orders.schemas import MAX_ITEMS, MAX_ORDERS, MAX_QUANTITY, UploadIn
from orders.services import order_status_add, order_upsert_many
from orders.tests.factories import make_order
from reports import refresh
from reports.consistency import reports_check
from reports.models import RefreshLog
from reports.refresh import reports_follow, reports_refresh
from reports.tests.conftest import api_client, csv_rows, json_body, refresh_times_out

LARGEST_PRICE = Decimal("99999999.99")  # orders_orderitem.price: numeric(10, 2)
LARGEST_TOTAL = Decimal("9999999999.99")  # orders_order.total_amount: numeric(12, 2)
DAY = "2026-11-01T00:00:00Z"


def widest_order(number: str, *, skus: int = 1, total: Decimal = LARGEST_TOTAL) -> dict:
    return {
        "order_number": number,
        "created_at": DAY,
        "total_amount": total,
        "status": "paid",
        "items": [
            {
                "sku": f"W-{n:04}",
                "name": "the widest line",
                "quantity": MAX_QUANTITY,
                "price": LARGEST_PRICE,
            }
            for n in range(skus)
        ],
    }


def upload(body: dict) -> dict:
    key = api_key_create(name=f"write-{body['user']}", scope=ApiKeyScope.WRITE)
    response = Client().post(
        "/api/orders/upload",
        json_dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code in (200, 201), response.content
    return response.json()


def no_differences() -> None:
    check = reports_check()
    assert check.lock_acquired
    assert not any(check.differences.values()), {
        name: keys[:5] for name, keys in check.differences.items() if keys
    }


@pytest.mark.django_db
def test_the_poison_upload_of_the_widest_lines_refreshes_and_is_reported_exactly():
    """Two orders of one line of 1,000,000 x 99,999,999.99 each stopped every refresh with
    'numeric field overflow (precision 16, scale 2)'."""
    upload({"user": "whale", "orders": [widest_order("P-1"), widest_order("P-2")]})

    run = reports_refresh()

    assert not run.failed, run.error
    no_differences()
    line = MAX_QUANTITY * LARGEST_PRICE
    top = json_body(api_client().get("/api/reports/products/top"))["results"]
    assert [(row["sku"], Decimal(str(row["revenue"]))) for row in top] == [("W-0000", 2 * line)]
    stats = json_body(api_client().get("/api/orders/stats", {"user": "whale"}))
    assert Decimal(str(stats["total_revenue"])) == 2 * LARGEST_TOTAL


@pytest.mark.django_db
def test_a_month_of_the_largest_totals_answers_in_json_csv_and_the_dashboard(admin_client):
    """Over 10,000 orders of 9,999,999,999.99 in one month made the monthly revenue, its CSV and
    the dashboard's data answer 500 (sum(...)::numeric(16, 2))."""
    received_at = timezone.now()
    per_upload = MAX_ORDERS
    for batch in range(3):
        orders = [
            {
                **widest_order(f"M-{batch}-{n}"),
                "items": [{"sku": "M", "name": "m", "quantity": 1, "price": Decimal("1.00")}],
            }
            for n in range(per_upload)
        ]
        order_upsert_many(
            upload=UploadIn.model_validate({"user": f"whale{batch}", "orders": orders}),
            received_at=received_at,
        )
    assert not reports_refresh().failed

    month_total = 3 * per_upload * LARGEST_TOTAL
    monthly = json_body(api_client().get("/api/reports/revenue/monthly"))["results"]
    assert [Decimal(str(row["revenue"])) for row in monthly] == [month_total]
    assert [
        Decimal(row["revenue"])
        for row in csv_rows(api_client().get("/api/reports/revenue/monthly.csv"))
    ] == [month_total]
    daily = json_body(
        api_client().get("/api/reports/revenue/daily", {"from": "2026-11-01", "to": "2026-11-01"})
    )["results"]
    assert Decimal(str(daily[0]["revenue"])) == month_total
    assert admin_client.get("/dashboard/data").status_code == 200
    no_differences()


@pytest.mark.django_db
def test_the_limits_the_upload_accepts_fit_every_stored_sum():
    """The arithmetic of docs/DESIGN.md, checked against the columns themselves: the widest
    order's revenue times the most orders a bigint id allows fits numeric(38, 2)."""
    widest_order_revenue = MAX_ITEMS * MAX_QUANTITY * LARGEST_PRICE
    most_orders = 2**63 - 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, numeric_precision, numeric_scale "
            "FROM information_schema.columns "
            "WHERE table_schema = 'reports_data' AND data_type = 'numeric' "
            "AND column_name IN ('revenue', 'total_revenue') ORDER BY 1, 2"
        )
        columns = cursor.fetchall()
    assert {table for table, *_ in columns} >= {
        "customer_stats",
        "product_sales",
        "daily_order_stats",
        "revenue_level",
    }
    for table, column, precision, scale in columns:
        assert (precision, scale) == (38, 2), (table, column)
        assert widest_order_revenue * most_orders < Decimal(10) ** (precision - scale)


def test_check_reports_and_a_failed_full_rebuild_end_in_a_message_not_a_traceback(
    transactional_db,
):
    order = make_order("T-1")
    assert not reports_refresh().failed
    order_status_add(order=order, status=Status.CANCELLED)  # pending: check_reports applies it
    with refresh_times_out():
        with pytest.raises(CommandError, match="did not refresh"):
            call_command("refresh_reports", "--full")
        with pytest.raises(CommandError, match="could not be checked"):
            call_command("check_reports")


WIDE_SKUS = 1_000


@pytest.mark.django_db
def test_a_basket_of_more_than_50_skus_adds_no_also_bought_pairs_in_every_path():
    """The cap is read by the definition, the incremental apply and the full rebuild: at 50
    distinct skus an order counts, at 51 it does not, and all three agree."""
    upload(
        {
            "user": "wholesale",
            "orders": [
                {**widest_order("WIDE-1000", skus=WIDE_SKUS), "total_amount": Decimal("1.00")},
                {**widest_order("EDGE-51", skus=51), "total_amount": Decimal("1.00")},
                {**widest_order("EDGE-50", skus=50), "total_amount": Decimal("1.00")},
                {**widest_order("NARROW-3", skus=3), "total_amount": Decimal("1.00")},
            ],
        }
    )

    for full in (False, True):
        assert not reports_refresh(full=full).failed
        with connection.cursor() as cursor:
            cursor.execute("SELECT sum(orders_together) FROM reports_data.also_bought_pair")
            assert cursor.fetchone()[0] == 50 * 49 + 3 * 2
            cursor.execute("SELECT count(*) FROM reports_data.product_sales")
            assert cursor.fetchone()[0] == WIDE_SKUS
        no_differences()


@pytest.mark.django_db(transaction=True)
def test_a_big_change_is_applied_in_bounded_batches_oldest_first():
    received_at = timezone.now()
    for user in ("first", "second", "third"):
        order_upsert_many(
            upload=UploadIn.model_validate(
                {
                    "user": user,
                    "orders": [widest_order(f"{user}-{n}") for n in range(2)],
                }
            ),
            received_at=received_at,
        )
    assert not reports_refresh(full=True).failed  # built; nothing pending
    before = reports_refresh().as_of
    for user in ("first", "second", "third"):
        order_upsert_many(
            upload=UploadIn.model_validate(
                {
                    "user": user,
                    "orders": [
                        widest_order(f"{user}-{n}", total=Decimal("1.00")) for n in range(2)
                    ],
                }
            ),
            received_at=received_at,
        )

    revenues = []
    runs = []
    for _ in range(3):
        runs.append(reports_refresh(batch=2))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT username, total_revenue FROM reports_data.customer_stats ORDER BY 1"
            )
            revenues.append([revenue for _, revenue in cursor.fetchall()])

    assert [run.orders_touched for run in runs] == [2, 2, 2]
    old, new = 2 * LARGEST_TOTAL, Decimal("2.00")
    assert revenues == [[new, old, old], [new, new, old], [new, new, new]]
    # as_of never claims a change it has not applied, and never goes back.
    assert before < runs[0].as_of < runs[1].as_of < runs[2].as_of
    no_differences()


@pytest.mark.django_db(transaction=True)
def test_the_follower_runs_batch_after_batch_without_waiting_until_the_log_is_empty(settings):
    settings.REPORTS_APPLY_BATCH_ORDERS = 1
    settings.REPORTS_APPLY_BATCH_ORDERS_MAX = 4
    assert not reports_refresh().failed
    received_at = timezone.now()
    order_upsert_many(
        upload=UploadIn.model_validate(
            {"user": "batched", "orders": [widest_order(f"B-{n}") for n in range(8)]}
        ),
        received_at=received_at,
    )
    runs = []
    stop = threading.Event()

    def on_run(run) -> None:
        runs.append(run)
        if not run.more_pending:
            stop.set()

    follower = threading.Thread(
        target=reports_follow, kwargs={"stop": stop, "interval": 5.0, "on_run": on_run}
    )
    follower.start()
    follower.join(timeout=30)
    stop.set()

    # Quick runs: the batch doubles up to its ceiling, and the last run empties the log.
    assert [(run.orders_touched, run.more_pending) for run in runs] == [
        (1, True),
        (2, True),
        (4, True),
        (1, False),
    ]
    no_differences()


def test_a_deep_log_grows_batches_after_quick_runs_and_shrinks_them_after_slow_ones(settings):
    settings.REPORTS_APPLY_BATCH_ORDERS_MAX = 16_000
    assert refresh.next_batch(2_000, duration_ms=100) == 4_000
    assert refresh.next_batch(16_000, duration_ms=100) == 16_000
    assert refresh.next_batch(2_000, duration_ms=500) == 2_000
    assert refresh.next_batch(2_000, duration_ms=1_500) == 1_000
    assert refresh.next_batch(150, duration_ms=30_000) == refresh.MIN_BATCH_ORDERS


@pytest.mark.django_db
def test_the_refresh_log_keeps_a_bounded_number_of_rows(monkeypatch):
    """A follower under sustained writes logs tens of runs a second: by age alone (7 days) the
    log would keep millions of rows."""
    monkeypatch.setattr(refresh, "LOG_KEEP_ROWS", 5)
    monkeypatch.setattr(refresh, "LOG_PRUNE_EVERY", 1)
    for n in range(12):
        make_order(f"LOG-{n}")
        assert not reports_refresh().failed

    assert RefreshLog.objects.filter(view=refresh.INCREMENTAL).count() == 5
    assert RefreshLog.objects.filter(view=refresh.FULL).count() == 1  # the first run's
