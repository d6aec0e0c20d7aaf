from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from reports.refresh import FOLLOW_INTERVAL_S, RefreshRun, reports_follow, reports_refresh

MESSAGE_LOCKED = "Another refresh_reports run holds the lock; nothing applied."
MESSAGE_FOLLOWING = "Following the change log (every {interval} s); stop with Ctrl-C or SIGTERM."
MESSAGE_STOPPED = "Stopped."
ERROR_FAILED = (
    "The reports did not refresh: {error}. The last good contents are still served; "
    "see reports_data.refresh_log."
)


def describe(run: RefreshRun) -> str:
    if not run.lock_acquired:
        return MESSAGE_LOCKED
    if run.failed:
        return f"{run.mode} refresh failed after {run.duration_ms:,} ms: {run.error}"
    return (
        f"{run.mode}: {run.orders_touched:,} orders touched, {run.orders_changed:,} changed, "
        f"{run.customers_touched:,} customers; as of {run.as_of:%Y-%m-%d %H:%M:%S.%f %Z} "
        f"in {run.duration_ms:,} ms"
    )


class Command(BaseCommand):
    help = (
        "Bring the stored reports up to date: apply the changes committed since the last run "
        "(or rebuild from the definitions when one is due), once, or with --follow until "
        "stopped. One run at a time; readers are never blocked."
    )

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--full",
            action="store_true",
            help="rebuild every stored report from its definition (readers keep reading)",
        )
        mode.add_argument(
            "--follow",
            action="store_true",
            help="run until stopped, applying committed changes within about a second",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=FOLLOW_INTERVAL_S,
            help=f"--follow: seconds between polls of the change log ({FOLLOW_INTERVAL_S})",
        )

    def handle(self, *args, **options):
        if options["follow"]:
            self._follow(interval=options["interval"])
            return
        run = reports_refresh(full=options["full"])
        if run.failed:
            raise CommandError(ERROR_FAILED.format(error=run.error))
        self.stdout.write(describe(run))

    def _follow(self, *, interval: float) -> None:
        if interval <= 0:
            raise CommandError("--interval must be a positive number of seconds.")
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(MESSAGE_FOLLOWING.format(interval=interval))

        def report(run: RefreshRun) -> None:
            if run.failed:
                self.stderr.write(describe(run))
            elif run.orders_touched or run.customers_touched or run.mode == "full":
                self.stdout.write(describe(run))

        reports_follow(stop=stop, interval=interval, on_run=report)
        self.stdout.write(MESSAGE_STOPPED)
