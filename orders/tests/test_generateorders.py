from __future__ import annotations

import datetime
from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.test import override_settings
from psycopg import sql

from orders import generation
from orders.consistency import StatusAudit, current_status_audit
from orders.generation import GENERATED_TABLES, LOADED_TABLES, orders_generate
from orders.models import Customer, Order, OrderItem, OrderStatus, Status
from orders.tests.shared_rows import shared_rows

pytestmark = pytest.mark.django_db

END = "2026-01-01T00:00:00+00:00"


def generate(orders: int, seed: int = 1, *, chunk_size: int = 2500, **options) -> None:
    call_command(
        "generateorders", orders=orders, seed=seed, end=END, chunk_size=chunk_size, **options
    )


def snapshot() -> list[tuple]:
    """Every generated value of every order, its items and its history (by time), by number."""
    items, history = defaultdict(list), defaultdict(list)
    for number, *item in OrderItem.objects.values_list(
        "order__order_number", "sku", "name", "quantity", "price"
    ):
        items[number].append(tuple(item))
    for number, *status in OrderStatus.objects.order_by("created", "id").values_list(
        "order__order_number", "status", "created"
    ):
        history[number].append(tuple(status))
    orders = Order.objects.order_by("order_number").values_list(
        "order_number",
        "customer__username",
        "created_at",
        "total_amount",
        "current_status",
        "current_status_at",
    )
    return [(*order, sorted(items[order[0]]), history[order[0]]) for order in orders]


@pytest.fixture(scope="module", autouse=True)
def no_dead_rows_left(django_db_setup, django_db_blocker):
    """The module writes some 150,000 rows and rolls them back. Their dead versions would slow
    every later scan of these tables (test_hostile_input checksums them after each request)
    until autovacuum came by: vacuum them when the module is done."""
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for table in GENERATED_TABLES:
            cursor.execute(sql.SQL("VACUUM {}").format(sql.Identifier(table)))


@pytest.fixture(scope="class")
def twenty_thousand(django_db_setup, django_db_blocker):
    """20,000 generated orders, built once for the tests of a class and rolled back after.

    In two chunks: the values depend only on each order's number and the seed, so the rows are
    the same for any chunk size, and each chunk costs some 0.1 s beyond its rows."""
    with shared_rows(django_db_blocker, lambda: generate(20_000, chunk_size=10_000)):
        yield


@pytest.mark.usefixtures("twenty_thousand")
class TestTwentyThousandOrders:
    """Checks that read one generation: made once, as it takes seconds (issue 11)."""

    def test_status_mix_matches_the_targets(self):
        shares = {
            row["current_status"]: row["n"] / 20_000
            for row in Order.objects.values("current_status").annotate(n=Count("id"))
        }
        # 60% paid (10% of those refunded), 25% failed payment, 15% left pending.
        assert shares[Status.COMPLETE] == pytest.approx(0.54, abs=0.02)
        assert shares[Status.CANCELLED] == pytest.approx(0.31, abs=0.02)
        assert shares[Status.PENDING] == pytest.approx(0.15, abs=0.02)
        assert current_status_audit().count == 0

    def test_every_order_starts_pending_and_has_one_to_five_items(self):
        first_statuses = OrderStatus.objects.order_by("order_id", "created", "id").distinct(
            "order_id"
        )
        assert {status.status for status in first_statuses} == {Status.PENDING}
        per_order = OrderItem.objects.values("order_id").annotate(n=Count("id"))
        assert {row["n"] for row in per_order} == {1, 2, 3, 4, 5}
        span = Order.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
        assert (span["last"] - span["first"]).days > 700
        # Totals are the sum of the items; names and prices are a stable catalogue.
        for order in Order.objects.prefetch_related("items")[:200]:
            assert order.total_amount == sum(i.quantity * i.price for i in order.items.all())
        assert (
            OrderItem.objects.values("sku").distinct().count()
            == OrderItem.objects.values("sku", "name", "price").distinct().count()
        )


def test_same_seed_same_data_and_another_seed_differs():
    generate(2000, seed=7)
    first = snapshot()
    Customer.objects.all().delete()
    generate(2000, seed=7)
    assert snapshot() == first
    Customer.objects.all().delete()
    generate(2000, seed=8)
    assert snapshot() != first


def test_appends_to_a_non_empty_database():
    generate(1000)
    generate(1000)
    assert Order.objects.count() == 2000
    assert Order.objects.values("order_number").distinct().count() == 2000
    assert current_status_audit().count == 0


def test_if_empty_leaves_existing_data_alone():
    generate(500)
    generate(500, if_empty=True)
    assert Order.objects.count() == 500


