"""Direct SQL access for BI tools: LOGIN roles that are members of this database's reader role.

The reader role (`reports_reader_<database>`, reports.roles; created by migration reports.0005)
can CONNECT to this database only and has USAGE on schema reports and SELECT on its views,
nothing else. A BI user inherits exactly that, and its role defaults bound what one
dashboard can cost: a statement timeout, read-only transactions, a connection limit.
Read-only transactions are a default a session may change; the privileges are the boundary.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from django.db import connection, transaction
from psycopg import sql

from reports.roles import READER_ROLE_PREFIX, reader_role

ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
PASSWORD_BYTES = 24
# A server listening on every address is reached from this machine on its loopback.
LOOPBACK_FOR_WILDCARD = {"*": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}  # noqa: S104

ERROR_BAD_NAME = (
    "{name!r} is not a valid role name: use 1-63 lowercase letters, digits and underscores, "
    "not starting with a digit."
)
ERROR_ROLE_EXISTS = "A role named {name!r} already exists in this PostgreSQL cluster."
ERROR_RESERVED_NAME = (
    "{name!r} is reserved: names starting with {prefix!r} are the reader roles of databases."
)
ERROR_NO_READER_ROLE = (
    "The reader role {role!r} of this database does not exist: run `./manage migrate`."
)


class BiUserError(Exception):
    pass


@dataclass(frozen=True)
class BiUser:
    name: str
    password: str
    url: str
    reader_role: str

    @property
    def socket_only(self) -> bool:
        """The server has no TCP listener: the URL names its Unix socket directory."""
        return "@/" in self.url


def _listen_address() -> str | None:
    """Where a client on this machine reaches the server over TCP; None: Unix socket only."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('listen_addresses')")
        (addresses,) = cursor.fetchone()
    first = addresses.split(",")[0].strip()
    return LOOPBACK_FOR_WILDCARD.get(first, first) or None


def _connection_url(*, name: str, password: str, host: str | None, port: str | None) -> str:
    """A `postgresql://` URL: libpq's own scheme, which psql, SQLAlchemy (as
    `postgresql+<driver>://`) and Metabase's connection-string field all read.
    SQLAlchemy refuses `postgres://`."""
    settings = connection.settings_dict
    host = host or settings.get("HOST") or "localhost"
    port = port or str(settings.get("PORT") or "")
    socket_directory = None
    if host.startswith("/"):  # the app uses a Unix socket (the embedded PostgreSQL): its TCP
        socket_directory, host = host, _listen_address()  # listener, if it has one
    database = quote(settings["NAME"], safe="")
    credentials = f"{quote(name, safe='')}:{quote(password, safe='')}"
    if host is None:
        query = f"host={quote(socket_directory, safe='/')}" + (f"&port={port}" if port else "")
        return f"postgresql://{credentials}@/{database}?{query}"
    address = f"[{host}]" if ":" in host else host
    return f"postgresql://{credentials}@{address}{':' + port if port else ''}/{database}"


@transaction.atomic
def bi_user_create(
    *,
    name: str,
    statement_timeout: str = "30s",
    connection_limit: int = 5,
    host: str | None = None,
    port: str | None = None,
) -> BiUser:
    """Create a LOGIN role in this database's reader role with a generated password; return
    its URL."""
    if not ROLE_NAME.fullmatch(name):
        raise BiUserError(ERROR_BAD_NAME.format(name=name))
    password = secrets.token_urlsafe(PASSWORD_BYTES)
    role = sql.Identifier(name)
    with connection.cursor() as cursor:
        reader = reader_role(cursor)
        cursor.execute("SELECT rolname FROM pg_roles WHERE rolname IN (%s, %s)", [name, reader])
        existing = {row[0] for row in cursor.fetchall()}
        if name in existing:
            raise BiUserError(ERROR_ROLE_EXISTS.format(name=name))
        if name.startswith(READER_ROLE_PREFIX):
            raise BiUserError(ERROR_RESERVED_NAME.format(name=name, prefix=READER_ROLE_PREFIX))
        if reader not in existing:
            raise BiUserError(ERROR_NO_READER_ROLE.format(role=reader))
        # Only a SCRAM verifier reaches the server (and its logs), never the password.
        verifier = connection.connection.pgconn.encrypt_password(
            password.encode(), name.encode(), b"scram-sha-256"
        ).decode()
        cursor.execute(
            sql.SQL(
                "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                "CONNECTION LIMIT %s PASSWORD %s IN ROLE {}"
            ).format(role, sql.Identifier(reader)),
            [connection_limit, verifier],
        )
        for setting, value in (
            ("statement_timeout", statement_timeout),
            ("default_transaction_read_only", "on"),
            ("idle_in_transaction_session_timeout", "5min"),
            ("search_path", "reports"),
        ):
            cursor.execute(
                sql.SQL("ALTER ROLE {} SET {} = %s").format(role, sql.Identifier(setting)),
                [value],
            )
    url = _connection_url(name=name, password=password, host=host, port=port)
    return BiUser(name=name, password=password, url=url, reader_role=reader)
