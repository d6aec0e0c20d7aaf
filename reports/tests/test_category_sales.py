"""The category report: rolled up to every ancestor, an uncategorised bucket, and catalog
changes (products moved, categories re-parented) applied incrementally."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from catalog.models import Category, Product
from orders.api_keys import api_key_create
from orders.models import Customer, Order, Status
from orders.services import ItemData, order_create, order_status_add
from reports import category
from reports.consistency import reports_check
from reports.refresh import reports_refresh
from reports.tests.conftest import api_client

pytestmark = pytest.mark.django_db

JUNE = datetime.datetime(2025, 6, 10, tzinfo=datetime.UTC)
JULY = datetime.datetime(2025, 7, 10, tzinfo=datetime.UTC)


def differences() -> dict:
    return {name: keys for name, keys in reports_check().differences.items() if keys}


def report() -> dict[tuple[str | None, str], tuple]:
    """(category key, month) -> (units, revenue, orders), from the view BI reads."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT category_key, to_char(month, 'YYYY-MM'), units_sold, revenue, orders_count "
            "FROM reports.category_sales"
        )
        return {(key, month): tuple(rest) for key, month, *rest in cursor.fetchall()}


def sell(number: str, at: datetime.datetime, *lines: tuple[str, int]) -> None:
    customer, _ = Customer.objects.get_or_create(username="ann")
    order = order_create(
        customer=customer,
        order_number=number,
        created_at=at,
        total_amount=Decimal(sum(quantity for _, quantity in lines)),
        items=[ItemData(sku, sku, quantity, Decimal(1)) for sku, quantity in lines],
    )
    order_status_add(order=order, status=Status.COMPLETE, created=at)


@pytest.fixture
def shop() -> dict[str, Category]:
    """top > mid > leaf; other; products A (leaf), B (mid), C (no category); D not listed."""
    top = Category.objects.create(key="top", name="Top")
    mid = Category.objects.create(key="mid", name="Mid", parent=top)
    leaf = Category.objects.create(key="leaf", name="Leaf", parent=mid)
    other = Category.objects.create(key="other", name="Other")
    Product.objects.create(sku="A", name="A", price=1, category=leaf)
    Product.objects.create(sku="B", name="B", price=1, category=mid)
    Product.objects.create(sku="C", name="C", price=1)
    assert not reports_refresh().failed
    return {"top": top, "mid": mid, "leaf": leaf, "other": other}


def test_sales_roll_up_to_every_ancestor_and_unlisted_skus_are_uncategorised(shop):
    sell("1", JUNE, ("A", 2), ("B", 1))
    sell("2", JUNE, ("C", 1), ("D", 4))
    sell("3", JULY, ("A", 1))
    assert not reports_refresh().failed
    assert report() == {
        ("leaf", "2025-06"): (2, Decimal(2), 1),
        ("mid", "2025-06"): (3, Decimal(3), 1),  # A and B in one order: counted once
        ("top", "2025-06"): (3, Decimal(3), 1),
        (None, "2025-06"): (5, Decimal(5), 1),
        ("leaf", "2025-07"): (1, Decimal(1), 1),
        ("mid", "2025-07"): (1, Decimal(1), 1),
        ("top", "2025-07"): (1, Decimal(1), 1),
    }
    assert differences() == {}


def test_a_moved_product_and_a_re_parented_category_move_their_sales(shop):
    sell("1", JUNE, ("A", 2), ("B", 1))
    assert not reports_refresh().failed
    Product.objects.filter(sku="A").update(category=shop["other"])
    assert not reports_refresh().failed
    assert report() == {
        ("mid", "2025-06"): (1, Decimal(1), 1),
        ("top", "2025-06"): (1, Decimal(1), 1),
        ("other", "2025-06"): (2, Decimal(2), 1),
    }
    assert differences() == {}
    Category.objects.filter(key="mid").update(parent=shop["other"])
    assert not reports_refresh().failed
    assert report() == {
        ("mid", "2025-06"): (1, Decimal(1), 1),
        ("other", "2025-06"): (3, Decimal(3), 1),
    }
    assert differences() == {}
    Product.objects.filter(sku="B").delete()
    Product.objects.create(sku="D", name="D", price=1, category=shop["leaf"])
    sell("2", JULY, ("D", 1))
    assert not reports_refresh().failed
    assert report() == {
        (None, "2025-06"): (1, Decimal(1), 1),
        ("other", "2025-06"): (2, Decimal(2), 1),
        ("leaf", "2025-07"): (1, Decimal(1), 1),
        ("mid", "2025-07"): (1, Decimal(1), 1),
        ("other", "2025-07"): (1, Decimal(1), 1),
    }
    assert differences() == {}


