"""The OpenAPI 3.1 document of the whole API, served at /api/openapi.json (no key needed)."""

from __future__ import annotations

import functools

from django.http import HttpRequest

from orders import openapi as orders_openapi
from reports import openapi as reports_openapi


@functools.cache
def openapi_document() -> dict:
    sections = [orders_openapi, reports_openapi]
    paths: dict = {}
    schemas: dict = {}
    for section in sections:
        paths.update(section.paths())
        schemas.update(section.SCHEMAS)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Order reports API",
            "version": "1.0.0",
            "description": "Upload orders and status changes; read order reports. Every "
            "endpoint needs 'Authorization: Bearer <key>' (python manage.py create_api_key). "
            "Errors are RFC 9457 application/problem+json.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"apiKey": []}],
    }


def openapi_view(request: HttpRequest):
    from orders.http import json_response

    response = json_response(openapi_document())
    response["Cache-Control"] = "public, max-age=300"
    return response
