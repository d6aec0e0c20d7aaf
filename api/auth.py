"""Bearer API keys: who may call an endpoint, with which scope, for which customers.

`read_key` admits any active key; `write_key` needs the write scope; `all_customers_key`
refuses keys bound to one customer (the reports that span every customer). The key is
`request.auth` (and `request.api_key`) in the endpoint.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from api.problems import Problem
from orders.api_keys import api_key_authenticate
from orders.models import ApiKey

ERROR_NO_KEY = (
    "Send an API key as 'Authorization: Bearer <key>' (how to get one: the landing page, /). "
    "To look at the reports in a browser, open /dashboard/ (staff login)."
)
ERROR_BAD_KEY = "The API key is unknown or revoked."
ERROR_READ_ONLY_KEY = "This API key has the read scope; this endpoint needs a write key."
ERROR_BOUND_KEY = (
    "This API key is bound to one customer; this report spans every customer and needs an "
    "API key that is not bound to a customer."
)
ERROR_OTHER_CUSTOMER = "This API key is bound to another customer."
CHALLENGE = {"WWW-Authenticate": "Bearer"}


class ApiKeyAuth(HttpBearer):
    def __init__(self, *, write: bool = False, all_customers: bool = False) -> None:
        super().__init__()
        self.write = write
        self.all_customers = all_customers

    def __call__(self, request: HttpRequest) -> ApiKey:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            raise Problem(401, ERROR_NO_KEY, headers=CHALLENGE)
        return self.authenticate(request, presented.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey:
        key = api_key_authenticate(presented=token)
        if key is None:
            raise Problem(401, ERROR_BAD_KEY, headers=CHALLENGE)
        if self.write and not key.can_write:
            raise Problem(403, ERROR_READ_ONLY_KEY)
        if self.all_customers and key.customer_id is not None:
            raise Problem(403, ERROR_BOUND_KEY)
        request.api_key = key
        return key


def require_customer(request: HttpRequest, username: str) -> None:
    """A key bound to a customer reads and writes that customer's data only."""
    bound = request.api_key.customer
    if bound is not None and bound.username != username:
        raise Problem(403, ERROR_OTHER_CUSTOMER)


read_key = ApiKeyAuth()
write_key = ApiKeyAuth(write=True)
all_customers_key = ApiKeyAuth(all_customers=True)
