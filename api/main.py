"""The API: one NinjaAPI that every endpoint registers on, and its OpenAPI 3.1 document.

Served under /api/: the document at /api/openapi.json, interactive docs at /api/docs (Swagger
UI from the installed package's static files, no CDN). The error answers every operation can
give follow from how it is declared (its key, its query string, its body), so the document
lists them without each endpoint restating them; `api.problems.problems(404, ...)` adds the
rest.
"""

from __future__ import annotations

from ninja import NinjaAPI

from api.auth import ApiKeyAuth
from api.body import DecimalJsonRenderer, StrictJsonParser
from api.errors import HANDLERS
from api.problems import PROBLEM_SCHEMA, problem_document

DESCRIPTION = (
    "Upload orders and status changes; read order reports. Every endpoint needs "
    "'Authorization: Bearer <key>' (python manage.py create_api_key). Errors are RFC 9457 "
    "application/problem+json, with a JSON pointer per invalid field."
)


class Api(NinjaAPI):
    def get_operation_url_name(self, operation, router) -> str:
        return operation.operation_id or operation.view_func.__name__

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document["components"].setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        operations = {op.operation_id: op for op in self._operations()}
        for methods in document["paths"].values():
            for described in methods.values():
                statuses = _implied(described, operations[described["operationId"]])
                for status in statuses:
                    described["responses"].setdefault(status, problem_document(status))
        return document

    def _operations(self):
        for router in self._get_bound_routers():
            for path_view in router.path_operations.values():
                yield from path_view.operations


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
    description=DESCRIPTION,
    urls_namespace="api",
    parser=StrictJsonParser(),
    renderer=DecimalJsonRenderer(),
)
for exception, handler in HANDLERS.items():
    api.add_exception_handler(exception, handler)


def _register() -> None:
    from orders.api import router as orders
    from reports.api import router as reports

    api.add_router("", reports)  # first: /api/orders/stats before /api/orders/{order_number}
    api.add_router("", orders)


_register()
