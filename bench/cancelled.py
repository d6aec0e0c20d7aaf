"""Seed 000 side by side: the cancelled list seven ways, at page 1, a deep page and a deep cursor.

Every approach does what one API request needs: the page's rows and the total the response
reports. The seed's ORM query and the three schema-unchanged SQL techniques count with
count(*); the project (its endpoint, its selectors in process, its bare SQL through psycopg)
takes the total from reports.status_counts.
Each approach's answer is checked against the endpoint's (same count, same order numbers).
"""

from __future__ import annotations

import datetime
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from psycopg import sql

from api.pagination import cursor_encode
from bench.measure import (
    Measurement,
    MeasureSettings,
    RecordingCursor,
    measure,
    set_statement_timeout,
)
from bench.support import raw_connection
from orders.models import Order, Status
from orders.selectors import (
    CANCELLED_MAX_OFFSET,
    order_cancelled_page,
    order_list_cancelled,
    order_list_cancelled_from_history,
)
from project.sqlfiles import read_sql

NEWEST = "-created_at"

PAGE_SIZE = 50
ENDPOINT = "/api/v1/orders/cancelled/"
STATUS_COUNT_SQL = "SELECT orders_count FROM reports.status_counts WHERE status = %s"

SEED, DISTINCT_ON, ROW_NUMBER, LATERAL = "seed", "distinct_on", "row_number", "lateral"
ENDPOINT_KEY, SELECTORS, FLOOR = "endpoint", "selectors", "floor"
APPROACH_LABELS = {
    SEED: "seed ORM: Subquery(OuterRef) + Paginator count",
    DISTINCT_ON: "DISTINCT ON (order_id) + count(*)",
    ROW_NUMBER: "ROW_NUMBER() window + count(*)",
    LATERAL: "LATERAL top-1 per order + count(*)",
    ENDPOINT_KEY: "project: GET /api/v1/orders/cancelled/ (test Client)",
    SELECTORS: "project's selectors in process (ORM, no HTTP stack)",
    FLOOR: "project's bare SQL via psycopg (floor)",
}
TECHNIQUE_FILES = {
    DISTINCT_ON: "listing_distinct_on.sql",
    ROW_NUMBER: "listing_row_number.sql",
    LATERAL: "listing_lateral.sql",
}

Answer = tuple[int | None, list[str]]


class EndpointError(RuntimeError):
    pass


@dataclass(frozen=True)
class Position:
    key: str  # "first", "deep" or "cursor"
    label: str
    page: int
    after: tuple[datetime.datetime, int] | None = None

    @property
    def keyset(self) -> bool:
        return self.key == "cursor"

    @property
    def offset(self) -> int:
        return 0 if self.keyset else (self.page - 1) * PAGE_SIZE


@dataclass(frozen=True)
class Approach:
    key: str
    run: Callable[[Position], object]
    answer: Callable[[object], Answer] = lambda result: result

    @property
    def label(self) -> str:
        return APPROACH_LABELS[self.key]


@dataclass
class ListingRow:
    key: str
    label: str
    cells: dict[str, Measurement] = field(default_factory=dict)
    same: dict[str, bool | None] = field(default_factory=dict)


@dataclass
class ListingResult:
    positions: list[Position]
    rows: list[ListingRow]

    def row(self, key: str) -> ListingRow:
        return next(row for row in self.rows if row.key == key)


def listing_positions(*, deep_page: int) -> list[Position]:
    """Page 1, page `deep_page` (or the deepest the data and the endpoint's cap allow), and a
    cursor that starts where that deep page starts."""
    total = order_list_cancelled().count()
    deepest = min(
        deep_page,
        max(1, math.ceil(total / PAGE_SIZE)),
        CANCELLED_MAX_OFFSET // PAGE_SIZE + 1,
    )
    after = None
    if deepest > 1:
        after = order_list_cancelled().values_list("created_at", "pk")[
            (deepest - 1) * PAGE_SIZE - 1
        ]
    return [
        Position("first", "page 1", 1),
        Position("deep", f"page {deepest:,}", deepest),
        Position("cursor", f"cursor at page {deepest:,}", deepest, after),
    ]


def _after(orders: QuerySet[Order], after: tuple[datetime.datetime, int]) -> QuerySet[Order]:
    created_at, pk = after
    return orders.filter(created_at__lte=created_at).filter(
        Q(created_at__lt=created_at) | Q(pk__lt=pk)
    )


def seed_orm_request(position: Position) -> Answer:
    orders = order_list_cancelled_from_history().select_related("customer")
    if position.keyset:
        page = orders if position.after is None else _after(orders, position.after)
        return orders.count(), [order.order_number for order in page[:PAGE_SIZE]]
    page = Paginator(orders, PAGE_SIZE).page(position.page)
    return page.paginator.count, [order.order_number for order in page.object_list]


def _page_params(position: Position, *, limit: int = PAGE_SIZE) -> dict:
    after_at, after_id = position.after if position.keyset and position.after else (None, None)
    return {
        "status": Status.CANCELLED,
        "limit": limit,
        "offset": position.offset,
        "after_at": after_at,
        "after_id": after_id,
    }


