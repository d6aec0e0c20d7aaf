"""The benchmark's result as Markdown: what `manage.py benchmark` prints and writes to --out."""

from __future__ import annotations

from bench.cancelled import ENDPOINT_KEY
from bench.measure import Measurement, Timing
from bench.performance import TARGET_ORDERS, BenchmarkResult
from bench.writes import NO_TRIGGER

NOT_RUN = "-"
FEW_RUNS = 10  # fewer timed runs than this are shown with their n


def duration(seconds: float | None) -> str:
    if seconds is None:
        return NOT_RUN
    if seconds < 0.01:
        return f"{seconds * 1000:.2f} ms"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    if seconds < 600:
        return f"{seconds:.2f} s"
    return f"{seconds / 60:.1f} min"


def timing(value: Timing) -> str:
    """`p50 (p99 …)`, or the timeout a run hit."""
    if value.timed_out:
        return f"> {duration(value.timed_out_after)} (timeout)"
    if not value.samples:
        return NOT_RUN
    runs = f", n={len(value.samples)}" if len(value.samples) < FEW_RUNS else ""
    return f"{duration(value.p50)} (p99 {duration(value.p99)}{runs})"


def ratio(slow: Timing, fast: Timing) -> str:
    if fast.p50 is None or (slow.p50 is None and not slow.timed_out):
        return NOT_RUN
    prefix = "≥ " if slow.timed_out else ""
    value = slow.lower_bound / fast.p50
    return f"{prefix}{value:,.0f}x" if value >= 10 else f"{prefix}{value:.2f}x"


def same(value: bool | None) -> str:
    return {True: "yes", False: "**NO**", None: NOT_RUN}[value]


def _table(header: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    align = align or "l" + "r" * (len(header) - 1)
    marks = ["---" if a == "l" else "---:" for a in align]
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(marks) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
    ]


def _header(result: BenchmarkResult) -> list[str]:
    main, options = result.main, result.options
    facts = main.facts
    generated = (
        f"generated in {duration(main.generation_seconds)} ({main.generated_at}"
        f"{', by this run' if main.generated_now else ''})"
        if main.generation_seconds
        else "generation time not recorded"
    )
    lines = [
        "# Performance",
        "",
        f"Written by `{result.command}` on {result.started_at:%Y-%m-%d %H:%M} UTC "
        f"(the run took {duration(result.seconds)}).",
        "",
        f"- **Machine**: {result.machine}.",
        f"- **Dataset** `{main.database}`: {facts['orders']:,} orders "
        f"({facts['cancelled']:,} cancelled), ≈{facts['statuses']:,} status rows, "
        f"≈{facts['items']:,} items, {facts['customers']:,} customers, "
        f"{facts['bytes'] / 2**30:.2f} GiB; {generated}; VACUUM before the run "
        f"{duration(main.vacuum_seconds)}.",
        f"- **Timings**: median (p50) with p99 of n runs after one warm-up run; "
        f"{options.repeat} runs, or {options.slow_repeat} when the warm-up took over 1 s; "
        f"`statement_timeout` {duration(options.timeout_s)}. Ratios compare medians of this run.",
        "- Requests go through Django's test `Client` (middleware, API-key auth, view, JSON) on "
        "a kept database connection, like a server with persistent connections.",
    ]
    if main.orders != TARGET_ORDERS:
        lines.append(
            f"- **Note**: the targets are set for {TARGET_ORDERS:,} orders; this run used "
            f"{main.orders:,}."
        )
    return [*lines, ""]


def _targets(result: BenchmarkResult) -> list[str]:
    rows = [
        [check.target, check.measured, {True: "met", False: "**missed**", None: NOT_RUN}[check.met]]
        for check in result.targets
    ]
    return ["## Targets", "", *_table(["target", "measured", ""], rows, "lll")]


def _plan(measured: Measurement) -> list[str]:
    if measured.plan is None:
        return [measured.note or NOT_RUN, NOT_RUN, NOT_RUN, NOT_RUN]
    plan = measured.plan
    return [
        f"{plan.shape} ({plan.main_ms:,.1f} ms)",
        str(plan.statements),
        f"{plan.shared_hit:,}",
        f"{plan.shared_read:,}",
    ]


def _listing(result: BenchmarkResult) -> list[str]:
    listing = result.listing
    positions = listing.positions
    endpoint = listing.row(ENDPOINT_KEY).cells
    header = ["approach", *(p.label for p in positions), "÷ endpoint", "same answer"]
    rows = []
    for row in listing.rows:
        cells = [timing(row.cells[p.key].timing) for p in positions]
        ratios = " / ".join(
            ratio(row.cells[p.key].timing, endpoint[p.key].timing) for p in positions
        )
        answers = [row.same[p.key] for p in positions]
        agreed = same(answers[0]) if len(set(answers)) == 1 else " / ".join(map(same, answers))
        rows.append([row.label, *cells, ratios, agreed])
    plans = [
        [row.label, p.label, *_plan(row.cells[p.key])] for row in listing.rows for p in positions
    ]
    return [
        "## 1. Listing cancelled orders",
        "",
        "One request's work at each position, 50 orders a page: the rows and the total the "
        "response reports. The seed's query and the three schema-unchanged techniques count with "
        "`count(*)`; the project reads the total from `reports.status_counts`. The cursor starts "
        "where the deep page starts; *same answer* compares count and order numbers with the "
        "endpoint's.",
        "",
        *_table(header, rows, "l" + "r" * (len(positions) + 1) + "l"),
        "`EXPLAIN (ANALYZE, BUFFERS)` of the statements of the warm-up request: the plan of the "
        "one that touched the most buffers (with its execution time), how many statements, "
        "shared buffers hit/read over all of them.",
        "",
        *_table(
            ["approach", "at", "plan", "statements", "shared hit", "shared read"], plans, "lllrrr"
        ),
    ]


