from __future__ import annotations

import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from currencies.conf import channels
from currencies.iso4217 import CODES
from orders.generation import (
    DEFAULT_CHUNK_SIZE,
    MAX_PRODUCTS,
    MIN_PRODUCTS,
    GenerationError,
    orders_generate,
)
from orders.models import Order

ALL_CHANNELS = "all"  # --channels all: every channel of REPORTS_CHANNELS


def _end_of_range(value: str | None) -> datetime.datetime:
    if value is None:
        return timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--end must be an ISO-8601 date or datetime, got {value!r}") from error
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


def _currencies(value: str) -> list[str]:
    codes = [code.strip() for code in value.split(",") if code.strip()]
    unknown = [code for code in codes if code not in CODES]
    if not codes or unknown:
        raise argparse.ArgumentTypeError(f"not ISO 4217 currency codes: {unknown or value!r}")
    return codes


def _channels(value: str) -> list[str]:
    if value.strip() == ALL_CHANNELS:
        return channels()
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in channels()]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"not in REPORTS_CHANNELS ({', '.join(channels())}): {unknown or value!r}"
        )
    return names


class Command(BaseCommand):
    help = "Append realistic generated orders (items, status histories) using set-based SQL."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=200_000)
        parser.add_argument("--customers", type=int, help="default: one per 20 orders")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--end", help="newest possible timestamp (ISO-8601); default: today 00:00 UTC"
        )
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK_SIZE)
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="parallel connections when appending; parallel workers per index build when "
            "the tables are empty",
        )
        parser.add_argument(
            "--products",
            type=int,
            help=f"products in the generated catalog; default: half the orders, at least "
            f"{MIN_PRODUCTS}, at most {MAX_PRODUCTS:,}",
        )
        parser.add_argument(
            "--currencies",
            type=_currencies,
            help="comma-separated ISO 4217 codes, each order one of them (default: the base "
            "currency, REPORTS_BASE_CURRENCY)",
        )
        parser.add_argument(
            "--channels",
            type=_channels,
            help="comma-separated sales channels of REPORTS_CHANNELS, or 'all' of them, each order "
            "one of them (default: the first)",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when orders already exist"
        )

    def handle(self, *args, **options):
        orders = options["orders"]
        customers = options["customers"] or max(1, orders // 20)
        products = options["products"]
        if min(orders, customers, options["chunk_size"], options["workers"], products or 1) < 1:
            raise CommandError(
                "--orders, --customers, --chunk-size, --workers and --products must be at least 1"
            )
        if options["if_empty"] and Order.objects.exists():
            self.stdout.write("Orders already exist; nothing generated (--if-empty).")
            return

        def progress(done: int, total: int, seconds: float) -> None:
            rate = done / seconds if seconds else 0
            self.stdout.write(f"  {done:>11,} / {total:,} orders  {seconds:7.1f} s  {rate:,.0f}/s")

        try:
            result = orders_generate(
                orders=orders,
                customers=customers,
                seed=options["seed"],
                end=_end_of_range(options["end"]),
                chunk_size=options["chunk_size"],
                workers=options["workers"],
                products=products,
                currencies=options["currencies"],
                channels=options["channels"],
                progress=progress,
            )
        except GenerationError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {result.orders:,} orders (GEN-{result.first_number:010d} .. "
                f"GEN-{result.last_number:010d}) in {result.seconds:.1f} s"
                + (" (bulk load into empty tables)" if result.bulk_load else "")
            )
        )
        for phase, seconds in result.phases.items():
            self.stdout.write(f"  {seconds:7.1f} s  {phase}")