def test_a_price_change_moves_nothing_and_logs_nothing(shop):
    Product.objects.update(price=2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_data.catalog_change")
        assert cursor.fetchone() == (0,)


def test_the_endpoints_answer_json_and_csv_with_as_of(shop, monkeypatch):
    sell("1", JUNE, ("A", 2), ("B", 1), ("D", 1))
    sell("2", JULY, ("B", 5))
    assert not reports_refresh().failed
    client = api_client()
    top = client.get("/api/reports/categories/sales").json()
    assert top["as_of"] is not None
    assert [(r["category_key"], r["month"], r["revenue"]) for r in top["results"]] == [
        ("top", "2025-06", 3.0),
        (None, "2025-06", 1.0),
        ("top", "2025-07", 5.0),
    ]
    assert top["results"][1]["category_name"] == "Uncategorised"
    drill = client.get("/api/reports/categories/sales", {"category": "mid", "to": "2025-06"})
    assert [
        (r["category_key"], r["parent_key"], r["units_sold"]) for r in drill.json()["results"]
    ] == [
        ("mid", "top", 3),
        ("leaf", "mid", 2),
    ]
    as_csv = client.get("/api/reports/categories/sales.csv", {"category": "top"})
    assert as_csv["X-Report-As-Of"]
    lines = b"".join(as_csv.streaming_content).decode().splitlines()
    assert lines[0].startswith("category_key,category_name,parent_key,month")
    assert len(lines) == 1 + 4  # top and mid, in June and July
    for small in (3_000, 0):  # both plans: sorting the category's products, walking the index
        monkeypatch.setattr(category, "SMALL_CATEGORY_PRODUCTS", small)
        best = client.get(
            "/api/reports/categories/top-products", {"category": "top", "by": "units"}
        )
        assert [(r["sku"], r["units_sold"]) for r in best.json()["results"]] == [
            ("B", 6),
            ("A", 2),
        ]
    assert client.get("/api/reports/categories/sales", {"category": "nope"}).status_code == 404
    missing = client.get("/api/reports/categories/top-products")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["pointer"] == "/query/category"
    reversed_range = client.get(
        "/api/reports/categories/sales", {"from": "2025-07", "to": "2025-06"}
    )
    assert reversed_range.status_code == 400


SKUS = ("A", "B", "C", "D")
KEYS = ("top", "mid", "leaf", "other")


class CatalogMoves(RuleBasedStateMachine):
    """Sales and catalog changes interleaved, a refresh now and then: after each refresh the
    category report (and the catalog as it applied it) equals its definition."""

    @initialize()
    def start(self):
        self.savepoint = transaction.savepoint()
        self.numbers = 0
        top = Category.objects.create(key="top", name="Top")
        mid = Category.objects.create(key="mid", name="Mid", parent=top)
        Category.objects.create(key="leaf", name="Leaf", parent=mid)
        Category.objects.create(key="other", name="Other")
        for sku, key in (("A", "leaf"), ("B", "mid"), ("C", None)):
            category = Category.objects.filter(key=key).first()
            Product.objects.create(sku=sku, name=sku, price=1, category=category)

    def teardown(self):
        if hasattr(self, "savepoint"):
            transaction.savepoint_rollback(self.savepoint)

    @rule(
        lines=st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 3)), min_size=1, max_size=3),
        july=st.booleans(),
        complete=st.booleans(),
    )
    def sell(self, lines, july, complete):
        self.numbers += 1
        customer, _ = Customer.objects.get_or_create(username="ann")
        at = JULY if july else JUNE
        order = order_create(
            customer=customer,
            order_number=f"P-{self.numbers}",
            created_at=at,
            total_amount=Decimal(1),
            items=[ItemData(sku, sku, quantity, Decimal(quantity)) for sku, quantity in lines],
        )
        if complete:
            order_status_add(order=order, status=Status.COMPLETE, created=at)

    @rule(number=st.integers(1, 8))
    def cancel(self, number):
        order = Order.objects.filter(order_number=f"P-{number}").first()
        if order is not None:
            order_status_add(order=order, status=Status.CANCELLED, created=JULY)

    @rule(sku=st.sampled_from(SKUS), key=st.sampled_from((None, *KEYS)))
    def move_product(self, sku, key):
        category = Category.objects.filter(key=key).first()
        Product.objects.update_or_create(
            sku=sku, defaults={"name": sku, "price": 1, "category": category}
        )

    @rule(sku=st.sampled_from(SKUS))
    def remove_product(self, sku):
        Product.objects.filter(sku=sku).delete()

    @rule(key=st.sampled_from(KEYS), parent=st.sampled_from((None, *KEYS)))
    def reparent(self, key, parent):
        try:
            with transaction.atomic():
                Category.objects.filter(key=key).update(
                    parent=Category.objects.filter(key=parent).first()
                )
        except IntegrityError:
            pass  # a cycle: refused, nothing changed

    @rule()
    def refresh(self):
        assert not reports_refresh().failed
        assert differences() == {}