def schema() -> set[tuple]:
    """Every index, constraint and trigger of the loaded tables: definition, validity, state."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'index', indexname, indexdef, true FROM pg_indexes "
            "WHERE tablename = ANY (%(tables)s) UNION ALL "
            "SELECT 'constraint', conname, pg_get_constraintdef(oid), convalidated "
            "FROM pg_constraint WHERE conrelid = ANY (%(tables)s::regclass[]) UNION ALL "
            "SELECT 'trigger', tgname, tgenabled::text, true "
            "FROM pg_trigger WHERE tgrelid = ANY (%(tables)s::regclass[]) AND NOT tgisinternal",
            {"tables": list(LOADED_TABLES)},
        )
        return set(cursor.fetchall())


def generate_3000(**options) -> generation.GenerationResult:
    end = datetime.datetime.fromisoformat(END)
    return orders_generate(orders=3000, customers=150, seed=5, end=end, chunk_size=1000, **options)


@pytest.mark.django_db(transaction=True)
def test_bulk_load_into_empty_tables_gives_the_appended_rows_and_the_whole_schema():
    before = schema()
    bulk = generate_3000()
    assert bulk.bulk_load
    assert schema() == before
    assert current_status_audit().count == 0
    with connection.cursor() as cursor:  # the next ids the sequences give are free
        for table in LOADED_TABLES:
            cursor.execute(
                sql.SQL(
                    "SELECT max(id) < nextval(pg_get_serial_sequence(%s, 'id')) FROM {}"
                ).format(sql.Identifier(table)),
                [table],
            )
            assert cursor.fetchone()[0]
    loaded = snapshot()
    Customer.objects.all().delete()
    with transaction.atomic():  # inside a transaction: chunk by chunk, never the bulk load
        appended = generate_3000(workers=1)
    assert not appended.bulk_load
    assert snapshot() == loaded
    assert "analyze" in bulk.phases


@pytest.mark.django_db(transaction=True)
def test_a_failed_bulk_load_leaves_nothing_behind(monkeypatch):
    before = schema()

    def fail(*args) -> None:
        raise RuntimeError("index build failed")

    monkeypatch.setattr(generation, "_restore_deferred_objects", fail)
    with pytest.raises(RuntimeError, match="index build failed"):
        generate_3000()
    assert schema() == before
    assert not Order.objects.exists()
    assert not OrderStatus.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_bulk_load_whose_statuses_disagree_with_their_history_commits_nothing(monkeypatch):
    def one_mismatch() -> StatusAudit:
        return StatusAudit(mismatched_ids=[1], mismatched_numbers=["GEN-0000000001"])

    monkeypatch.setattr(generation, "current_status_audit", one_mismatch)
    with pytest.raises(CommandError, match="1 orders whose current status"):
        generate(500)
    assert not Order.objects.exists()


def test_rejects_nonsense_arguments():
    with pytest.raises(CommandError, match="at least 1"):
        generate(0)
    with pytest.raises(CommandError, match="ISO-8601"):
        call_command("generateorders", orders=10, end="yesterday")


def test_the_demo_s_currencies_and_channels_are_spread_over_the_orders():
    """`make run`'s options: each order one of the currencies and one of the channels."""
    call_command(
        "generateorders",
        "--orders=3000",
        f"--end={END}",
        "--currencies=USD,EUR,GBP",
        "--channels=all",
    )
    mix = Order.objects.values_list("currency", "channel").annotate(n=Count("id"))
    shares = defaultdict(float)
    for currency, channel, n in mix:
        shares[currency] += n / 3000
        shares[channel] += n / 3000
    assert set(shares) == {"USD", "EUR", "GBP", "online", "retail", "wholesale"}
    assert all(0.28 < share < 0.39 for share in shares.values()), shares
    assert current_status_audit().count == 0


def test_without_the_options_every_order_is_in_the_base_currency_and_default_channel():
    generate(500)
    assert set(Order.objects.values_list("currency", "channel").distinct()) == {("USD", "online")}


@override_settings(REPORTS_CHANNELS=["shop", "b2b"])
def test_all_channels_are_the_configured_ones():
    call_command("generateorders", "--orders=500", f"--end={END}", "--channels=all")
    assert set(Order.objects.values_list("channel", flat=True).distinct()) == {"shop", "b2b"}


@pytest.mark.parametrize(
    ("option", "message"),
    [("--currencies=USD,eur", "not ISO 4217"), ("--channels=online,marketplace", "not in")],
)
def test_rejects_an_unknown_currency_or_channel(option, message):
    with pytest.raises(CommandError, match=message):
        call_command("generateorders", "--orders=10", option)
    assert not Order.objects.exists()
