"""bench.peers' output: the markdown tables of one run."""

from __future__ import annotations

from bench.peers_ivm import Acceptance
from bench.peers_workload import Cell, percentile

MODE_LABELS = {
    "none": "no maintenance (capture off)",
    "capture": "capture, no follower",
    "follower": "capture + `refresh_reports --follow`",
    "pg_ivm": "pg_ivm immediate views (capture off)",
}
FRESHNESS = {
    "none": "never (nothing maintained)",
    "capture": "never (changes wait in the log)",
}


def _freshness(cell: Cell) -> str:
    if cell.mode in FRESHNESS:
        return FRESHNESS[cell.mode]
    if not cell.lags_ms:
        return f"none of {cell.probes} probes covered"
    text = f"{percentile(cell.lags_ms, 0.5):,.0f} / {percentile(cell.lags_ms, 0.99):,.0f}"
    return text + (f" ({cell.missed} of {cell.probes} missed)" if cell.missed else "")


def _depth(cell: Cell) -> str:
    if not cell.depth:
        return "-"
    deepest = max(rows for _at, rows in cell.depth)
    text = f"{deepest:,} / {cell.depth[-1][1]:,}"
    if cell.drain_s is not None:
        text += f", drained {cell.drain_s:.1f} s after"
    if cell.full_runs:
        text += f"; {cell.full_runs} full rebuild(s) by the follower"
    return text


def cells_table(cells: list[Cell]) -> str:
    bare = {cell.clients: cell.tps for cell in cells if cell.mode == "none"}
    lines = [
        "| mode | clients | tps | vs no maintenance | p50 ms | p99 ms "
        "| freshness p50 / p99 ms | change log max / end rows |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for cell in cells:
        ratio = f"{cell.tps / bare[cell.clients]:.2f}" if bare.get(cell.clients) else "-"
        failed = f" ({cell.failed} failed)" if cell.failed else ""
        lines.append(
            f"| {MODE_LABELS[cell.mode]} | {cell.clients} | {cell.tps:,.0f}{failed} | {ratio} "
            f"| {cell.p50_ms:.1f} | {cell.p99_ms:.1f} | {_freshness(cell)} | {_depth(cell)} |"
        )
    return "\n".join(lines)


def depth_series(cells: list[Cell]) -> str:
    """The change log's depth over time, one line per follower cell (every ~5th sample)."""
    lines = []
    for cell in cells:
        if cell.mode == "follower" and cell.depth:
            step = max(1, len(cell.depth) // 12)
            points = ", ".join(f"{at:.0f}s {rows:,}" for at, rows in cell.depth[::step])
            lines.append(f"- follower, {cell.clients} clients: {points}")
    return "\n".join(lines)


def acceptance_table(results: list[Acceptance]) -> str:
    lines = ["| offered to create_immv | pg_ivm 1.15 |", "|---|---|"]
    for result in results:
        verdict = "accepted" if result.accepted else f"refused: {result.error}"
        lines.append(f"| {result.report} | {verdict} |")
    return "\n".join(lines)


def report_markdown(*, header: str, cells: list[Cell], acceptance: list[Acceptance] | None) -> str:
    parts = [header, "", cells_table(cells)]
    series = depth_series(cells)
    if series:
        parts += ["", "Change-log depth over time (seconds into the run, rows waiting):", series]
    if acceptance:
        parts += ["", acceptance_table(acceptance)]
    return "\n".join(parts) + "\n"
