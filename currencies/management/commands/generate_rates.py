from __future__ import annotations

import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError

from currencies.conf import base_currency
from currencies.iso4217 import CODES
from currencies.schemas import EARLIEST_DAY, tomorrow
from currencies.services import rates_generate


def _currencies(value: str) -> list[str]:
    codes = list(dict.fromkeys(code.strip().upper() for code in value.split(",") if code.strip()))
    unknown = [code for code in codes if code not in CODES]
    if not codes or unknown:
        raise argparse.ArgumentTypeError(f"not ISO 4217 currency codes: {unknown or value!r}")
    return codes


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date as YYYY-MM-DD: {value!r}") from None


class Command(BaseCommand):
    help = (
        "Write synthetic exchange rates (a deterministic random walk around plausible levels) "
        "for the demo and the benchmark; the same arguments give the same rates."
    )

    def add_arguments(self, parser):
        parser.add_argument("--currencies", type=_currencies, required=True, help="EUR,GBP,JPY")
        parser.add_argument("--from", dest="first", type=_day, required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="last", type=_day, required=True, help="YYYY-MM-DD")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--every-days", type=int, default=1, help="one rate every N days")

    def handle(self, *args, currencies, first, last, seed, every_days, **options):
        base = base_currency()
        if base in currencies:
            raise CommandError(
                f"{base} is the base currency, always worth 1: it has no rates (leave it out "
                "of --currencies)"
            )
        if first < EARLIEST_DAY:
            raise CommandError(f"--from must not be before {EARLIEST_DAY}")
        if last > tomorrow():
            raise CommandError(f"--to must not be after tomorrow ({tomorrow()}, UTC)")
        if first > last:
            raise CommandError("--from must not be after --to")
        if not 1 <= every_days <= 366:
            raise CommandError("--every-days must be from 1 to 366")
        counts = rates_generate(
            currencies=currencies, first=first, last=last, seed=seed, every_days=every_days
        )
        self.stdout.write(
            f"{counts.received} rates of {', '.join(currencies)} into {base}, {first} to "
            f"{last}: {counts.created} created, {counts.updated} updated, "
            f"{counts.unchanged} unchanged"
        )
