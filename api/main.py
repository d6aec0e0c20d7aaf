"""The API: one NinjaAPI that every endpoint registers on, and its OpenAPI 3.1 document.

Served under /api/: the document at /api/openapi.json, Swagger UI at /api/docs (no CDN). The
error answers an operation can give follow from how it is declared (its key, query string and
body), so no endpoint restates them; `api.problems.problems(404, ...)` adds the rest.
"""

from __future__ import annotations

from ninja import NinjaAPI

from api.auth import ApiKeyAuth
from api.body import DecimalJsonRenderer, StrictJsonParser
from api.errors import HANDLERS
from api.problems import PROBLEM_SCHEMA, problem_document
from catalog.api import router as catalog_router
from currencies.api import router as rates_router
from orders.api import router as orders_router
from reports.api import router as reports_router
from reports.category_api import router as category_reports_router
from reports.customer_api import router as customer_reports_router
from reports.money_api import router as money_reports_router


class Api(NinjaAPI):
    def get_operation_url_name(self, operation, router) -> str:
        return operation.operation_id or operation.view_func.__name__

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document["components"].setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        operations = {
            operation.operation_id: operation
            for router in self._get_bound_routers()
            for path_view in router.path_operations.values()
            for operation in path_view.operations
        }
        for methods in document["paths"].values():
            for described in methods.values():
                for status in _implied(described, operations[described["operationId"]]):
                    described["responses"].setdefault(status, problem_document(status))
        return document


def _implied(described: dict, operation) -> set[int]:
    statuses = {401, 503}
    if any(parameter["in"] == "query" for parameter in described.get("parameters", [])):
        statuses.add(400)
    if "requestBody" in described:
        statuses |= {400, 413, 415, 422}
    if any(
        isinstance(auth, ApiKeyAuth) and (auth.write or auth.all_customers)
        for auth in operation.auth_callbacks
    ):
        statuses.add(403)
    return statuses


api = Api(
    title="Order reports API",
    version="1.0.0",
    description="Upload orders and status changes; read order reports. Every endpoint needs "
    "`Authorization: Bearer YOUR_KEY` (a key from `./manage create_api_key`). Errors are RFC 9457 "
    "application/problem+json, with a JSON pointer per invalid field.",
    urls_namespace="api",
    parser=StrictJsonParser(),
    renderer=DecimalJsonRenderer(),
)
for exception, handler in HANDLERS.items():
    api.add_exception_handler(exception, handler)
api.add_router("", reports_router)  # first: /api/orders/stats before /api/orders/{order_number}
api.add_router("", customer_reports_router)
api.add_router("", orders_router)
api.add_router("", catalog_router)
api.add_router("", rates_router)
api.add_router("", category_reports_router)
api.add_router("", money_reports_router)
