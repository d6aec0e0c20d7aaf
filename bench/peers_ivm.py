"""pg_ivm for bench.peers: build it from a source checkout, load it, and define its views.

pg_ivm registers transaction callbacks when its library loads, so its README asks for it in
`shared_preload_libraries` or `session_preload_libraries`. The first needs a server restart;
the second is set here with ALTER DATABASE on the benchmark's own copy only, so the server's
configuration is never touched (nothing to restore) and other databases never load it. The copy
is dropped at the end, and the setting with it.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from project.sqlfiles import read_sql

PG_CONFIG = "/usr/lib/postgresql/15/bin/pg_config"
ERROR_NO_SOURCE = (
    "{path} is not a pg_ivm source checkout (no pg_ivm.control): get one with "
    "`git clone --branch v1.15 https://github.com/sraoss/pg_ivm` or a release tarball"
)
ERROR_BUILD = "building pg_ivm failed ({command}):\n{output}"

# The views pg_ivm maintains in the benchmark: (name, SQL file of what it accepts).
IMMVS = (
    ("peers_customer_stats", "peers_immv_customer_stats.sql"),
    ("peers_product_sales", "peers_immv_product_sales.sql"),
)
# The project's report definitions offered to create_immv as they are, to record its refusals.
DEFINITIONS = (
    "customer_stats",
    "product_sales",
    "status_counts",
    "daily_order_stats",
    "monthly_revenue",
    "also_bought_pair",
)

# One construct each, as our definitions use them, offered to create_immv on its own.
FEATURES = (
    (
        "aggregate FILTER",
        "SELECT customer_id, count(*) FILTER (WHERE current_status = 'Complete') AS n "
        "FROM orders_order GROUP BY customer_id",
    ),
    (
        "aggregate over LEFT JOIN",
        "SELECT c.id, count(o.id) AS n FROM orders_customer AS c "
        "LEFT JOIN orders_order AS o ON o.customer_id = c.id GROUP BY c.id",
    ),
    (
        "window function (ranks)",
        "SELECT id, dense_rank() OVER (ORDER BY total_amount DESC) AS r FROM orders_order",
    ),
    (
        "count(DISTINCT)",
        "SELECT sku, count(DISTINCT order_id) AS n FROM orders_orderitem GROUP BY sku",
    ),
    (
        "ORDER BY / LIMIT (top-N)",
        "SELECT sku, sum(quantity) AS n FROM orders_orderitem GROUP BY sku "
        "ORDER BY 2 DESC LIMIT 10",
    ),
    (
        "expression around aggregates",
        "SELECT customer_id, round(sum(total_amount) / count(*), 2) AS avg "
        "FROM orders_order GROUP BY customer_id",
    ),
    (
        "aggregate in a subquery",
        "SELECT s.customer_id, s.n FROM (SELECT customer_id, count(*) AS n FROM orders_order "
        "GROUP BY customer_id) AS s",
    ),
)


@dataclass(frozen=True)
class Acceptance:
    report: str
    accepted: bool
    error: str


def pg_ivm_build(*, source: Path, pg_config: str = PG_CONFIG, log=print) -> str:
    """make && make install with PGXS; returns the version the control file declares."""
    control = source / "pg_ivm.control"
    if not control.exists():
        raise RuntimeError(ERROR_NO_SOURCE.format(path=source))
    for target in ([], ["install"]):
        command = ["make", "USE_PGXS=1", f"PG_CONFIG={pg_config}", *target]
        log(f"peers: {' '.join(command)} in {source}")
        done = subprocess.run(  # noqa: S603 (fixed argv, no shell)
            command, cwd=source, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise RuntimeError(
                ERROR_BUILD.format(command=" ".join(command), output=done.stderr[-3000:])
            )
    for line in control.read_text().splitlines():
        if line.startswith("default_version"):
            return line.split("=", 1)[1].strip().strip("'")
    return "?"


def pg_ivm_load(conn: psycopg.Connection, *, database: str) -> None:
    """CREATE EXTENSION and preload the library for every new session of `database`."""
    with conn.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_ivm")
        cursor.execute(
            sql.SQL("ALTER DATABASE {} SET session_preload_libraries = 'pg_ivm'").format(
                sql.Identifier(database)
            )
        )


def _create_immv(cursor, name: str, definition: str) -> None:
    cursor.execute("SELECT pgivm.create_immv(%s, %s)", [name, definition])


def immvs_create(conn: psycopg.Connection, *, log=print) -> None:
    with conn.cursor() as cursor:
        for name, file in IMMVS:
            log(f"peers: create_immv {name}")
            _create_immv(cursor, name, read_sql("bench", file))


def immvs_drop(conn: psycopg.Connection) -> None:
    with conn.cursor() as cursor:
        for name, _file in IMMVS:
            cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))


def _offer(conn: psycopg.Connection, label: str, definition: str) -> Acceptance:
    """create_immv of `definition`, rolled back whatever happens (an accepted one is built)."""
    try:
        with conn.transaction(force_rollback=True), conn.cursor() as cursor:
            _create_immv(cursor, "peers_try", definition)
        return Acceptance(label, True, "")
    except psycopg.Error as error:
        return Acceptance(label, False, (error.diag.message_primary or str(error)).strip())


def definitions_offer(conn: psycopg.Connection) -> list[Acceptance]:
    """Each report's own definition, then each construct alone, offered to create_immv."""
    results = [
        _offer(
            conn,
            f"reports.{report} (its definition)",
            read_sql("reports", f"definition_{report}.sql"),
        )
        for report in DEFINITIONS
    ]
    return results + [_offer(conn, label, definition) for label, definition in FEATURES]
