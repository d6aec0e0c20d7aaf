"""The benchmark's result as Markdown: what `manage.py benchmark` prints and writes to --out."""

from __future__ import annotations

from bench.cancelled import ENDPOINT_KEY
from bench.live import CHANGE_KINDS, ORDERS_KIND, TARGET_ENDPOINT_P50_S, LiveResult
from bench.measure import Measurement, Timing
from bench.performance import SECTIONS, TARGET_ORDERS, BenchmarkOptions, BenchmarkResult
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
    cost = result.refresh
    refresh = [[cost.label, f"{cost.orders:,}", timing(cost.timing)]]
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
        "A full rebuild of every stored report from its definition (`refresh_reports --full`), "
        "as the run reports it: every order's contribution recomputed, the stored tables merged "
        "(only differing rows change; readers keep reading). The incremental refresh is in the "
        "Live reports section.",
        "",
        *_table(["run", "orders", "duration"], refresh),
        "Each endpoint answered from the stored reports, against the same answer computed live "
        "from the orders by the ORM (bench/reporting_live.py) in process; *same answer* compares "
        "them.",
        "",
        *_table(
            ["report", "endpoint (stored)", "live ORM", "live ÷ stored", "same answer"],
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
        f"session rebuilt every report (`refresh_reports --full`, {duration(readers.refresh_s)}).",
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


def _live_command(result: BenchmarkResult) -> str:
    options = result.options
    parts = ["python manage.py benchmark", f"--orders {options.orders}"]
    parts += [f"--skip-{section}" for section in SECTIONS if section != "live"]
    defaults = BenchmarkOptions()
    for flag, name in (
        ("--live-changes", "live_changes"),
        ("--live-rounds", "live_rounds"),
        ("--lag-changes", "lag_changes"),
        ("--lag-spacing", "lag_spacing_s"),
        ("--status-rows", "status_rows"),
        ("--write-repeat", "write_repeat"),
        ("--upload-orders", "upload_orders"),
        ("--repeat", "repeat"),
    ):
        if getattr(options, name) != getattr(defaults, name):
            parts.append(f"{flag} {getattr(options, name)}")
    if not options.live_check:
        parts.append("--skip-live-check")
    return " ".join(parts)


def _mb(size: int) -> str:
    return f"{size / 2**20:,.1f}"


def _live(result: BenchmarkResult) -> list[str]:
    live: LiveResult = result.live
    command = _live_command(result)
    rounds = [
        [
            "warm-up" if r.number == 0 else str(r.number),
            f"{r.orders:,}",
            duration(r.write_s),
            duration(r.refresh.seconds),
            f"{r.refresh.orders_touched:,}",
            f"{r.refresh.orders_changed:,}",
            f"{r.refresh.customers_touched:,}",
        ]
        for r in live.rounds
    ]
    mix = ", ".join(
        f"{count:,} {CHANGE_KINDS[kind][0]}" for kind, count in live.rounds[0].mix.items()
    )
    summary = [
        [
            duration(live.full.seconds),
            f"{live.full.orders_changed:,}",
            duration(live.incremental_p50_s),
            f"{live.speedup:,.0f}x",
        ]
    ]
    writes = [
        [
            cost.label,
            cost.rows,
            timing(cost.on),
            timing(cost.off),
            cost.ratio_text,
        ]
        for cost in live.writes
    ]
    notes = [f"- *{cost.label}*: {cost.note}" for cost in live.writes if cost.note]
    orders_bytes = sum(size.bytes for size in live.storage if size.kind == ORDERS_KIND)
    storage = [
        [f"`{size.name}`", size.kind, f"{size.rows:,}", _mb(size.bytes)] for size in live.storage
    ]
    fresh = live.freshness
    endpoints = [
        [
            endpoint.label,
            f"`{endpoint.path}`",
            timing(endpoint.measurement.timing),
            "met" if endpoint.measurement.timing.p50 <= TARGET_ENDPOINT_P50_S else "**missed**",
        ]
        for endpoint in live.endpoints
    ]
    lines = [
        "## 4. Live reports",
        "",
        f"Reproduce this section alone: `{command}`. Every change it commits is undone (and "
        "the undo applied) before it ends, so the dataset and its reports stay as they were. "
        "Times of `reports_refresh()` are wall times around the call, its commit included.",
        "",
        "### a. Incremental refresh vs full refresh",
        "",
        f"Each round commits changes to {live.changes:,} orders spread over the whole table, "
        f"as separate writers: {mix}. Then one `reports_refresh()` (what `refresh_reports` "
        "runs) applies them. The first round is a warm-up.",
        "",
        *_table(
            [
                "round",
                "orders changed",
                "writes took",
                "incremental refresh",
                "orders touched",
                "orders changed",
                "customers",
            ],
            rounds,
        ),
        *_table(
            [
                "full refresh (`--full`)",
                "orders",
                f"incremental, p50 of {len(live.measured)} rounds",
                "full ÷ incremental",
            ],
            summary,
            "rrrr",
        ),
        f"Undoing every round's changes ({live.undo.orders_touched:,} orders) took one "
        f"incremental refresh of {duration(live.undo.seconds)}. After the full refresh the "
        f"reports_data tables were VACUUMed ({duration(live.vacuum_s)}), as autovacuum "
        "would do.",
        "",
        "### b. The write path with and without change capture",
        "",
        "Each write in a transaction rolled back (the dataset is unchanged), foreign keys "
        "checked in the statement; without capture the transaction first runs "
        "`set_config('reports.capture', 'off', true)`. The variants alternate; one warm-up "
        "each. The uploads call the upload service (`orders.services.order_upsert_many`) in "
        "process, without HTTP.",
        "",
        *_table(["write", "size", "capture on", "capture off", "on ÷ off"], writes),
        *notes,
        *([""] if notes else []),
        "### c. Storage",
        "",
        f"The live machinery takes {_mb(live.storage_bytes)} MB"
        + (
            f", {live.storage_bytes / orders_bytes:.0%} of the orders tables "
            f"({_mb(orders_bytes)} MB)."
            if orders_bytes
            else "."
        )
        + " Sizes include indexes and TOAST; rows are the planner's counts after VACUUM ANALYZE.",
        "",
        *_table(["relation", "kind", "rows", "MB"], storage, "llrr"),
        "### d. Freshness",
        "",
        f"`refresh_reports --follow --interval {fresh.follow_interval_s}` in a process of its "
        f"own; another session commits {fresh.changes:,} status changes, one every "
        f"{duration(fresh.spacing_s)}, and a third polls `reports_data.refresh_state.as_of` "
        f"every {duration(0.005)}. The lag of a commit: from its commit returning until as_of "
        "is at or after the server's clock read right after it. The follower's runs that "
        f"applied something: {len(fresh.follower_runs.samples):,}, each "
        f"{timing(fresh.follower_runs)} as it reports them.",
        "",
        *_table(
            ["commits", "p50", "p99", "max", "never seen", "target p99 ≤ 2 s"],
            [
                [
                    f"{fresh.changes:,}",
                    duration(fresh.lags.p50),
                    duration(fresh.lags.p99),
                    duration(max(fresh.lags.samples)) if fresh.lags.samples else NOT_RUN,
                    f"{fresh.missed:,}",
                    "met" if fresh.lags.p99 <= 2.0 and not fresh.missed else "**missed**",
                ]
            ],
        ),
        "### e. Report endpoints",
        "",
        "Through Django's test `Client` with a read key, from the stored reports, after the "
        "above (changes undone and applied, tables VACUUMed).",
        "",
        *_table(["report", "path", "p50 (p99)", "≤ 5 ms p50"], endpoints, "llrr"),
    ]
    if live.check_differences is not None:
        lines += [
            f"`check_reports` afterwards (every stored report against its definition): "
            f"{live.check_differences} difference(s), {duration(live.check_s)}.",
            "",
        ]
    return lines


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
        "## 5. Growth",
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
    if result.live is not None:
        lines += _live(result)
    if result.growth is not None:
        lines += _growth(result)
    lines += _closing(result)
    return "\n".join(lines)
