"""Timing after a warm-up, a statement_timeout guard, and EXPLAIN (ANALYZE, BUFFERS) of what ran.

`measure(action)` runs `action` once as the warm-up while recording every SQL statement it sends
(through Django's connection or a `RecordingCursor` connection), explains those statements with
`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`, then times `repeat` more runs, or `slow_repeat` when
the warm-up took over `SLOW_SECONDS`. A statement cancelled by `statement_timeout` ends the
measurement and is reported as a timeout, never as a time.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import psycopg
from django.db import DatabaseError, connection
from psycopg import sql

from bench.support import percentiles

SLOW_SECONDS = 1.0
EXPLAIN_PREFIX = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "
SHAPE_MAX_CHARS = 240
SHAPE_MAX_DEPTH = 7
PASS_THROUGH_NODES = ("Hash", "Subquery Scan", "Memoize", "Materialize")


@dataclass(frozen=True)
class MeasureSettings:
    repeat: int
    slow_repeat: int
    timeout_s: float


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)
    timed_out_after: float | None = None

    @property
    def timed_out(self) -> bool:
        return self.timed_out_after is not None

    @property
    def p50(self) -> float | None:
        return None if self.timed_out or not self.samples else percentiles(self.samples)[0]

    @property
    def p99(self) -> float | None:
        return None if self.timed_out or not self.samples else percentiles(self.samples)[1]

    @property
    def lower_bound(self) -> float:
        """The median, or the timeout for a run that never finished (it took at least that)."""
        return self.timed_out_after if self.timed_out else self.p50


@dataclass(frozen=True)
class PlanSummary:
    shape: str
    statements: int
    shared_hit: int
    shared_read: int
    main_ms: float


@dataclass
class Measurement:
    timing: Timing
    plan: PlanSummary | None = None
    result: object = None
    note: str = ""


# --- recording the statements an action sends -------------------------------------------------

_recorders: list[list[tuple[str, object]]] = []


class RecordingCursor(psycopg.ClientCursor):
    """A cursor binding values client-side as Django's does, whose statements
    `recorded_statements()` sees."""

    def execute(self, query, params=None, **kwargs):
        if _recorders:
            text = query.as_string(self) if isinstance(query, sql.Composable) else query
            _recorders[-1].append((text, params))
        return super().execute(query, params, **kwargs)


@contextlib.contextmanager
def recorded_statements() -> Iterator[list[tuple[str, object]]]:
    statements: list[tuple[str, object]] = []

    def record(execute, query, params, many, context):
        if not many:
            if isinstance(query, sql.Composable):
                query = query.as_string(context["connection"].connection)
            statements.append((query, params))
        return execute(query, params, many, context)

    _recorders.append(statements)
    try:
        with connection.execute_wrapper(record):
            yield statements
    finally:
        _recorders.pop()


# --- statement_timeout ----------------------------------------------------------------------


def is_timeout(error: BaseException) -> bool:
    while error is not None:
        if isinstance(error, psycopg.errors.QueryCanceled):
            return True
        error = error.__cause__
    return False


def set_statement_timeout(cursor, seconds: float) -> None:
    cursor.execute(
        "SELECT set_config('statement_timeout', %s, false)", [f"{round(seconds * 1000)}ms"]
    )


@contextlib.contextmanager
def statement_timeout(seconds: float) -> Iterator[None]:
    """statement_timeout on Django's connection (the test client's requests run on it too)."""
    with connection.cursor() as cursor:
        set_statement_timeout(cursor, seconds)
    try:
        yield
    finally:
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("RESET statement_timeout")


# --- EXPLAIN ----------------------------------------------------------------------------------


def _label(node: dict) -> str:
    label = node["Node Type"]
    if "Index Name" in node:
        label += f" {node['Index Name']}"
    elif "Relation Name" in node:
        label += f" {node['Relation Name']}"
    if node.get("Workers Planned"):
        label += f" ({node['Workers Planned']} workers)"
    return label


def plan_shape(node: dict, depth: int = 0) -> str:
    """`Limit → Index Only Scan order_cancelled_recent_idx`, children in [..; ..], sub-plans +.

    Nodes that only pass rows on (Hash, Subquery Scan, Memoize, Materialize) are left out.
    """
    children = node.get("Plans", [])
    inner = [c for c in children if c.get("Parent Relationship") in ("SubPlan", "InitPlan")]
    outer = [c for c in children if c not in inner]
    if node["Node Type"] in PASS_THROUGH_NODES and len(outer) == 1 and not inner:
        return plan_shape(outer[0], depth)
    text = _label(node)
    if inner and depth < SHAPE_MAX_DEPTH:
        text += " + sub-plan(" + "; ".join(plan_shape(c, depth + 1) for c in inner) + ")"
    if not outer:
        return text
    if depth >= SHAPE_MAX_DEPTH:
        return text + " → …"
    if len(outer) == 1:
        return text + " → " + plan_shape(outer[0], depth + 1)
    return text + " → [" + "; ".join(plan_shape(c, depth + 1) for c in outer) + "]"


def _is_query(statement: str) -> bool:
    """A read that EXPLAIN ANALYZE may run again: SELECT or WITH, never a set_config()."""
    lines = [line for line in statement.splitlines() if not line.lstrip().startswith("--")]
    code = " ".join(lines)
    words = code.split(None, 1)
    return bool(words) and words[0].upper() in ("SELECT", "WITH") and "set_config(" not in code


def explain_statements(
    statements: list[tuple[str, object]], *, cache: dict | None = None
) -> PlanSummary | None:
    """Explain (ANALYZE, BUFFERS) each query: the shape of the one that touched the most
    buffers (the main query, not the API-key lookup when all are fast), buffers of them all.

    `cache` (keyed by statement and parameters) saves explaining the same slow statement
    again, e.g. a count that every page position repeats.
    """
    cache = {} if cache is None else cache
    plans = []
    with connection.cursor() as cursor:
        for statement, params in statements:
            if not _is_query(statement):
                continue
            key = (statement, repr(params))
            if key not in cache:
                cursor.execute(EXPLAIN_PREFIX + statement, params)
                raw = cursor.fetchone()[0]
                cache[key] = (json.loads(raw) if isinstance(raw, str) else raw)[0]
            plans.append(cache[key])
    if not plans:
        return None

    def work(plan: dict) -> tuple:
        node = plan["Plan"]
        buffers = node.get("Shared Hit Blocks", 0) + node.get("Shared Read Blocks", 0)
        return buffers, plan["Execution Time"]

    main = max(plans, key=work)
    shape = plan_shape(main["Plan"])
    if len(shape) > SHAPE_MAX_CHARS:
        shape = shape[: SHAPE_MAX_CHARS - 1] + "…"
    return PlanSummary(
        shape=shape,
        statements=len(plans),
        shared_hit=sum(plan["Plan"].get("Shared Hit Blocks", 0) for plan in plans),
        shared_read=sum(plan["Plan"].get("Shared Read Blocks", 0) for plan in plans),
        main_ms=main["Execution Time"],
    )


# --- measuring --------------------------------------------------------------------------------


def measure(
    action: Callable[[], object],
    *,
    settings: MeasureSettings,
    explain: bool = True,
    plan_cache: dict | None = None,
) -> Measurement:
    """Warm-up (recorded, its result kept), EXPLAIN of what it ran, then the timed runs."""
    with statement_timeout(settings.timeout_s):
        with recorded_statements() as statements:
            try:
                started = time.perf_counter()
                result = action()
                warm_up = time.perf_counter() - started
            except (DatabaseError, psycopg.Error) as error:
                if not is_timeout(error):
                    raise
                return Measurement(
                    Timing(timed_out_after=settings.timeout_s), note="timed out (warm-up run)"
                )
        plan, note = None, ""
        if explain:
            try:
                plan = explain_statements(statements, cache=plan_cache)
            except (DatabaseError, psycopg.Error) as error:
                if not is_timeout(error):
                    raise
                note = "EXPLAIN ANALYZE timed out"
        runs = settings.slow_repeat if warm_up > SLOW_SECONDS else settings.repeat
        timing = Timing()
        for _ in range(runs):
            try:
                started = time.perf_counter()
                action()
                timing.samples.append(time.perf_counter() - started)
            except (DatabaseError, psycopg.Error) as error:
                if not is_timeout(error):
                    raise
                timing.timed_out_after = settings.timeout_s
                break
    return Measurement(timing, plan, result, note)
