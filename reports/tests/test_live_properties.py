"""Property: after any sequence of writes, every incremental refresh leaves each stored report
equal to its definition, row for row (reports.consistency compares them).

Hypothesis drives a state machine over a small shop: uploads (new, changed and unchanged
orders) through the API, status events in and out of order, refunds, item replacements, edits
and deletes of history rows, orders moved between customers, customers with no orders, and now
and then a full rebuild; catalog changes (issue 21): products moved between categories or out
of the catalog, categories re-parented, prices changed; and money (issue 23): orders in three
currencies and channels, changing either, exchange rates inserted, corrected, deleted and
moved, and rates that arrive after their orders. Each example runs in a savepoint that is
rolled back afterwards, so what all examples start from (the API keys, the reports built once
while empty) is made once, below every example's savepoint.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from catalog.models import Category, Product
from currencies.models import ExchangeRate
from orders.api_keys import api_key_create
from orders.models import Customer, Order, OrderItem, OrderStatus, Status
from orders.services import order_status_add
from reports.consistency import reports_check
from reports.refresh import reports_refresh
from reports.tests.conftest import api_client

START = datetime.datetime(2025, 1, 30, 22, tzinfo=datetime.UTC)  # days and months cross
USERS = ("ann", "bob", "cy")
SKUS = ("A", "B", "C", "D")
# The catalog every example starts from: top > mid > leaf, other; D is not in the catalog.
CATEGORIES = (("top", None), ("mid", "top"), ("leaf", "mid"), ("other", None))
CATEGORY_KEYS = tuple(key for key, _ in CATEGORIES)
CATALOG = {"A": "leaf", "B": "mid", "C": None}
UPLOAD_STATUSES = ("pending", "paid", "delivered", "failed", "refunded")
CURRENCIES = ("USD", "EUR", "GBP")  # USD: the base (the test settings')
CHANNELS = ("online", "retail", "wholesale")
# Rates that round differently (a repeating decimal) and both ways of the base.
RATES = tuple(Decimal(rate) for rate in ("0.5", "1.1", "1.3333333333", "2", "0.0000123457"))
rate_days = st.integers(min_value=-1, max_value=5).map(
    lambda days: (START + datetime.timedelta(days=days)).date()
)

moments = st.integers(min_value=0, max_value=96).map(lambda h: START + datetime.timedelta(hours=h))
money = st.integers(min_value=0, max_value=50_000).map(lambda cents: Decimal(cents) / 100)
items = st.lists(
    st.tuples(st.sampled_from(SKUS), st.integers(1, 3), st.integers(0, 2_000)),
    min_size=0,
    max_size=4,
)


def differences() -> dict:
    return {name: keys for name, keys in reports_check().differences.items() if keys}


class LiveReports(RuleBasedStateMachine):
    client: Client  # set by the test, for every example
    auth: dict[str, str]

    @initialize()
    def start(self):
        self.savepoint = transaction.savepoint()
        self.numbers: list[str] = []
        for key, parent in CATEGORIES:
            Category.objects.create(
                key=key, name=key, parent=Category.objects.filter(key=parent).first()
            )
        for sku, key in CATALOG.items():
            Product.objects.create(
                sku=sku, name=sku, price=1, category=Category.objects.filter(key=key).first()
            )

    def teardown(self):
        if hasattr(self, "savepoint"):
            try:
                self.refresh(full=False)  # whatever the last steps wrote
            finally:
                transaction.savepoint_rollback(self.savepoint)

    def _order(self, index: int) -> Order | None:
        if not self.numbers:
            return None
        return Order.objects.filter(order_number=self.numbers[index % len(self.numbers)]).first()

    @rule(
        user=st.sampled_from(USERS),
        number=st.integers(0, 7),
        created=moments,
        status=st.sampled_from(UPLOAD_STATUSES),
        lines=items.filter(bool),
        status_later=st.integers(0, 30),
        currency=st.sampled_from((None, *CURRENCIES)),
        channel=st.sampled_from((None, *CHANNELS)),
    )
    def upload(self, user, number, created, status, lines, status_later, currency, channel):
        order = {
            "order_number": f"N-{number}",
            "created_at": created.isoformat(),
            "total_amount": float(sum(Decimal(price) / 100 * qty for _, qty, price in lines)),
            **({"currency": currency} if currency else {}),
            **({"channel": channel} if channel else {}),
            "status": status,
            "status_at": (created + datetime.timedelta(hours=status_later)).isoformat(),
            "items": [
                {"sku": sku, "name": f"{sku} {price}", "quantity": qty, "price": price / 100}
                for sku, qty, price in lines
            ],
        }
        response = self.client.post(
            "/api/orders/upload",
            {"user": user, "orders": [order]},
            content_type="application/json",
            **self.auth,
        )
        # 409: the number belongs to another customer; nothing was written.
        assert response.status_code in (200, 201, 409), response.content
        if response.status_code != 409 and order["order_number"] not in self.numbers:
            self.numbers.append(order["order_number"])

    @rule(index=st.integers(0, 7), status=st.sampled_from(Status.values), at=moments)
    def status_event(self, index, status, at):
        order = self._order(index)
        if order is not None:  # any time: late and out-of-order events included
            order_status_add(order=order, status=status, created=at)  # the webhook's writer

    @rule(index=st.integers(0, 7))
    def refund(self, index):
        order = self._order(index)
        if order is not None:
            order.refresh_from_db()
            later = (order.current_status_at or START) + datetime.timedelta(minutes=1)
            order_status_add(order=order, status=Status.CANCELLED, created=later)

    @rule(index=st.integers(0, 7), lines=items)
    def replace_items(self, index, lines):
        order = self._order(index)
        if order is not None:
            OrderItem.objects.filter(order=order).delete()
            OrderItem.objects.bulk_create(
                OrderItem(order=order, sku=sku, name=f"{sku} new", quantity=qty, price=price)
                for sku, qty, price in lines
            )

    @rule(index=st.integers(0, 7), status=st.sampled_from(Status.values), at=moments)
    def edit_history_row(self, index, status, at):
        order = self._order(index)
        row = order.statuses.order_by("?").first() if order is not None else None
        # Not into another row's event: orderstatus_one_row_per_event would refuse it.
        if row and not order.statuses.filter(status=status, created=at).exclude(pk=row.pk).exists():
            OrderStatus.objects.filter(pk=row.pk).update(status=status, created=at)

    @rule(index=st.integers(0, 7))
    def delete_latest_history_row(self, index):
        order = self._order(index)
        if order is not None and (row := order.statuses.order_by("-created", "-id").first()):
            row.delete()  # the order moves back to its previous status (or none)

    @rule(index=st.integers(0, 7), user=st.sampled_from((*USERS, "dee")), at=moments, total=money)
    def edit_order(self, index, user, at, total):
        order = self._order(index)
        if order is not None:
            customer, _ = Customer.objects.get_or_create(username=user)
            Order.objects.filter(pk=order.pk).update(
                customer=customer, created_at=at, total_amount=total
            )

    @rule(user=st.sampled_from(USERS), months=st.integers(-2, 3), hours=st.integers(0, 96))
    def move_first_order_to_another_month(self, user, months, hours):
        """Cohorts: a customer's first order moving to another month moves their cohort, and
        all their months with it."""
        first = Order.objects.filter(customer__username=user).order_by("created_at", "id").first()
        if first is not None:
            at = START + datetime.timedelta(days=31 * months, hours=hours)
            Order.objects.filter(pk=first.pk).update(created_at=at)

    @rule(index=st.integers(0, 7))
    def delete_order(self, index):
        order = self._order(index)
        if order is not None:
            order.delete()
            self.numbers.remove(order.order_number)

    @rule(name=st.sampled_from(("eve", "fay")))
    def customer_without_orders(self, name):
        Customer.objects.get_or_create(username=name)

    @rule(name=st.sampled_from(("eve", "fay")), new=st.sampled_from(("gus", "hal")))
    def rename_customer(self, name, new):
        if not Customer.objects.filter(username=new).exists():
            Customer.objects.filter(username=name).update(username=new)

    @rule(sku=st.sampled_from(SKUS), key=st.sampled_from((None, *CATEGORY_KEYS)))
    def move_product(self, sku, key):
        """Into another category, out of every category, or into the catalog (D)."""
        category = Category.objects.filter(key=key).first()
        Product.objects.update_or_create(
            sku=sku, defaults={"name": sku, "price": 1, "category": category}
        )

    @rule(sku=st.sampled_from(SKUS))
    def remove_product(self, sku):
        Product.objects.filter(sku=sku).delete()  # its sales become uncategorised

    @rule(key=st.sampled_from(CATEGORY_KEYS), parent=st.sampled_from((None, *CATEGORY_KEYS)))
    def reparent_category(self, key, parent):
        try:  # a cycle is refused by the database (category_no_cycle): nothing changes
            with transaction.atomic():
                Category.objects.filter(key=key).update(
                    parent=Category.objects.filter(key=parent).first()
                )
        except IntegrityError:
            pass

    @rule(percent=st.integers(1, 50))
    def raise_prices(self, percent):
        Product.objects.update(price=F("price") * (100 + percent) / 100)  # no category moves

    @rule(
        index=st.integers(0, 7),
        currency=st.sampled_from(CURRENCIES),
        channel=st.sampled_from(CHANNELS),
    )
    def change_currency_and_channel(self, index, currency, channel):
        order = self._order(index)
        if order is not None:
            Order.objects.filter(pk=order.pk).update(currency=currency, channel=channel)

    @rule(currency=st.sampled_from(CURRENCIES[1:]), day=rate_days, rate=st.sampled_from(RATES))
    def set_rate(self, currency, day, rate):
        """A new rate, or a correction of that day's (the same value again: no change)."""
        ExchangeRate.objects.update_or_create(currency=currency, day=day, defaults={"rate": rate})

    @rule(currency=st.sampled_from(CURRENCIES[1:]), day=rate_days)
    def delete_rate(self, currency, day):
        ExchangeRate.objects.filter(currency=currency, day=day).delete()

    @rule(currency=st.sampled_from(CURRENCIES[1:]), days=st.integers(-3, 3))
    def move_rates(self, currency, days):
        """Every rate of a currency to other days in one statement (old and new days move)."""
        try:  # rows passing each other on their way may collide: then nothing moves
            with transaction.atomic():
                ExchangeRate.objects.filter(currency=currency).update(
                    day=F("day") + datetime.timedelta(days=days)
                )
        except IntegrityError:
            pass

    @rule(full=st.sampled_from((False, False, False, True)))
    def refresh(self, full):
        """Several writes may wait for one refresh: their deltas are applied together."""
        assert not reports_refresh(full=full).failed
        assert differences() == {}


@pytest.mark.django_db
def test_incremental_reports_always_equal_their_definitions():
    key = api_key_create(name="property-writer", scope="write")
    LiveReports.client = api_client()
    LiveReports.auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert not reports_refresh().failed  # the first run builds the (empty) reports
    LiveReports.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    LiveReports.TestCase().runTest()


class LiveMoney(LiveReports):
    """The same shop, with only the writes that move money between currencies, channels and
    days, so that rates and the orders they convert meet often within few steps."""


for _name in dir(LiveMoney):
    if _name not in {
        "start",
        "teardown",
        "upload",
        "status_event",
        "edit_order",
        "change_currency_and_channel",
        "set_rate",
        "delete_rate",
        "move_rates",
        "refresh",
    } and hasattr(getattr(LiveMoney, _name), "hypothesis_stateful_rule"):
        setattr(LiveMoney, _name, None)


@pytest.mark.django_db
def test_money_reports_always_equal_their_definitions():
    key = api_key_create(name="property-money-writer", scope="write")
    LiveMoney.client = api_client()
    LiveMoney.auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert not reports_refresh().failed
    LiveMoney.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    LiveMoney.TestCase().runTest()
