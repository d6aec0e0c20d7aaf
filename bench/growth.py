"""Growth: which costs follow the data and which do not, one dataset per size.

For each size: the cancelled endpoint at page 1, a deep page and a deep cursor, the stats
endpoint (seed 003), and the seed's ORM query with its paginator count at page 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.cancelled import (
    ENDPOINT,
    Position,
    endpoint_get,
    endpoint_params,
    listing_positions,
    seed_orm_request,
)
from bench.datasets import Dataset
from bench.measure import Measurement, MeasureSettings, measure
from bench.reporting import STATS_USER
from bench.support import ApiClient

STATS_PATH = "/api/orders/stats"


@dataclass(frozen=True)
class GrowthRow:
    dataset: Dataset
    positions: list[Position]
    endpoint: dict[str, Measurement]
    stats: Measurement
    seed_first: Measurement


def growth_measure_one(
    *,
    dataset: Dataset,
    settings: MeasureSettings,
    deep_page: int,
    seed_first: Measurement | None = None,
    log: Callable[[str], None] = print,
) -> GrowthRow:
    """Measure on the dataset Django currently points at (see bench.datasets.dataset_prepare).

    `seed_first`: the seed query's page-1 measurement when this run already took it on this
    dataset (it can take tens of seconds at 10M orders).
    """
    positions = listing_positions(deep_page=deep_page)
    with ApiClient(name=f"benchmark-growth-{dataset.database}") as client:
        endpoint = {}
        for position in positions:
            log(f"  growth {dataset.database}: cancelled endpoint at {position.label}")
            endpoint[position.key] = measure(
                lambda p=position: endpoint_get(client, ENDPOINT, endpoint_params(p)),
                settings=settings,
                explain=False,
            )
        log(f"  growth {dataset.database}: stats endpoint")
        stats = measure(
            lambda: endpoint_get(client, STATS_PATH, {"user": STATS_USER}),
            settings=settings,
            explain=False,
        )
        if seed_first is None:
            log(f"  growth {dataset.database}: seed ORM query at page 1")
            seed_first = measure(
                lambda: seed_orm_request(positions[0]), settings=settings, explain=False
            )
    return GrowthRow(dataset, positions, endpoint, stats, seed_first)
