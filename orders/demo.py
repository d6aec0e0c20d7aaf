"""The local demo's credentials (`make run`): kept across runs, new only when asked for.

The admin password and the `demo` API key are stored in plain text in `.local/` (git-ignored,
mode 0600), because the database keeps only their hashes and `make run` prints them on every
start. A second `make run` therefore prints the same credentials, and a server already running
keeps accepting them; `--rotate` (`make run ROTATE=1`) makes new ones.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from orders.api_keys import api_key_authenticate, api_key_create, api_key_parts
from orders.models import ApiKey, ApiKeyScope

DEMO_ADMIN = "admin"
DEMO_KEY_NAME = "demo"
CREDENTIALS_FILE = Path(settings.BASE_DIR) / ".local" / "demo_credentials.json"
# Two `make run` started at once agree on one set of credentials (pg_advisory_xact_lock).
DEMO_LOCK_KEY = 0x64656D6F  # "demo"

ERROR_ADDRESS_IN_USE = (
    "A server is already up on {host}:{port} (an earlier `make run`?). Nothing was changed: "
    "the demo's admin password and API key stay as they were.\n"
    "  - To start another demo beside it, pick another port: make run PORT={next_port}\n"
    "  - {credentials}\n"
    "  - To stop a demo, press Ctrl+C in the terminal where `make run` serves it."
)
CREDENTIALS_KEPT = (
    "The demo's admin user, password and API key are in {path} (and in the banner that "
    "`make run` printed as it started)."
)
CREDENTIALS_NONE = "No demo credentials are kept yet ({path} does not exist)."
ERROR_ADDRESS_UNUSABLE = "Cannot serve on {host}:{port}: {reason}. Nothing was changed."


@dataclass(frozen=True)
class DemoCredentials:
    admin_username: str
    admin_password: str
    api_key: str
    created: bool  # made by this run (first run, --rotate, or an unreadable file)
    path: Path


def demo_address_problem(*, host: str, port: int) -> str | None:
    """Why a server could not listen on host:port (one is already there?), or None if it can.

    Binds the way gunicorn does (SO_REUSEADDR, so a port in TIME_WAIT counts as free) and lets go
    at once: a socket bound there, listening or not, makes the bind fail.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as error:
        return ERROR_ADDRESS_UNUSABLE.format(host=host, port=port, reason=error)
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                kept = CREDENTIALS_KEPT if CREDENTIALS_FILE.exists() else CREDENTIALS_NONE
                return ERROR_ADDRESS_IN_USE.format(
                    host=host,
                    port=port,
                    next_port=port + 1,
                    credentials=kept.format(path=CREDENTIALS_FILE),
                )
            reason = error.strerror or str(error)
            return ERROR_ADDRESS_UNUSABLE.format(host=host, port=port, reason=reason)
    return None


@transaction.atomic
def demo_credentials_ensure(*, rotate: bool = False) -> DemoCredentials:
    """The demo admin (staff, superuser) and `demo` write key, as stored in CREDENTIALS_FILE.

    Without `rotate`, the stored credentials are made to work in this database (a new database
    gets the same password and key) and nothing else changes. New ones are made with `rotate`,
    on the first run, and for a key that was revoked.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DEMO_LOCK_KEY])
    stored = None if rotate else _credentials_read()
    password = stored["admin_password"] if stored else secrets.token_urlsafe(12)
    key = stored["api_key"] if stored else None
    key = _demo_key_ensure(key)
    _demo_admin_ensure(password)
    created = stored is None or key != stored["api_key"]
    if created:
        _credentials_write({"admin_password": password, "api_key": key})
    return DemoCredentials(
        admin_username=DEMO_ADMIN,
        admin_password=password,
        api_key=key,
        created=created,
        path=CREDENTIALS_FILE,
    )


def _demo_key_ensure(key: str | None) -> str:
    """`key` when it is (or can be made) this database's active demo key, else a new key."""
    if key is not None:
        current = api_key_authenticate(presented=key)
        if (
            current is not None
            and current.name == DEMO_KEY_NAME
            and current.scope == ApiKeyScope.WRITE
            and current.customer_id is None
        ):
            return key
        parts = api_key_parts(key)
        # A key this database never saw (a new database) is given it; a revoked one (its row
        # is kept, so its prefix is taken) is never brought back.
        if current is None and parts and not ApiKey.objects.filter(prefix=parts[0]).exists():
            ApiKey.objects.filter(name=DEMO_KEY_NAME).delete()
            return api_key_create(name=DEMO_KEY_NAME, scope=ApiKeyScope.WRITE, plaintext=key)
    ApiKey.objects.filter(name=DEMO_KEY_NAME).delete()
    return api_key_create(name=DEMO_KEY_NAME, scope=ApiKeyScope.WRITE)


def _demo_admin_ensure(password: str) -> None:
    user, _ = get_user_model().objects.get_or_create(
        username=DEMO_ADMIN, defaults={"is_staff": True, "is_superuser": True}
    )
    if not (user.is_active and user.is_staff and user.is_superuser):
        user.is_active = user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_active", "is_staff", "is_superuser"])
    if not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])


def _credentials_read() -> dict | None:
    try:
        stored = json.loads(CREDENTIALS_FILE.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict):
        return None
    if not all(isinstance(stored.get(k), str) and stored[k] for k in ("admin_password", "api_key")):
        return None
    return stored


def _credentials_write(values: dict) -> None:
    """Replace the file whole (never half-written), readable by its owner only."""
    CREDENTIALS_FILE.parent.mkdir(parents=True, exist_ok=True)
    document = {"admin_username": DEMO_ADMIN, **values}
    handle, temporary = tempfile.mkstemp(dir=CREDENTIALS_FILE.parent, prefix=".demo_credentials")
    try:
        with os.fdopen(handle, "w") as file:  # mkstemp creates it with mode 0600
            json.dump(document, file, indent=2)
            file.write("\n")
        os.replace(temporary, CREDENTIALS_FILE)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
