"""OpenAPI 3.1 description of the order endpoints (assembled by project/openapi.py)."""

from __future__ import annotations

from orders.upload_validation import (
    MAX_ITEMS,
    MAX_ORDERS,
    MAX_PRICE,
    MAX_QUANTITY,
    MAX_TOTAL,
    STATUS_ALIASES,
)

STATUSES = ["Pending", "Complete", "Cancelled"]


def _any_case(words: list[str]) -> str:
    """A regex accepting each word in any letter case, as the API does (JSON Schema has no /i)."""
    alternatives = [
        "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word) for word in words
    ]
    return r"^\s*(" + "|".join(alternatives) + r")\s*$"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def problem(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": ref("Problem")}},
    }


def json_body(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
NON_BLANK = r"\S"
STATUS_INPUT = {
    "type": "string",
    "pattern": _any_case(sorted(STATUS_ALIASES)),
    "description": "Pending/Complete/Cancelled in any case, or an alias: "
    + ", ".join(f"{alias} → {status}" for alias, status in sorted(STATUS_ALIASES.items())),
    "examples": ["delivered"],
}


def _money(maximum) -> dict:
    return {"type": "number", "minimum": 0, "maximum": float(maximum), "multipleOf": 0.01}


def _text(max_length: int) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": NON_BLANK}


SCHEMAS = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["pointer", "detail"],
                    "properties": {
                        "pointer": {"type": "string", "description": "JSON pointer (RFC 6901)"},
                        "detail": {"type": "string"},
                    },
                },
            },
        },
    },
    "UploadItem": {
        "type": "object",
        "required": ["sku", "name", "quantity", "price"],
        "properties": {
            "sku": _text(50),
            "name": _text(255),
            "quantity": {"type": "integer", "minimum": 1, "maximum": MAX_QUANTITY},
            "price": _money(MAX_PRICE),
        },
    },
    "UploadOrder": {
        "type": "object",
        "description": "Unknown fields are ignored.",
        "required": ["order_number", "created_at", "total_amount", "status", "items"],
        "properties": {
            "order_number": _text(50),
            "created_at": DATETIME,
            "total_amount": _money(MAX_TOTAL),
            "status": STATUS_INPUT,
            "status_at": {
                **DATETIME,
                "description": "when the status happened (not before created_at); "
                "default: the time of the request",
            },
            "items": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_ITEMS,
                "items": ref("UploadItem"),
            },
        },
    },
    "Upload": {
        "type": "object",
        "required": ["user", "orders"],
        "properties": {
            "user": _text(50),
            "orders": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_ORDERS,
                "description": "order numbers must be unique within one upload",
                "items": ref("UploadOrder"),
            },
        },
    },
    "UploadResult": {
        "type": "object",
        "required": ["user", "received", "created", "updated", "unchanged", "status_changes"],
        "properties": {
            "user": {"type": "string"},
            **{
                name: {"type": "integer", "minimum": 0}
                for name in ("received", "created", "updated", "unchanged", "status_changes")
            },
        },
    },
    "StatusChange": {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": STATUS_INPUT,
            "created": {**NULLABLE_DATETIME, "description": "when; absent or null: now"},
        },
    },
    "StatusChangeResult": {
        "type": "object",
        "required": ["order_number", "status", "created", "current_status", "current_status_at"],
        "properties": {
            "order_number": {"type": "string"},
            "status": {"enum": STATUSES},
            "created": DATETIME,
            "current_status": {"enum": STATUSES},
            "current_status_at": DATETIME,
        },
    },
    "Order": {
        "type": "object",
        "required": [
            "order_number",
            "user",
            "created_at",
            "total_amount",
            "current_status",
            "current_status_at",
            "items",
            "status_history",
        ],
        "properties": {
            "order_number": {"type": "string"},
            "user": {"type": "string"},
            "created_at": DATETIME,
            "total_amount": {"type": "number"},
            "current_status": {"enum": [*STATUSES, None]},
            "current_status_at": NULLABLE_DATETIME,
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["sku", "name", "quantity", "price"],
                    "properties": {
                        "sku": {"type": "string"},
                        "name": {"type": "string"},
                        "quantity": {"type": "integer"},
                        "price": {"type": "number"},
                    },
                },
            },
            "status_history": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["status", "created"],
                    "properties": {"status": {"enum": STATUSES}, "created": DATETIME},
                },
            },
        },
    },
}

SEED_003_EXAMPLE = {
    "user": "test_seller",
    "orders": [
        {
            "order_number": "12345",
            "created_at": "2025-11-12T10:00:00Z",
            "total_amount": 2500.00,
            "status": "delivered",
            "items": [
                {"sku": "tea01", "name": "Чай зелёный", "quantity": 2, "price": 500},
                {"sku": "cup01", "name": "Чашка фарфоровая", "quantity": 1, "price": 1500},
            ],
        }
    ],
}

ORDER_NUMBER = {
    "name": "order_number",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 50},
}
UNAUTHORIZED = problem("missing, unknown or revoked API key")
UNAVAILABLE = problem("the database is unavailable or a query exceeded the statement timeout")


def paths() -> dict:
    return {
        "/api/orders/upload": {
            "post": {
                "operationId": "orders_upload",
                "summary": "Create or update a customer's orders (idempotent, all or nothing)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": ref("Upload"),
                            "examples": {"seed_003": {"value": SEED_003_EXAMPLE}},
                        }
                    },
                },
                "responses": {
                    "200": json_body(ref("UploadResult")),
                    "400": problem("not JSON, invalid UTF-8, or not an object"),
                    "401": UNAUTHORIZED,
                    "403": problem("read-only key, or a key bound to another customer"),
                    "409": problem("an order number belongs to another customer"),
                    "413": problem("body over 10 MB"),
                    "415": problem("not application/json"),
                    "422": problem("invalid fields, each with its JSON pointer"),
                    "503": UNAVAILABLE,
                },
            }
        },
        "/api/orders/{order_number}/status": {
            "post": {
                "operationId": "order_status_add",
                "summary": "Append a status to an order's history (payment webhook)",
                "parameters": [ORDER_NUMBER],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": ref("StatusChange"),
                            "examples": {"refund": {"value": {"status": "refunded"}}},
                        }
                    },
                },
                "responses": {
                    "201": json_body(ref("StatusChangeResult"), "Recorded"),
                    "400": problem("not JSON, invalid UTF-8, or not an object"),
                    "401": UNAUTHORIZED,
                    "403": problem("read-only key"),
                    "404": problem("no such order (for a key bound to a customer: none of its)"),
                    "413": problem("a body over 10 MB"),
                    "415": problem("not application/json"),
                    "422": problem("invalid fields, or a time before the order or in the future"),
                    "503": UNAVAILABLE,
                },
            }
        },
        "/api/orders/{order_number}": {
            "get": {
                "operationId": "order_get",
                "summary": "An order with its items, status history and current status",
                "parameters": [ORDER_NUMBER],
                "responses": {
                    "200": json_body(ref("Order")),
                    "401": UNAUTHORIZED,
                    "404": problem("no such order (for a key bound to a customer: none of its)"),
                    "503": UNAVAILABLE,
                },
            }
        },
    }
