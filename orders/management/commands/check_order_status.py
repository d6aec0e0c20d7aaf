from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from orders.consistency import current_status_audit, current_status_repair

SHOWN_MISMATCHES = 20


class Command(BaseCommand):
    help = "Compare every order's current_status with its latest history row; --fix repairs."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="recompute the mismatching orders")

    def handle(self, *args, **options):
        audit = current_status_audit()
        if audit.count == 0:
            self.stdout.write(self.style.SUCCESS("0 mismatching orders."))
            return
        shown = ", ".join(audit.mismatched_numbers[:SHOWN_MISMATCHES])
        more = "" if audit.count <= SHOWN_MISMATCHES else ", ..."
        self.stdout.write(f"{audit.count} mismatching orders: {shown}{more}")
        if not options["fix"]:
            raise CommandError(f"{audit.count} orders have a stale current_status (use --fix).")
        fixed = current_status_repair(order_ids=audit.mismatched_ids)
        self.stdout.write(self.style.SUCCESS(f"Repaired {fixed} orders."))
