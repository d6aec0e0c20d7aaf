"""OpenAPI 3.1 description of the report endpoints (assembled by project/openapi.py)."""

from __future__ import annotations

from orders.openapi import DATETIME, NULLABLE_DATETIME, problem, ref
from reports.views import (
    ALSO_BOUGHT_MAX_LIMIT,
    CUSTOMERS_MAX_LIMIT,
    PRODUCTS_MAX_LIMIT,
)

NUMBER = {"type": "number"}
NULLABLE_NUMBER = {"type": ["number", "null"]}
INTEGER = {"type": "integer"}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
AS_OF = {
    **NULLABLE_DATETIME,
    "description": "the commit point the report reflects: every write committed before it is in",
}


def _row(**columns) -> dict:
    return {"type": "object", "required": list(columns), "properties": columns}


def _report(row: str, **echo) -> dict:
    return {
        "type": "object",
        "required": ["report", "as_of", "results"],
        "properties": {
            "report": STRING,
            "as_of": AS_OF,
            "next": {**NULLABLE_STRING, "description": "the next page, when there is one"},
            "results": {"type": "array", "items": ref(row)},
            **echo,
        },
    }


CUSTOMER_COLUMNS = {
    "customer_id": INTEGER,
    "user": STRING,
    "orders_count": INTEGER,
    "completed_orders": INTEGER,
    "cancelled_orders": INTEGER,
    "pending_orders": INTEGER,
    "total_revenue": NUMBER,
    "avg_order_value": NULLABLE_NUMBER,
    "first_order_at": DATETIME,
    "last_order_at": DATETIME,
    "revenue_rank": INTEGER,
}

SCHEMAS = {
    "CustomerRankingRow": _row(**CUSTOMER_COLUMNS),
    "CustomerLoyalRow": _row(
        **{
            name: CUSTOMER_COLUMNS[name]
            for name in (
                "customer_id",
                "user",
                "completed_orders",
                "total_revenue",
                "avg_order_value",
                "orders_count",
                "revenue_rank",
                "last_order_at",
            )
        }
    ),
    "CustomerStats": _row(
        **{name: column for name, column in CUSTOMER_COLUMNS.items() if name != "customer_id"},
        as_of=AS_OF,
    ),
    "ProductRow": _row(
        sku=STRING,
        name=STRING,
        units_sold=INTEGER,
        revenue=NUMBER,
        orders_count=INTEGER,
        revenue_rank=INTEGER,
        units_rank=INTEGER,
    ),
    "AlsoBoughtRow": _row(rank=INTEGER, sku=STRING, name=STRING, orders_together=INTEGER),
    "MonthlyRevenueRow": _row(
        month={"type": "string", "pattern": r"^\d{4}-\d{2}$"},
        orders_count=INTEGER,
        completed_orders=INTEGER,
        cancelled_orders=INTEGER,
        revenue=NUMBER,
        cumulative_revenue=NUMBER,
    ),
    "DailyRevenueRow": _row(
        day={"type": "string", "format": "date"},
        orders_count=INTEGER,
        completed_orders=INTEGER,
        cancelled_orders=INTEGER,
        revenue=NUMBER,
        avg_order_value=NULLABLE_NUMBER,
    ),
    "CancelledOrder": _row(
        order_number=STRING,
        user=STRING,
        created_at=DATETIME,
        total_amount=NUMBER,
        cancelled_at=DATETIME,
    ),
    "CancelledPage": {
        "type": "object",
        "required": ["count", "count_as_of", "next", "previous", "results"],
        "properties": {
            "count": {
                **NULLABLE_INTEGER,
                "description": "cancelled orders as of count_as_of (reports.status_counts)",
            },
            "count_as_of": AS_OF,
            "next": NULLABLE_STRING,
            "previous": NULLABLE_STRING,
            "next_cursor": NULLABLE_STRING,
            "results": {"type": "array", "items": ref("CancelledOrder")},
        },
    },
    "Freshness": _row(
        as_of=AS_OF,
        pending_changes={**INTEGER, "description": "committed changes not applied yet"},
        oldest_pending_at=NULLABLE_DATETIME,
        lag_seconds={**NUMBER, "description": "age of the oldest change not applied yet"},
        rebuild_required={"type": "boolean"},
        stale_after_seconds=NUMBER,
        stale={
            "type": "boolean",
            "description": "never built, a rebuild due, or lag_seconds > stale_after_seconds",
        },
    ),
    "ReportCatalog": {
        "type": "object",
        "required": ["freshness", "last_refresh", "last_attempt", "reports"],
        "properties": {
            "freshness": ref("Freshness"),
            "last_refresh": {"type": ["object", "null"]},
            "last_attempt": {"type": ["object", "null"]},
            "reports": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": [
                        "name",
                        "as_of",
                        "rows",
                        "pending_changes",
                        "lag_seconds",
                        "stale",
                        "endpoints",
                    ],
                    "properties": {
                        "name": STRING,
                        "description": NULLABLE_STRING,
                        "as_of": AS_OF,
                        "rows": INTEGER,
                        "pending_changes": INTEGER,
                        "lag_seconds": NUMBER,
                        "stale": {"type": "boolean"},
                        "endpoints": {"type": "array", "items": STRING},
                    },
                },
            },
        },
    },
    "Health": {
        "type": "object",
        "required": ["status", "database", "reports"],
        "properties": {
            "status": {"enum": ["ok", "degraded"]},
            "database": {"enum": ["ok"]},
            "reports": ref("Freshness"),
        },
    },
}