def _technique(relation_file: str) -> Callable[[Position], Answer]:
    relation = sql.SQL(read_sql("bench", relation_file))
    page = sql.SQL(read_sql("bench", "listing_page.sql")).format(cancelled=relation)
    count = sql.SQL(read_sql("bench", "listing_count.sql")).format(cancelled=relation)

    def run(position: Position) -> Answer:
        with connection.cursor() as cursor:
            cursor.execute(count, {"status": Status.CANCELLED})
            total = cursor.fetchone()[0]
            cursor.execute(page, _page_params(position))
            return total, [row[0] for row in cursor.fetchall()]

    return run


def endpoint_params(position: Position) -> dict:
    if not position.keyset:
        return {"page": position.page, "page_size": PAGE_SIZE}
    if position.after is None:
        return {"cursor": "", "page_size": PAGE_SIZE}
    created_at, pk = position.after
    return {"cursor": cursor_encode(NEWEST, created_at, pk), "page_size": PAGE_SIZE}


def endpoint_get(client, path: str, params: dict | None = None):
    response = client.get(path, params or {})
    if response.status_code != 200:
        raise EndpointError(
            f"GET {path} {params}: {response.status_code} {response.content[:300]!r}"
        )
    return response


def _endpoint_answer(response) -> Answer:
    body = json.loads(response.content)
    return body["count"], [order["order_number"] for order in body["results"]]


def endpoint_approach(client) -> Approach:
    return Approach(
        ENDPOINT_KEY,
        lambda position: endpoint_get(client, ENDPOINT, endpoint_params(position)),
        _endpoint_answer,
    )


def _selectors(position: Position) -> Answer:
    """What the endpoint's view calls, without middleware, auth and JSON."""
    if position.keyset:
        page = order_cancelled_page(ordering=NEWEST, size=PAGE_SIZE + 1, position=position.after)
    else:
        page = order_cancelled_page(ordering=NEWEST, size=PAGE_SIZE + 1, offset=position.offset)
    return page.count, [row["order_number"] for row in page.rows[:PAGE_SIZE]]


def _floor(conn) -> Callable[[Position], Answer]:
    page_sql = read_sql("bench", "listing_project_page.sql")
    cursor_sql = read_sql("bench", "listing_project_cursor.sql")

    def run(position: Position) -> Answer:
        # One row more than a page, as the endpoint reads, to know whether a next page exists.
        params = _page_params(position, limit=PAGE_SIZE + 1)
        with conn.cursor() as cursor:
            cursor.execute(cursor_sql if params["after_at"] else page_sql, params)
            rows = cursor.fetchall()[:PAGE_SIZE]
            cursor.execute(STATUS_COUNT_SQL, [Status.CANCELLED])
            return cursor.fetchone()[0], [row[0] for row in rows]

    return run


def listing_approaches(*, client, floor_connection) -> dict[str, Approach]:
    approaches = {SEED: Approach(SEED, seed_orm_request)}
    for key, relation_file in TECHNIQUE_FILES.items():
        approaches[key] = Approach(key, _technique(relation_file))
    approaches[ENDPOINT_KEY] = endpoint_approach(client)
    approaches[SELECTORS] = Approach(SELECTORS, _selectors)
    approaches[FLOOR] = Approach(FLOOR, _floor(floor_connection))
    return approaches


def floor_connection_open(*, timeout_s: float):
    conn = raw_connection()
    conn.cursor_factory = RecordingCursor
    with conn.cursor() as cursor:
        set_statement_timeout(cursor, timeout_s)
    return conn


def listing_measure(
    *,
    client,
    settings: MeasureSettings,
    deep_page: int,
    log: Callable[[str], None] = print,
) -> ListingResult:
    """Every approach at every position, each checked against the endpoint's answer."""
    positions = listing_positions(deep_page=deep_page)
    conn = floor_connection_open(timeout_s=settings.timeout_s)
    try:
        approaches = listing_approaches(client=client, floor_connection=conn)
        order = [ENDPOINT_KEY, SELECTORS, FLOOR, SEED, DISTINCT_ON, ROW_NUMBER, LATERAL]
        rows = {key: ListingRow(key, approaches[key].label) for key in order}
        plan_caches: dict[str, dict] = {key: {} for key in order}
        for position in positions:
            reference = None
            for key in order:
                approach = approaches[key]
                log(f"  listing: {approach.label} at {position.label}")
                measured = measure(
                    lambda a=approach, p=position: a.run(p),
                    settings=settings,
                    plan_cache=plan_caches[key],
                )
                rows[key].cells[position.key] = measured
                answer = None if measured.result is None else approach.answer(measured.result)
                if key == ENDPOINT_KEY:
                    reference = answer
                rows[key].same[position.key] = (
                    None if answer is None or reference is None else answer == reference
                )
    finally:
        conn.close()
    return ListingResult(positions=positions, rows=[rows[key] for key in APPROACH_LABELS])
