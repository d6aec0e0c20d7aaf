"""Run by test_generated_client.py with the generator's Python: call every operation of a client
generated from the served document, CSV included. Prints one line per operation."""

import datetime
import importlib
import pkgutil
import sys

from order_reports_api_client import AuthenticatedClient
from order_reports_api_client.models import (
    CatalogIn,
    PriceOperationIn,
    RatesIn,
    StatusIn,
    UploadIn,
)

base_url, key = sys.argv[1], sys.argv[2]
client = AuthenticatedClient(base_url=base_url, token=key, raise_on_unexpected_status=True)
order = {
    "order_number": "A/1",
    "created_at": "2025-11-12T10:00:00Z",
    "total_amount": 2500.00,
    "currency": "EUR",
    "channel": "wholesale",
    "status": "delivered",
    "items": [
        {"sku": "tea01", "name": "Чай", "quantity": 2, "price": 500},
        {"sku": "cup01", "name": "Cup", "quantity": 1, "price": 1500},
    ],
}
ARGUMENTS = {
    "orders_upload": {"body": UploadIn.from_dict({"user": "test_seller", "orders": [order]})},
    "order_get": {"number": "A/1"},
    "order_status_add": {"number": "A/1", "body": StatusIn.from_dict({"status": "refunded"})},
    "order_get_by_path": {"order_number": "B-0"},
    "order_status_add_by_path": {
        "order_number": "B-0",
        "body": StatusIn.from_dict({"status": "paid"}),
    },
    "customer_stats": {"user": "shop_b"},  # refreshed before the calls
    "product_also_bought": {"sku": "S0"},  # make_upload's skus, refreshed
    "product_also_bought_csv": {"sku": "S0"},
    "product_also_bought_by_path": {"sku": "S0"},
    "product_also_bought_by_path_csv": {"sku": "S0"},
    "customer_lifetime_value": {"user": "shop_b"},
    "customer_premium": {"more_than": 0},
    "customer_premium_csv": {"more_than": 0},
    "catalog_upload": {
        "body": CatalogIn.from_dict(
            {
                "categories": [{"key": "drinks", "name": "Drinks"}],
                "products": [{"sku": "S0", "name": "S0", "category": "drinks", "price": 10}],
            }
        )
    },
    "catalog_price_operation": {
        "body": PriceOperationIn.from_dict({"kind": "raise", "percent": 10, "category": "drinks"})
    },
    "category_top_products": {"category": "drinks"},
    "category_top_products_csv": {"category": "drinks"},
    "rates_upload": {
        "body": RatesIn.from_dict(
            {
                "rates": [
                    {"currency": "EUR", "day": "2026-01-05", "rate": "1.0921"},
                    {"currency": "EUR", "day": "2026-01-06", "rate": 1.0925},
                ]
            }
        )
    },
    "rates_delete": {"currency": "EUR", "day": datetime.date(2026, 1, 6)},
    "rates_list": {"currency": "EUR"},
}
FIRST = ("orders_upload", "catalog_upload", "rates_upload")  # what the other calls read
for package in ("orders", "catalog", "reports", "rates"):
    module = importlib.import_module(f"order_reports_api_client.api.{package}")
    names = sorted(info.name for info in pkgutil.iter_modules(module.__path__))
    for name in sorted(names, key=lambda name: name not in FIRST):  # the uploads first
        operation = importlib.import_module(f"order_reports_api_client.api.{package}.{name}")
        response = operation.sync_detailed(client=client, **ARGUMENTS.get(name, {}))
        parsed = response.parsed
        if response.status_code not in (200, 201) or parsed is None:
            sys.exit(f"{name}: {response.status_code} {response.content[:300]!r}")
        shape = "text/csv" if isinstance(parsed, str) else type(parsed).__name__
        print(name, response.status_code, shape)