def _writes(result: BenchmarkResult) -> list[str]:
    lines = ["## 2. Write cost", ""]
    if result.inserts is not None:
        bare = next(cost for cost in result.inserts if cost.key == NO_TRIGGER)
        rows = [
            [
                cost.label,
                f"{cost.rows:,}",
                timing(cost.timing),
                f"{cost.rows_per_second:,.0f}",
                ratio(cost.timing, bare.timing),
            ]
            for cost in result.inserts
        ]
        lines += [
            "One bulk `INSERT … SELECT` of status rows onto existing orders (each moves its order "
            "forward), foreign keys checked in the statement, rolled back after every run.",
            "",
            *_table(["variant", "rows", "p50 (p99)", "rows/s", "÷ no trigger"], rows),
        ]
    if result.uploads is not None:
        naive = result.uploads[-1]
        rows = [
            [
                run.label,
                f"{run.orders:,}",
                f"{run.seconds:.2f}",
                f"{run.orders_per_second:,.0f}",
                f"{run.orders_per_second / naive.orders_per_second:,.1f}x",
            ]
            for run in result.uploads
        ]
        options = result.options
        lines += [
            f"`POST /api/orders/upload` over HTTP (gunicorn, {options.upload_workers} workers, "
            f"{options.upload_clients} clients), batches of {options.upload_orders} orders x 3 "
            "items (bench/upload.py; the first batch is a warm-up), against a naive "
            "`update_or_create` loop. The uploaded orders are deleted afterwards.",
            "",
            *_table(["run", "orders", "seconds", "orders/s", "vs naive"], rows),
        ]
    if result.vacuum_after_writes_s is not None:
        lines += [f"VACUUM afterwards: {duration(result.vacuum_after_writes_s)}.", ""]
    return lines


def _reports(result: BenchmarkResult) -> list[str]:
    refresh = [
        [
            cost.view,
            f"{cost.rows:,}" if cost.rows is not None else NOT_RUN,
            timing(cost.concurrent),
            timing(cost.blocking),
            ratio(cost.concurrent, cost.blocking),
        ]
        for cost in result.refresh
    ]
    compared = [
        [
            f"`{comparison.label}`",
            timing(comparison.endpoint.timing),
            timing(comparison.live.timing),
            ratio(comparison.live.timing, comparison.endpoint.timing),
            same(comparison.same),
        ]
        for comparison in result.reports
    ]
    return [
        "## 3. Reports",
        "",
        "Refresh time of each view as `refresh_reports` logs it, after a warm-up refresh. "
        "CONCURRENTLY lets readers read throughout; blocking (plain REFRESH) locks them out.",
        "",
        *_table(["view", "rows", "CONCURRENTLY", "blocking", "÷ blocking"], refresh),
        "Each endpoint answered from its view, against the same answer computed live from the "
        "orders by the ORM (bench/reporting_live.py) in process; *same answer* compares them.",
        "",
        *_table(
            ["report", "endpoint (view)", "live ORM", "live ÷ view", "same answer"],
            compared,
            "lrrrl",
        ),
        *_readers(result),
    ]


def _readers(result: BenchmarkResult) -> list[str]:
    readers = result.readers
    if readers is None:
        return []
    return [
        "Readers during a refresh: the endpoints above, requested in a loop while another "
        f"session refreshed every view CONCURRENTLY ({duration(readers.refresh_s)}).",
        "",
        *_table(
            ["requests", "p50", "p99", "max", "target p99 ≤ 50 ms"],
            [
                [
                    f"{readers.requests:,}",
                    duration(readers.timing.p50),
                    duration(readers.timing.p99),
                    duration(readers.max_s),
                    "met" if readers.timing.p99 <= 0.050 else "missed",
                ]
            ],
        ),
    ]


def _growth(result: BenchmarkResult) -> list[str]:
    rows = []
    for row in result.growth:
        deep, cursor = row.positions[1], row.positions[2]
        rows.append(
            [
                f"{row.dataset.orders:,}",
                duration(row.dataset.generation_seconds),
                timing(row.endpoint["first"].timing),
                f"{timing(row.endpoint['deep'].timing)} ({deep.label})",
                f"{timing(row.endpoint['cursor'].timing)} ({cursor.label})",
                timing(row.stats.timing),
                timing(row.seed_first.timing),
                ratio(row.seed_first.timing, row.endpoint["first"].timing),
            ]
        )
    header = [
        "orders",
        "generated in",
        "cancelled: page 1",
        "deep page",
        "deep cursor",
        "stats endpoint",
        "seed ORM page 1 + count",
        "seed ÷ endpoint",
    ]
    return [
        "## 4. Growth",
        "",
        "The project's endpoints at each size (one database each) against the seed's query: "
        "the endpoints cost the same at any size, the seed's query grows with the table.",
        "",
        *_table(header, rows),
    ]


def _closing(result: BenchmarkResult) -> list[str]:
    missed = [check for check in result.targets if check.met is False]
    if not missed:
        return ["## Closing note", "", "Every target measured in this run was met.", ""]
    lines = ["## Closing note", "", "Targets missed in this run:", ""]
    lines += [f"- **{check.target}**: {check.measured}. {check.reason}" for check in missed]
    return [*lines, ""]


def report_markdown(result: BenchmarkResult) -> str:
    lines = _header(result) + _targets(result)
    if result.listing is not None:
        lines += _listing(result)
    if result.inserts is not None or result.uploads is not None:
        lines += _writes(result)
    if result.refresh is not None:
        lines += _reports(result)
    if result.growth is not None:
        lines += _growth(result)
    lines += _closing(result)
    return "\n".join(lines)
