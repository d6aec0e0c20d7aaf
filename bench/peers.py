"""The peer benchmark (issue 20 item 1): the same small writes under no maintenance, this
project's change capture without and with its follower, and pg_ivm's immediate views.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres DJANGO_DEMO=1 \\
        python -m bench.peers --pg-ivm-source /tmp/pg_ivm-src --seconds 30 --clients 1,8,32 \\
        --output /tmp/peers.md

pg_ivm's source: `git clone --branch v1.15 https://github.com/sraoss/pg_ivm /tmp/pg_ivm-src`
(or a release tarball from https://github.com/sraoss/pg_ivm/releases). It is built against
Debian's server headers (`apt-get install -y postgresql-server-dev-15`) with
`make USE_PGXS=1 && make USE_PGXS=1 install` (this needs write access to PostgreSQL's lib and
extension directories: run as root on the database host). `--pg-ivm-source ''` skips pg_ivm.

It works on a copy of a prepared dataset (`bench_orders_1m`: bench/datasets.py), made with
CREATE DATABASE ... TEMPLATE and dropped at the end. The modes run in this order on that copy:
no maintenance, the follower, capture without the follower (its log is left to grow), pg_ivm.
It is a benchmark, not a test: CI does not build pg_ivm.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from bench import peers_ivm
from bench.peers_format import report_markdown
from bench.peers_workload import (
    Cell,
    DepthSampler,
    Follower,
    Probe,
    change_log_depth,
    connect,
    latency_fill,
    pgbench_run,
)
from project.sqlfiles import BASE_DIR, run_sql

MODES = ("none", "follower", "capture", "pg_ivm")  # the order they run in
PROBE_CUSTOMER = "peers-probe"
COPY_ATTEMPTS = 30
DRAIN_LIMIT_S = 120.0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.peers", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--pg-ivm-source", required=True, type=str, help="pg_ivm source checkout")
    parser.add_argument("--pg-config", default=peers_ivm.PG_CONFIG)
    parser.add_argument("--dataset", default="bench_orders_1m", help="the template database")
    parser.add_argument("--seconds", type=int, default=30, help="per cell")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--probe-every", type=float, default=0.1, help="s between probe commits")
    parser.add_argument("--poll", type=float, default=0.005, help="s between freshness polls")
    parser.add_argument("--follow-interval", type=float, default=None, help="the follower's")
    parser.add_argument("--output", type=Path, default=None, help="also write the table here")
    parser.add_argument(
        "--pool-size",
        type=int,
        default=0,
        help="writers through PgBouncer (transaction mode) with this many server connections; "
        "0: straight to the server",
    )
    return parser.parse_args(argv)


def _url(params: dict, database: str) -> str:
    password = f":{quote(params['password'], safe='')}" if params.get("password") else ""
    port = params.get("port") or 5432
    return (
        f"postgres://{quote(params['user'], safe='')}{password}@{params['host']}:{port}/{database}"
    )


def _copy_create(admin: psycopg.Connection, *, name: str, template: str, log) -> None:
    statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
        sql.Identifier(name), sql.Identifier(template)
    )
    for attempt in range(COPY_ATTEMPTS):
        try:
            admin.execute(statement)
            return
        except psycopg.errors.ObjectInUse:  # someone is connected to the template: retry
            log(f"peers: {template} in use, retrying ({attempt + 1})")
            time.sleep(2)
    raise RuntimeError(f"{template} stayed in use; no copy made")


def _cell(args, *, mode: str, clients: int, conninfo: str, params: dict, setup: dict, log) -> Cell:
    cell = Cell(mode=mode, clients=clients)
    capture = mode in ("capture", "follower")
    variables = {k: setup[k] for k in ("max_order", "max_customer", "max_sku")}
    follower = probe = sampler = None
    if mode == "follower":
        follower = Follower(url=_url(params, params["dbname"]), interval_s=args.follow_interval)
        with connect(conninfo) as conn, conn.cursor() as cursor:
            follower.start(cursor)
        probe = Probe(
            conninfo=conninfo,
            capture=True,
            customer=setup["probe_customer"],
            covered=_as_of_covers,
            every_s=args.probe_every,
            poll_s=args.poll,
        )
    elif mode == "pg_ivm":
        with connect(conninfo, capture=False) as conn, conn.cursor() as cursor:
            base = _probe_orders(cursor, setup["probe_customer"])
        probe = Probe(
            conninfo=conninfo,
            capture=False,
            customer=setup["probe_customer"],
            covered=lambda cursor, _at, count: (
                _probe_orders(cursor, setup["probe_customer"]) >= base + count
            ),
            every_s=args.probe_every,
            poll_s=args.poll,
        )
    if capture:
        sampler = DepthSampler(conninfo=conninfo)
        sampler.start()
    outcome: dict = {}

    pooler = _pooler_start(params, pool_size=args.pool_size, capture=capture)
    writers = params if pooler is None else {**pooler.connect_kwargs(), "pooled": True}

    def bench() -> None:
        try:
            outcome["run"] = pgbench_run(
                params=writers,
                clients=clients,
                seconds=args.seconds,
                capture=capture,
                variables=variables,
            )
            outcome["ended"] = time.perf_counter()
        except Exception as error:
            outcome["error"] = error

    writer = threading.Thread(target=bench)
    try:
        writer.start()
        if probe is not None:
            probe.start()
            probe.poll_until(time.perf_counter() + args.seconds)
        writer.join()
        if "error" in outcome:
            raise outcome["error"]
        if follower is not None:
            cell.drain_s = _drain(conninfo, ended=outcome["ended"])
    finally:
        writer.join()
        if probe is not None:
            probe.close()
            cell.lags_ms, cell.probes = probe.lags_ms, probe.commits
        if sampler is not None:
            cell.depth = sampler.close()
        if follower is not None:
            cell.full_runs = follower.full_runs()
            follower.stop()
        if pooler is not None:
            pooler.stop()
    cell.tps, _count, cell.failed, latencies = outcome["run"]
    latency_fill(cell, latencies)
    log(
        f"peers: {mode} x{clients}: {cell.tps:,.0f} tps, p50 {cell.p50_ms:.1f} ms, "
        f"p99 {cell.p99_ms:.1f} ms, {len(cell.lags_ms)}/{cell.probes} probes covered"
    )
    return cell


def _pooler_start(params: dict, *, pool_size: int, capture: bool):
    """PgBouncer in front of the copy for the writers (None without --pool-size): 32 clients
    share `pool_size` server connections, as behind the production pooler."""
    if not pool_size:
        return None
    from project.tests.pgbouncer import pgbouncer_start

    settings_dict = {
        "HOST": params["host"],
        "PORT": params.get("port") or 5432,
        "NAME": params["dbname"],
        "USER": params["user"],
        "PASSWORD": params.get("password"),
    }
    connect_query = None if capture else "SET reports.capture = off"
    return pgbouncer_start(settings_dict, pool_size=pool_size, connect_query=connect_query)


def _as_of_covers(cursor, committed_at, _count: int) -> bool:
    cursor.execute("SELECT as_of >= %s FROM reports_data.refresh_state", [committed_at])
    return bool(cursor.fetchone()[0])


def _probe_orders(cursor, customer: int) -> int:
    cursor.execute(
        "SELECT coalesce(sum(orders_count), 0) FROM peers_customer_stats WHERE customer_id = %s",
        [customer],
    )
    return int(cursor.fetchone()[0])


def _drain(conninfo: str, *, ended: float) -> float | None:
    """Seconds after the writers stopped until the change log is empty (the follower on). Not
    until as_of passes their end: with nothing left to apply, as_of waits for a heartbeat."""
    with connect(conninfo) as conn, conn.cursor() as cursor:
        while time.perf_counter() - ended < DRAIN_LIMIT_S:
            cursor.execute("SELECT NOT EXISTS (SELECT FROM reports_data.order_change)")
            if cursor.fetchone()[0]:
                return time.perf_counter() - ended
            time.sleep(0.05)
    return None


def _migrate(url: str, *, log) -> None:
    """The copy at this checkout's migrations (the follower runs this checkout's code)."""
    log("peers: manage.py migrate on the copy")
    subprocess.run(  # noqa: S603 (fixed argv, no shell)
        [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "--no-input", "-v", "0"],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
    )


def _capture_check(conninfo: str) -> None:
    """reports.capture=off in the connection options (pgbench's PGOPTIONS) really skips the
    triggers: the same write logs a change with capture on, nothing with it off."""
    before = change_log_depth(conninfo)
    logged = {}
    for capture in (True, False):
        with connect(conninfo, capture=capture) as conn, conn.transaction(force_rollback=True):
            conn.execute("UPDATE orders_order SET total_amount = total_amount + 1 WHERE id = 1")
            depth = conn.execute("SELECT count(*) FROM reports_data.order_change").fetchone()[0]
            logged[capture] = depth - before
    if logged[False] != 0 or logged[True] == 0:
        raise RuntimeError(f"reports.capture=off does not switch the capture: {logged}")


def peers_run(argv: list[str] | None = None, *, log=print) -> str:
    args = _parse(argv)
    clients = [int(n) for n in args.clients.split(",")]
    modes = [mode for mode in MODES if mode in args.modes.split(",")]
    params = conninfo_to_dict(os.environ.get("DATABASE_URL", "postgresql:///postgres"))
    params.setdefault("host", "127.0.0.1")
    params.setdefault("user", "postgres")
    version = None
    if "pg_ivm" in modes and args.pg_ivm_source:
        version = peers_ivm.pg_ivm_build(
            source=Path(args.pg_ivm_source), pg_config=args.pg_config, log=log
        )
    elif "pg_ivm" in modes:
        modes.remove("pg_ivm")
    copy = f"peers_{os.getpid()}"
    admin = psycopg.connect(make_conninfo(**{**params, "dbname": "postgres"}), autocommit=True)
    cells: list[Cell] = []
    acceptance = None
    try:
        log(f"peers: copying {args.dataset} to {copy}")
        _copy_create(admin, name=copy, template=args.dataset, log=log)
        params = {**params, "dbname": copy}
        conninfo = make_conninfo(**params)
        _migrate(_url(params, copy), log=log)
        with connect(conninfo) as conn, psycopg.ClientCursor(conn) as cursor:  # several statements
            row = run_sql(cursor, "bench", "peers_setup.sql", {"probe": PROBE_CUSTOMER}).fetchone()
            setup = dict(zip([c.name for c in cursor.description], row, strict=True))
        _capture_check(conninfo)
        for mode in modes:
            if mode == "pg_ivm":
                with connect(conninfo, capture=False) as conn:
                    peers_ivm.pg_ivm_load(conn, database=copy)
                with connect(conninfo, capture=False) as conn:  # a session with it preloaded
                    acceptance = peers_ivm.definitions_offer(conn)
                    peers_ivm.immvs_create(conn, log=log)
            for count in clients:
                cells.append(
                    _cell(
                        args,
                        mode=mode,
                        clients=count,
                        conninfo=conninfo,
                        params=params,
                        setup=setup,
                        log=log,
                    )
                )
    finally:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy))
        )
        admin.close()
    header = _header(args, clients=clients, version=version)
    text = report_markdown(header=header, cells=cells, acceptance=acceptance)
    if args.output:
        args.output.write_text(text)
    return text


def _header(args, *, clients: list[int], version: str | None) -> str:
    with connect(make_conninfo(os.environ.get("DATABASE_URL", ""))) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
    peer = f"pg_ivm {version} built from source" if version else "pg_ivm not run"
    return (
        f"Peers on a copy of {args.dataset}: {args.seconds} s per cell, clients "
        f"{', '.join(map(str, clients))}; mix status change 50 % / order upsert (3 items) 30 % / "
        f"new order (3 items) 20 %; {peer}; PostgreSQL {server}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}. "
        + (
            f"Writers through PgBouncer (transaction mode, {args.pool_size} server connections). "
            if args.pool_size
            else "Writers straight to the server. "
        )
        + "Measured on a loaded "
        "machine (shared with other work): figures are noisy. Freshness: a probe commits an "
        f"empty order every {args.probe_every * 1000:.0f} ms and polls every "
        f"{args.poll * 1000:.0f} ms until the stored report covers it."
    )


if __name__ == "__main__":
    sys.stdout.write(peers_run(sys.argv[1:], log=lambda line: print(line, file=sys.stderr)))
