"""API keys: `ok_<prefix>_<secret>`, looked up by prefix, compared by digest in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import connection, transaction
from django.utils import timezone

from orders.models import ApiKey, Customer
from project.sqlfiles import run_sql

KEY_PREFIX_BYTES = 6
KEY_SECRET_BYTES = 24
# last_used_at is stamped at most once this often a key: one write a minute, not one a request.
LAST_USED_EVERY_SECONDS = 60

ERROR_KEY_NAME_TAKEN = "An API key named {name!r} already exists."
ERROR_UNKNOWN_KEY_NAME = "No active API key is named {name!r}."
ERROR_UNKNOWN_CUSTOMER = "No customer is named {username!r}."
ERROR_MALFORMED_KEY = "Not an API key (ok_<prefix>_<secret>)."
ERROR_KEY_PREFIX_TAKEN = "Another API key has the prefix of this one."


class ApiKeyError(Exception):
    pass


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_parts(presented: str) -> tuple[str, str] | None:
    """(prefix, secret) of a string shaped like our keys, else None."""
    parts = presented.split("_", 2)  # the secret itself may contain "_"
    if len(parts) != 3 or parts[0] != "ok" or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


@transaction.atomic
def api_key_create(
    *,
    name: str,
    scope: str,
    customer_username: str | None = None,
    plaintext: str | None = None,
) -> str:
    """Create a key and return its plaintext, which is never stored and cannot be shown again.

    `plaintext` stores a key issued before instead of a new one (the local demo keeps its key in
    .local/ and gives a new database the same key).
    """
    if ApiKey.objects.filter(name=name).exists():
        raise ApiKeyError(ERROR_KEY_NAME_TAKEN.format(name=name))
    customer = None
    if customer_username is not None:
        customer = Customer.objects.filter(username=customer_username).first()
        if customer is None:
            raise ApiKeyError(ERROR_UNKNOWN_CUSTOMER.format(username=customer_username))
    if plaintext is None:
        prefix = secrets.token_hex(KEY_PREFIX_BYTES)
        secret = secrets.token_urlsafe(KEY_SECRET_BYTES)
    else:
        parts = api_key_parts(plaintext)
        if parts is None or len(parts[0]) > ApiKey._meta.get_field("prefix").max_length:
            raise ApiKeyError(ERROR_MALFORMED_KEY)
        prefix, secret = parts
        if ApiKey.objects.filter(prefix=prefix).exists():
            raise ApiKeyError(ERROR_KEY_PREFIX_TAKEN)
    ApiKey.objects.create(
        name=name, prefix=prefix, digest=_digest(secret), scope=scope, customer=customer
    )
    return f"ok_{prefix}_{secret}"


def api_key_revoke(*, name: str) -> None:
    revoked = ApiKey.objects.filter(name=name, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not revoked:
        raise ApiKeyError(ERROR_UNKNOWN_KEY_NAME.format(name=name))


def api_key_authenticate(*, presented: str) -> ApiKey | None:
    """The active key matching `presented`, or None. Never logs or stores the presented value."""
    parts = api_key_parts(presented)
    if parts is None:
        return None
    prefix, secret = parts
    # Plain statements: on the hot path of every request, the ORM's compile cost more than
    # the query. The customer (bound keys only) is loaded when first used.
    with connection.cursor() as cursor:
        params = {"prefix": prefix, "touch_seconds": LAST_USED_EVERY_SECONDS}
        row = run_sql(cursor, "orders", "api_key_authenticate.sql", params).fetchone()
        if row is None or not hmac.compare_digest(row[2], _digest(secret)):
            return None
        pk, name, digest, scope, customer_id, stale = row
        if stale:
            cursor.execute("UPDATE orders_apikey SET last_used_at = now() WHERE id = %s", [pk])
    return ApiKey(
        pk=pk, name=name, prefix=prefix, digest=digest, scope=scope, customer_id=customer_id
    )
