from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from reports.refresh import FAILED, REFRESHED, UnknownViewError, reports_refresh

MESSAGE_LOCKED = (
    "Another refresh_reports run holds the lock (pg_try_advisory_lock); nothing refreshed."
)
MESSAGE_BLOCKING = "Blocking refresh (--no-concurrently): readers of each view wait for it."
ERROR_FAILED = (
    "{count} report view(s) did not refresh: {details}. Their previous contents are still "
    "served; see reports.refresh_log."
)


class Command(BaseCommand):
    help = (
        "Refresh the reports' materialized views in dependency order, CONCURRENTLY; "
        "one run at a time (a second run exits 0 without refreshing)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only",
            nargs="+",
            action="extend",
            default=[],
            metavar="NAME",
            help="refresh these views (plus what they read and what reads them)",
        )
        parser.add_argument(
            "--if-changed",
            action="store_true",
            help="skip views whose source tables have not changed since their last refresh",
        )
        parser.add_argument(
            "--no-concurrently",
            dest="concurrently",
            action="store_false",
            help="plain REFRESH (blocks readers); needed once for a view created WITH NO DATA",
        )

    def handle(self, *args, **options):
        if not options["concurrently"]:
            self.stdout.write(self.style.WARNING(MESSAGE_BLOCKING))
        try:
            run = reports_refresh(
                only=options["only"],
                if_changed=options["if_changed"],
                concurrently=options["concurrently"],
            )
        except UnknownViewError as error:
            raise CommandError(str(error)) from error
        if not run.lock_acquired:
            self.stdout.write(MESSAGE_LOCKED)
            return
        for outcome in run.outcomes:
            if outcome.status == REFRESHED:
                line = f"{outcome.rows:,} rows in {outcome.duration_ms:,} ms"
            else:
                line = outcome.detail
            style = self.style.ERROR if outcome.status == FAILED else str
            self.stdout.write(style(f"  {outcome.view:<20} {outcome.status:<13} {line}"))
        if run.failed:
            details = "; ".join(f"{o.view} ({o.detail})" for o in run.failed)
            raise CommandError(ERROR_FAILED.format(count=len(run.failed), details=details))
        refreshed = sum(o.status == REFRESHED for o in run.outcomes)
        self.stdout.write(
            self.style.SUCCESS(f"Refreshed {refreshed} of {len(run.outcomes)} report views.")
        )