def _query(name: str, schema: dict, description: str = "", *, required: bool = False) -> dict:
    parameter = {"name": name, "in": "query", "required": required, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


FORMAT = _query("format", {"enum": ["json", "csv"]}, "csv streams every row (limit optional)")
BAD_PARAMETERS = problem("invalid query parameters, each with its pointer (/query/<name>)")
UNAUTHORIZED = problem("missing, unknown or revoked API key")
BOUND_KEY = problem("this report spans every customer: a key bound to one customer is refused")
UNAVAILABLE = problem("the database is unavailable or a query exceeded the statement timeout")


INT_MAX = 2**31 - 1


def _limit(cap: int) -> dict:
    schema = {"type": "integer", "minimum": 1, "maximum": INT_MAX}
    return _query("limit", schema, f"capped at {cap} in JSON")


def _list_operation(operation_id: str, summary: str, row_page: str, parameters: list) -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": [*parameters, FORMAT],
            "responses": {
                "200": {
                    "description": "OK (CSV: the X-Report-As-Of header carries as_of)",
                    "content": {
                        "application/json": {"schema": ref(row_page)},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
                "400": BAD_PARAMETERS,
                "401": UNAUTHORIZED,
                "403": BOUND_KEY,
                "503": UNAVAILABLE,
            },
        }
    }


def paths() -> dict:
    offset = _query("offset", {"type": "integer", "minimum": 0, "maximum": INT_MAX})
    day = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    month = {"type": "string", "pattern": r"^\d{4}-\d{2}$"}
    operations = {
        "/api/reports/customers/ranking": _list_operation(
            "customer_ranking",
            "Customers by revenue (DENSE_RANK)",
            "CustomerRankingPage",
            [_limit(CUSTOMERS_MAX_LIMIT), offset],
        ),
        "/api/reports/customers/loyal": _list_operation(
            "customer_loyal",
            "Customers with at least N Complete orders, with their total spent",
            "CustomerLoyalPage",
            [
                _query(
                    "min_completed_orders",
                    {"type": "integer", "minimum": 1, "maximum": INT_MAX},
                    "default 5",
                ),
                _limit(CUSTOMERS_MAX_LIMIT),
                offset,
            ],
        ),
        "/api/reports/products/top": _list_operation(
            "product_top",
            "Top products by revenue or units",
            "ProductPage",
            [_query("by", {"enum": ["revenue", "units"]}), _limit(PRODUCTS_MAX_LIMIT)],
        ),
        "/api/reports/products/{sku}/also-bought": _list_operation(
            "product_also_bought",
            "Customers who bought this product also bought these",
            "AlsoBoughtPage",
            [
                {"name": "sku", "in": "path", "required": True, "schema": STRING},
                _limit(ALSO_BOUGHT_MAX_LIMIT),
            ],
        ),
        "/api/reports/revenue/monthly": _list_operation(
            "revenue_monthly",
            "Revenue by month with the running total",
            "MonthlyRevenuePage",
            [_query("from", month, "YYYY-MM"), _query("to", month, "YYYY-MM")],
        ),
        "/api/reports/revenue/daily": _list_operation(
            "revenue_daily",
            "Daily order statistics (default: the last 31 days with data; at most 366 in JSON)",
            "DailyRevenuePage",
            [_query("from", day, "YYYY-MM-DD"), _query("to", day, "YYYY-MM-DD")],
        ),
        "/api/v1/orders/cancelled/": _list_operation(
            "orders_cancelled",
            "Cancelled orders, newest first, read live through the partial index",
            "CancelledPage",
            [
                _query("page", {"type": "integer", "minimum": 1, "maximum": INT_MAX}),
                _query(
                    "page_size",
                    {"type": "integer", "minimum": 1, "maximum": INT_MAX},
                    "capped at 200",
                ),
                _query("cursor", STRING, "keyset pages: empty to start, then next links"),
            ],
        ),
    }
    operations["/api/reports/products/{sku}/also-bought"]["get"]["responses"]["404"] = problem(
        "no such product"
    )
    operations["/api/v1/orders/cancelled/"]["get"]["responses"]["404"] = problem(
        "a page past the last one"
    )
    operations["/api/orders/stats"] = {
        "get": {
            "operationId": "customer_stats",
            "summary": "A customer's statistics (seed 003)",
            "parameters": [_query("user", {"type": "string", "minLength": 1}, required=True)],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": ref("CustomerStats")}},
                },
                "400": BAD_PARAMETERS,
                "401": UNAUTHORIZED,
                "403": problem("a key bound to another customer"),
                "404": problem("unknown customer, or no statistics yet"),
                "503": UNAVAILABLE,
            },
        }
    }
    operations["/api/reports/"] = {
        "get": {
            "operationId": "report_catalog",
            "summary": "Every report with its as_of, row count, last refresh and staleness",
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": ref("ReportCatalog")}},
                },
                "401": UNAUTHORIZED,
                "503": UNAVAILABLE,
            },
        }
    }
    operations["/healthz"] = {
        "get": {
            "operationId": "healthz",
            "summary": "Database reachable and every report fresh enough (no key)",
            "security": [],
            "responses": {
                "200": {
                    "description": "healthy",
                    "content": {"application/json": {"schema": ref("Health")}},
                },
                "503": {
                    "description": "a report is stale, or the database is unreachable",
                    "content": {
                        "application/json": {"schema": ref("Health")},
                        "application/problem+json": {"schema": ref("Problem")},
                    },
                },
            },
        }
    }
    return operations


SCHEMAS.update(
    {
        "CustomerRankingPage": _report(
            "CustomerRankingRow", limit=NULLABLE_INTEGER, offset=INTEGER
        ),
        "CustomerLoyalPage": _report(
            "CustomerLoyalRow",
            min_completed_orders=INTEGER,
            limit=NULLABLE_INTEGER,
            offset=INTEGER,
        ),
        "ProductPage": _report("ProductRow", by=STRING, limit=NULLABLE_INTEGER),
        "AlsoBoughtPage": _report("AlsoBoughtRow", sku=STRING, limit=NULLABLE_INTEGER),
        "MonthlyRevenuePage": _report(
            "MonthlyRevenueRow", **{"from": NULLABLE_STRING, "to": NULLABLE_STRING}
        ),
        "DailyRevenuePage": _report(
            "DailyRevenueRow", **{"from": NULLABLE_STRING, "to": NULLABLE_STRING}
        ),
    }
)
