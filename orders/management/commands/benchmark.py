from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from bench.cancelled import EndpointError
from bench.datasets import DatasetError
from bench.live import LiveError
from bench.performance import SECTIONS, BenchmarkOptions, benchmark_run
from bench.report_format import report_markdown
from bench.reporting import RefreshError

DEFAULTS = BenchmarkOptions()
ERROR_AT_LEAST_ONE = "--{name} must be at least 1, got {value}."
ERROR_GROWTH = (
    "--growth takes order counts separated by commas (e.g. 100000,1000000), got {value!r}."
)


def _sizes(value: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in value.split(",") if part.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(ERROR_GROWTH.format(value=value)) from error
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(ERROR_GROWTH.format(value=value))
    return sizes


class Command(BaseCommand):
    help = (
        "Measure the cancelled list, the write cost of the triggers, the reports (full and live "
        "incremental refresh, change capture, freshness) and growth on "
        "generated datasets (bench_orders_<size>, generated once and reused); print the tables "
        "and write them as Markdown to --out."
    )

    def add_arguments(self, parser):
        add = parser.add_argument
        add("--orders", type=int, default=DEFAULTS.orders, help="size of the main dataset")
        add("--out", default="docs/PERFORMANCE.md", help="Markdown file to write ('-': none)")
        add("--repeat", type=int, default=DEFAULTS.repeat, help="timed runs after a warm-up")
        add("--slow-repeat", type=int, default=DEFAULTS.slow_repeat, help="runs when one > 1 s")
        add("--timeout", type=float, default=DEFAULTS.timeout_s, help="statement_timeout, s")
        add("--deep-page", type=int, default=DEFAULTS.deep_page, help="the deep page number")
        add("--status-rows", type=int, default=DEFAULTS.status_rows, help="rows per bulk insert")
        add("--write-repeat", type=int, default=DEFAULTS.write_repeat)
        add("--refresh-repeat", type=int, default=DEFAULTS.refresh_repeat)
        add("--upload-batches", type=int, default=DEFAULTS.upload_batches)
        add("--upload-orders", type=int, default=DEFAULTS.upload_orders, help="orders a batch")
        add("--naive-batches", type=int, default=DEFAULTS.naive_batches)
        add(
            "--live-changes",
            type=int,
            default=DEFAULTS.live_changes,
            help="live: orders changed before each incremental refresh",
        )
        add("--live-rounds", type=int, default=DEFAULTS.live_rounds, help="live: timed rounds")
        add(
            "--lag-changes",
            type=int,
            default=DEFAULTS.lag_changes,
            help="live: commits whose freshness lag is measured",
        )
        add(
            "--lag-spacing",
            type=float,
            default=DEFAULTS.lag_spacing_s,
            help="live: seconds between those commits",
        )
        add(
            "--skip-live-check",
            action="store_true",
            help="live: leave out check_reports at the end (it costs about a full refresh)",
        )
        add(
            "--growth",
            type=_sizes,
            default=(),
            help="dataset sizes for the growth table (default: 100k, 1M, 10M up to --orders)",
        )
        for section in SECTIONS:
            add(f"--skip-{section}", action="store_true", help=f"leave out the {section} section")
        add("--rebuild", action="store_true", help="drop and regenerate the datasets used")

    def handle(self, *args, **options):
        for name in (
            "orders",
            "repeat",
            "slow_repeat",
            "deep_page",
            "status_rows",
            "write_repeat",
            "refresh_repeat",
            "upload_orders",
            "naive_batches",
            "live_changes",
            "live_rounds",
            "lag_changes",
        ):
            if options[name] < 1:
                raise CommandError(
                    ERROR_AT_LEAST_ONE.format(name=name.replace("_", "-"), value=options[name])
                )
        if options["upload_batches"] < 2:
            raise CommandError("--upload-batches must be at least 2 (the first is a warm-up).")
        if options["timeout"] <= 0:
            raise CommandError("--timeout must be positive.")
        if options["lag_spacing"] < 0:
            raise CommandError("--lag-spacing must not be negative.")
        if settings.DEBUG:
            self.stderr.write("DJANGO_DEBUG is on: Django logs every query, timings will suffer.")
        # Noise of the setup, not of the measurements: view syncing at migrate, no staticfiles.
        logging.getLogger("django_pgviews").setLevel(logging.WARNING)
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

        benchmark = BenchmarkOptions(
            orders=options["orders"],
            repeat=options["repeat"],
            slow_repeat=options["slow_repeat"],
            timeout_s=options["timeout"],
            deep_page=options["deep_page"],
            status_rows=options["status_rows"],
            write_repeat=options["write_repeat"],
            refresh_repeat=options["refresh_repeat"],
            upload_batches=options["upload_batches"],
            upload_orders=options["upload_orders"],
            naive_batches=options["naive_batches"],
            live_changes=options["live_changes"],
            live_rounds=options["live_rounds"],
            lag_changes=options["lag_changes"],
            lag_spacing_s=options["lag_spacing"],
            live_check=not options["skip_live_check"],
            growth=options["growth"],
            skip=frozenset(s for s in SECTIONS if options[f"skip_{s}"]),
            rebuild=options["rebuild"],
        )
        command = "python manage.py " + " ".join(sys.argv[1:]) if "benchmark" in sys.argv else ""
        try:
            result = benchmark_run(
                benchmark, command=command or "python manage.py benchmark", log=self.stderr.write
            )
        except (DatasetError, RefreshError, EndpointError, LiveError) as error:
            raise CommandError(str(error)) from error
        markdown = report_markdown(result)
        self.stdout.write(markdown)
        if options["out"] != "-":
            out = Path(options["out"])
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(markdown + "\n")
            self.stderr.write(f"Wrote {out}.")
