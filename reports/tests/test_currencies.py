"""Money in the base currency (issue 23): each order at the latest rate on or before its UTC
day, unconverted orders shown apart, and rate changes applied to the orders they convert only.
The test settings' base currency is USD."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from currencies.models import ExchangeRate
from currencies.sync import base_currency_sync
from orders.models import Customer, Order, Status
from orders.services import ItemData, order_create, order_status_add
from project.connections import raw_connection
from reports.consistency import reports_check
from reports.refresh import reports_refresh

DAY = datetime.date(2025, 3, 10)


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def completed(
    number: str,
    *,
    day: datetime.date,
    total: str,
    currency: str,
    user: str = "ann",
    channel: str = "online",
    hour: int = 12,
    lines: int = 1,
) -> Order:
    customer, _ = Customer.objects.get_or_create(username=user)
    order = order_create(
        customer=customer,
        order_number=number,
        created_at=at(day, hour),
        total_amount=Decimal(total),
        items=[ItemData("SKU-1", "Thing", lines, Decimal(total) / lines)],
        currency=currency,
        channel=channel,
    )
    order_status_add(order=order, status=Status.COMPLETE, created=at(day, hour + 1))
    return order


def refreshed() -> None:
    run = reports_refresh()
    assert not run.failed, run.error
    assert {name: keys for name, keys in reports_check().differences.items() if keys} == {}


def rows(query: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def by_currency() -> list[tuple]:
    return rows(
        "SELECT month, currency, orders_count, completed_orders, revenue_original, revenue, "
        "unconverted_orders, unconverted_revenue_original "
        "FROM reports.revenue_by_currency ORDER BY month, currency"
    )


def revenue_of(user: str) -> Decimal:
    return rows("SELECT total_revenue FROM reports.customer_stats WHERE username = %s", [user])[0][
        0
    ]


def rate(currency: str, day: datetime.date, value: str) -> None:
    ExchangeRate.objects.update_or_create(
        currency=currency, day=day, defaults={"rate": Decimal(value)}
    )


@pytest.mark.django_db
def test_an_order_without_a_rate_is_shown_unconverted_then_converts_when_its_rate_arrives():
    completed("U-1", day=DAY, total="100.00", currency="USD")
    completed("E-1", day=DAY, total="10.00", currency="EUR")
    refreshed()
    month = datetime.date(2025, 3, 1)
    assert by_currency() == [
        (month, "EUR", 1, 1, Decimal("10.00"), Decimal("0.00"), 1, Decimal("10.00")),
        (month, "USD", 1, 1, Decimal("100.00"), Decimal("100.00"), 0, Decimal("0.00")),
    ]
    assert revenue_of("ann") == Decimal("100.00")  # never 1:1

    rate("EUR", DAY + datetime.timedelta(days=1), "2")  # after the order's day: not its rate
    refreshed()
    assert by_currency()[0][5:] == (Decimal("0.00"), 1, Decimal("10.00"))

    rate("EUR", DAY - datetime.timedelta(days=30), "1.0833333333")  # on or before: its rate
    refreshed()
    assert by_currency()[0] == (month, "EUR", 1, 1, Decimal("10.00"), Decimal("10.83"), 0, 0)
    assert revenue_of("ann") == Decimal("110.83")
    assert rows("SELECT revenue FROM reports.product_sales") == [(Decimal("110.83"),)]
    assert rows("SELECT revenue FROM reports.revenue_by_channel") == [(Decimal("110.83"),)]


@pytest.mark.django_db
def test_a_correction_moves_the_orders_from_its_day_to_the_next_rate_and_no_others():
    rate("GBP", DAY, "1.25")
    rate("GBP", DAY + datetime.timedelta(days=2), "1.5")
    before = completed("G-0", day=DAY - datetime.timedelta(days=1), total="8.00", currency="GBP")
    first = completed("G-1", day=DAY, total="8.00", currency="GBP")
    second = completed("G-2", day=DAY + datetime.timedelta(days=1), total="8.00", currency="GBP")
    later = completed("G-3", day=DAY + datetime.timedelta(days=2), total="8.00", currency="GBP")
    completed("E-1", day=DAY, total="8.00", currency="EUR")
    refreshed()
    assert revenue_of("ann") == Decimal("10.00") * 2 + Decimal("12.00")  # G-0, E-1 unconverted

    ExchangeRate.objects.filter(currency="GBP", day=DAY).update(rate=Decimal("1.3"))
    run = reports_refresh()
    # The cost follows the orders that rate converts: G-1 and G-2, not G-0, G-3 nor E-1.
    assert run.orders_touched == 2 and run.orders_changed == 2
    assert revenue_of("ann") == Decimal("10.40") * 2 + Decimal("12.00")
    refreshed()

    ExchangeRate.objects.filter(currency="GBP", day=DAY + datetime.timedelta(days=2)).delete()
    run = reports_refresh()
    assert run.orders_touched == 1  # G-3, which now takes 1.3 (the deleted rate's days)
    assert revenue_of("ann") == Decimal("10.40") * 3
    refreshed()
    assert {o.pk for o in (before, first, second, later)} == set(
        Order.objects.values_list("pk", flat=True).filter(currency="GBP")
    )


@pytest.mark.django_db
def test_an_order_changing_currency_or_channel_moves_between_rows():
    rate("EUR", DAY, "2")
    order = completed("X-1", day=DAY, total="5.00", currency="USD", channel="retail")
    refreshed()
    Order.objects.filter(pk=order.pk).update(currency="EUR", channel="wholesale")
    refreshed()
    assert rows("SELECT channel, revenue FROM reports.revenue_by_channel") == [
        ("wholesale", Decimal("10.00"))
    ]
    assert [row[1] for row in by_currency()] == ["EUR"]


@pytest.mark.django_db
def test_the_day_is_utc_and_the_rate_on_the_day_itself_applies():
    rate("EUR", DAY, "3")
    completed(
        "E-late", day=DAY - datetime.timedelta(days=1), total="1.00", currency="EUR", hour=22
    )  # 23:00 UTC the day before: no rate yet
    completed("E-on", day=DAY, total="1.00", currency="EUR", hour=0)
    refreshed()
    assert by_currency()[0][5:] == (Decimal("3.00"), 1, Decimal("1.00"))


@pytest.mark.django_db
def test_a_new_base_currency_marks_the_reports_for_a_rebuild(settings):
    refreshed()
    settings.REPORTS_BASE_CURRENCY = "EUR"
    assert base_currency_sync() == "USD"
    assert rows("SELECT rebuild_required, rebuild_reason FROM reports_data.refresh_state") == [
        (True, "base currency changed from USD to EUR")
    ]
    settings.REPORTS_BASE_CURRENCY = "USD"
    assert base_currency_sync() == "EUR"
    assert base_currency_sync() is None


def _insert_order(cursor, *, number: str, currency: str, day: datetime.date) -> None:
    """An order (Complete) written by another session, as a client's transaction would."""
    cursor.execute(
        "WITH buyer AS (INSERT INTO orders_customer (username) VALUES (%(user)s) "
        "ON CONFLICT (username) DO UPDATE SET username = excluded.username RETURNING id), "
        "placed AS (INSERT INTO orders_order (order_number, customer_id, created_at, "
        "total_amount, currency, channel) SELECT %(number)s, id, %(at)s, 4, %(currency)s, "
        "'online' FROM buyer RETURNING id) "
        "INSERT INTO orders_orderstatus (order_id, status, created) "
        "SELECT id, 'Complete', %(at)s FROM placed",
        {"user": "racer", "number": number, "at": at(day), "currency": currency},
    )


