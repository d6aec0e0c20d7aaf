from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from currencies.conf import base_currency
from currencies.models import ExchangeRate
from currencies.rate_files import ECB, RateFileError, rate_lines, rates_read
from currencies.schemas import MAX_RATES
from currencies.services import NO_WRITES, rate_upsert_many

SOURCE_MAX = ExchangeRate._meta.get_field("source").max_length


class Command(BaseCommand):
    help = (
        "Load exchange rates from a CSV file (or its zip) into the base currency: the ECB's "
        "eurofxref-hist.csv (Date,USD,JPY,...), or currency,day,rate. All or nothing; a "
        "re-run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--source",
            help="stored with each rate written (default: ecb for the ECB format, else file)",
        )

    def handle(self, *args, file: Path, source: str | None, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            read = rates_read(rate_lines(file), base=base_currency())
        except RateFileError as error:
            raise CommandError(f"{file}: {error}") from error
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{file}: cannot be read as UTF-8 text: {error}") from error
        source = source or (ECB if read.format == ECB else "file")
        if not 0 < len(source) <= SOURCE_MAX:
            raise CommandError(f"--source must be 1 to {SOURCE_MAX} characters")
        counts = NO_WRITES
        with transaction.atomic():
            for start in range(0, len(read.rates), MAX_RATES):
                batch = read.rates[start : start + MAX_RATES]
                counts += rate_upsert_many(rates=batch, source=source)
        self.stdout.write(
            f"{file}: {read.days} days, {counts.received} rates into {base_currency()}: "
            f"{counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged"
        )
        for count, why in (
            (read.days_without_base, f"without a {base_currency()} rate"),
            (read.days_before_earliest, "before 2000-01-01"),
        ):
            if count:
                self.stdout.write(f"skipped {count} days {why}")
        if read.skipped_columns:
            self.stdout.write(
                "skipped currencies no longer in ISO 4217: " + ", ".join(read.skipped_columns)
            )
