from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from reports.clv import HORIZON_MONTHS, customer_value_fit
from reports.clv_model import ClvUnavailableError

ERROR_BUSY = "Another fit_clv is running; its predictions will replace these."


class Command(BaseCommand):
    help = (
        "Fit the predicted customer value (BG/NBD with Gamma-Gamma, pymc-marketing) on the "
        "stored customer statistics and store the predictions beside the exact lifetime value "
        "(reports.customer_value). Needs the optional extra: make clv."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--horizon-months", type=int, default=HORIZON_MONTHS, help="months to predict"
        )

    def handle(self, *args, **options):
        if not 1 <= options["horizon_months"] <= 120:
            raise CommandError("--horizon-months must be between 1 and 120.")
        try:
            fit = customer_value_fit(horizon_months=options["horizon_months"])
        except ClvUnavailableError as error:
            raise CommandError(str(error)) from error
        if fit is None:
            raise CommandError(ERROR_BUSY)
        self.stdout.write(
            f"Fitted on {fit.customers:,} customers (statistics as of "
            f"{fit.inputs_as_of.isoformat() if fit.inputs_as_of else 'never built'}) in "
            f"{fit.fit_seconds:.1f} s; predictions stored at {fit.fitted_at.isoformat()}."
        )