@pytest.mark.django_db(transaction=True)
def test_an_order_and_its_rate_committed_at_the_same_time_are_never_both_missed():
    """Each way round: whichever commits second, the next run converts the order, because a
    rate's orders are found in the run's snapshot, not the rate writer's."""
    reports_refresh()
    with raw_connection(autocommit=False) as writer, writer.cursor() as cursor:
        _insert_order(cursor, number="R-1", currency="EUR", day=DAY)  # not committed yet
        rate("EUR", DAY, "2")  # committed: its run finds no EUR order
        assert not reports_refresh().failed
        writer.commit()
    refreshed()
    assert by_currency()[0][5:] == (Decimal("8.00"), 0, Decimal("0.00"))

    with raw_connection(autocommit=False) as writer, writer.cursor() as cursor:
        cursor.execute(
            "INSERT INTO currencies_exchangerate (currency, day, rate, source, updated_at) "
            "VALUES ('GBP', %s, 3, 'test', now())",
            [DAY],
        )  # not committed yet
        with raw_connection() as other, other.cursor() as other_cursor:
            _insert_order(other_cursor, number="R-2", currency="GBP", day=DAY)
        assert not reports_refresh().failed  # R-2 applied unconverted
        assert [row[6] for row in by_currency() if row[1] == "GBP"] == [1]
        writer.commit()
    refreshed()
    assert [row[5:] for row in by_currency() if row[1] == "GBP"] == [
        (Decimal("12.00"), 0, Decimal("0.00"))
    ]


@pytest.mark.django_db
def test_the_largest_order_at_the_largest_rate_and_the_oldest_day_fit_every_report():
    """Bounds (DESIGN §15): the widest total at RATE_MAX on the earliest day an order may have,
    beside one at the smallest rate, which rounds to 0.00 and still counts."""
    from currencies.models import RATE_MAX, RATE_MIN
    from orders.schemas import EARLIEST_TIME

    oldest = EARLIEST_TIME.date()
    rate("KWD", oldest, str(RATE_MAX))
    rate("IDR", oldest, RATE_MIN)
    largest = "9999999999.00"  # its line: 100 x 99,999,999.99, the largest price
    completed("K-1", day=oldest, total=largest, currency="KWD", hour=0, lines=100)
    completed("K-2", day=oldest, total=largest, currency="KWD", hour=1, lines=100)
    completed("I-1", day=oldest, total="0.01", currency="IDR", hour=2)
    refreshed()
    converted = Decimal(largest) * RATE_MAX
    assert revenue_of("ann") == 2 * converted
    assert by_currency() == [
        (datetime.date(2000, 1, 1), "IDR", 1, 1, Decimal("0.01"), Decimal("0.00"), 0, 0),
        (
            datetime.date(2000, 1, 1),
            "KWD",
            2,
            2,
            2 * Decimal(largest),
            2 * converted,
            0,
            0,
        ),
    ]
    assert rows("SELECT revenue FROM reports.daily_order_stats") == [(2 * converted,)]
    assert rows("SELECT revenue FROM reports.product_sales") == [(2 * converted,)]