def test_category_sales_always_equal_their_definition():
    assert not reports_refresh().failed  # built while empty
    CatalogMoves.TestCase.settings = settings(
        max_examples=40,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    CatalogMoves.TestCase().runTest()


@pytest.mark.django_db(transaction=True)
def test_catalog_uploads_beside_order_uploads_and_refreshes_end_consistent():
    """Three connections at once: one moves products and re-parents a category through the
    catalog upload, one uploads orders of those products, one refreshes the reports."""
    key = api_key_create(name="catalog-concurrency", scope="write")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    tree = [
        {"key": "top", "name": "Top"},
        {"key": "mid", "name": "Mid", "parent": "top"},
        {"key": "other", "name": "Other"},
    ]
    skus = [f"S{n}" for n in range(6)]
    Client().post(
        "/api/catalog",
        {"categories": tree, "products": [{"sku": s, "name": s, "price": 1} for s in skus]},
        content_type="application/json",
        **auth,
    )
    errors: list = []

    def catalog_moves() -> None:
        client = Client()
        for round_ in range(15):
            parent = ("top", "other")[round_ % 2]
            body = {
                "categories": [{"key": "mid", "name": "Mid", "parent": parent}],
                "products": [
                    {
                        "sku": s,
                        "name": s,
                        "price": 1,
                        "category": ("mid", "other", None)[(n + round_) % 3],
                    }
                    for n, s in enumerate(skus)
                ],
            }
            answer = client.post("/api/catalog", body, content_type="application/json", **auth)
            if answer.status_code != 200:
                errors.append(answer.content)

    def order_uploads() -> None:
        client = Client()
        for round_ in range(15):
            lines = [skus[round_ % 6], skus[(round_ + 2) % 6]]
            order = {
                "order_number": f"C-{round_}",
                "created_at": "2025-06-01T10:00:00Z",
                "total_amount": 2,
                "status": "paid",
                "items": [{"sku": s, "name": s, "quantity": 1, "price": 1} for s in lines],
            }
            answer = client.post(
                "/api/orders/upload",
                {"user": "ann", "orders": [order]},
                content_type="application/json",
                **auth,
            )
            if answer.status_code != 200:
                errors.append(answer.content)

    def refreshes() -> None:
        for _ in range(15):
            if reports_refresh().failed:
                errors.append("refresh failed")

    def on_own_connection(work) -> None:
        try:
            work()
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=on_own_connection, args=(work,))
        for work in (catalog_moves, order_uploads, refreshes)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert not reports_refresh().failed
    assert differences() == {}
    assert sum(row[2] for row in report().values()) > 0
