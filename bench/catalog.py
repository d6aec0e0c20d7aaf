"""The catalog's figures (issue 21): the filtered product list, the category report endpoints,
a 10 % raise of a category and catalog moves with their effect on the reports.

    DATABASE_URL=postgres://…/<a database generateorders filled> python -m bench.catalog

Reads through Django's test client (as the benchmark's endpoint table does), `--repeat` times
after a warm-up, printing p50 and p99. The writes run in a transaction that is rolled back, so
the dataset is left as it was: the raise of the top-level category whose product count is
closest to 10,000 (one UPDATE) and the incremental refresh after it; moving the best-selling
product to another category, and re-parenting a second-level category, each followed by the
incremental refresh that applies the move.
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Callable

from bench.support import machine, percentiles, setup_django

PRODUCT_LISTS = {
    "page 1, no filter": {},
    "page 1, seed 002: price < 500 OR rating > 4": {"any": "price_lt:500,rating_gt:4"},
    "page 1, a top-level category with sub-categories, rating >= 4": {
        "category": "tea",
        "rating_min": "4",
    },
    "page 1, a leaf category, price 10..100": {
        "category": "tea-1-1",
        "price_min": "10",
        "price_max": "100",
    },
}


def _p50_p99(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    action()  # warm-up
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def _get(client, path: str, params: dict) -> Callable[[], object]:
    def action():
        response = client.get(path, params)
        if response.status_code != 200:
            raise RuntimeError(f"{path} {params}: {response.content[:300]!r}")
        return response

    return action


def _deep_cursor() -> str:
    """The cursor of a page near the end of the list (the last products by sku)."""
    from api.pagination import key_cursor_encode
    from catalog.models import Product

    skus = Product.objects.order_by("-sku").values_list("sku", flat=True)[:200]
    return key_cursor_encode("sku", list(skus)[-1])


def _refreshed(run):
    if run.failed:
        raise RuntimeError(f"refresh_reports failed: {run.error}")
    return run


def _timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return (time.perf_counter() - started) * 1000, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    setup_django()
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client

    from catalog.models import Category, Product
    from catalog.schemas import PriceOperationIn
    from catalog.services import price_operation_apply
    from orders.api_keys import api_key_create, api_key_revoke
    from orders.models import ApiKey, OrderItem
    from reports.refresh import reports_refresh

    name = f"bench-catalog-{uuid.uuid4().hex[:8]}"
    key = api_key_create(name=name, scope="read")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_HOST="127.0.0.1")
    print(f"# The catalog ({machine()})")
    print(
        f"{connection.settings_dict['NAME']}: {OrderItem.objects.count():,} order lines, "
        f"{Product.objects.count():,} products, {Category.objects.count():,} categories\n"
    )
    print("| request | p50 ms | p99 ms |")
    print("|---|---:|---:|")
    try:
        for label, params in PRODUCT_LISTS.items():
            p50, p99 = _p50_p99(_get(client, "/api/catalog/products", params), args.repeat)
            print(f"| `/api/catalog/products` {label} | {p50:.2f} | {p99:.2f} |")
            deep = {**params, "cursor": _deep_cursor()}
            p50, p99 = _p50_p99(_get(client, "/api/catalog/products", deep), args.repeat)
            print(
                f"| `/api/catalog/products` {label.replace('page 1', 'deep cursor')} | "
                f"{p50:.2f} | {p99:.2f} |"
            )
        for path, params in (
            ("/api/catalog/categories", {}),
            ("/api/reports/categories/sales", {}),
            ("/api/reports/categories/sales", {"category": "tea"}),
            ("/api/reports/categories/top-products", {"category": "tea"}),
            ("/api/reports/categories/top-products", {"category": "tea-1-1"}),
        ):
            p50, p99 = _p50_p99(_get(client, path, params), args.repeat)
            print(f"| `{path}` {params or ''} | {p50:.2f} | {p99:.2f} |")
    finally:
        api_key_revoke(name=name)
        ApiKey.objects.filter(name=name).delete()

    _refreshed(reports_refresh())  # nothing pending before the writes
    sizes = dict(
        Category.objects.filter(parent__isnull=True)
        .annotate(n=Count("children__children__products"))
        .values_list("key", "n")
    )
    key = min(sizes, key=lambda k: abs(sizes[k] - 10_000))
    print("\n| write, then the incremental refresh that applies it | write ms | refresh ms |")
    print("|---|---:|---:|")
    with transaction.atomic():
        operation = PriceOperationIn(kind="raise", percent=10, category=key)
        write_ms, result = _timed(lambda: price_operation_apply(operation=operation, actor="bench"))
        refresh_ms, _ = _timed(lambda: _refreshed(reports_refresh()))
        print(
            f"| 10 % raise of `{key}` ({result['products_changed']:,} products) | "
            f"{write_ms:.1f} | {refresh_ms:.1f} |"
        )
        transaction.set_rollback(True)
    top = OrderItem.objects.values("sku").annotate(n=Count("id")).order_by("-n").first()
    with transaction.atomic():
        other = (
            Category.objects.exclude(products__sku=top["sku"]).filter(children__isnull=True).first()
        )
        write_ms, _ = _timed(lambda: Product.objects.filter(sku=top["sku"]).update(category=other))
        refresh_ms, _ = _timed(lambda: _refreshed(reports_refresh()))
        print(
            f"| move `{top['sku']}` ({top['n']:,} order lines) to another category | "
            f"{write_ms:.1f} | {refresh_ms:.1f} |"
        )
        transaction.set_rollback(True)
    with transaction.atomic():
        mid = Category.objects.filter(parent__isnull=False, children__isnull=False).first()
        target = Category.objects.filter(parent__isnull=True).exclude(pk=mid.parent_id).first()
        products = Product.objects.filter(category__parent=mid).count()
        write_ms, _ = _timed(lambda: Category.objects.filter(pk=mid.pk).update(parent=target))
        refresh_ms, _ = _timed(lambda: _refreshed(reports_refresh()))
        print(
            f"| re-parent `{mid.key}` ({products:,} products below it) | "
            f"{write_ms:.1f} | {refresh_ms:.1f} |"
        )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
