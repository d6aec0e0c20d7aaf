from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from reports.consistency import reports_check

SHOWN_KEYS = 10
ERROR_DIFFERENCES = "{count} difference(s) between the stored reports and their definitions."
ERROR_FAILED = (
    "The reports could not be checked: {error}. Nothing was changed; try again (a statement "
    "timeout: REFRESH_STATEMENT_TIMEOUT_MS)."
)


class Command(BaseCommand):
    help = (
        "Compare every stored report (and each order's applied contribution) with its "
        "definition; print the differing keys and exit non-zero on any difference. --fix "
        "rebuilds the differing keys from the definitions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="rebuild the differing keys")

    def handle(self, *args, **options):
        try:
            result = reports_check(fix=options["fix"])
        except DatabaseError as error:
            raise CommandError(ERROR_FAILED.format(error=" ".join(str(error).split()))) from error
        if not result.lock_acquired:
            raise CommandError("refresh_reports is running; try again when it is done.")
        for name, keys in result.differences.items():
            shown = ", ".join(str(key[0] if len(key) == 1 else key) for key in keys[:SHOWN_KEYS])
            more = f" (+{len(keys) - SHOWN_KEYS} more)" if len(keys) > SHOWN_KEYS else ""
            line = f"  {name:<20} {len(keys):>8,} differing"
            self.stdout.write(line + (f": {shown}{more}" if keys else ""))
        count = sum(len(keys) for keys in result.differences.values())
        if options["fix"] and count:
            self.stdout.write(f"Fixed {result.fixed:,} stored row(s); checked again: ")
            remaining = sum(len(keys) for keys in result.after_fix.values())
            if remaining:
                raise CommandError(ERROR_DIFFERENCES.format(count=remaining))
            self.stdout.write(self.style.SUCCESS("no differences left."))
            return
        if count:
            raise CommandError(ERROR_DIFFERENCES.format(count=count))
        self.stdout.write(self.style.SUCCESS("Every stored report equals its definition."))
