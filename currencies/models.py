"""Exchange rates: what one unit of a currency is worth in the base currency, per day.

An order's money converts at the latest rate on or before its day (UTC): a rate holds from its
day until the currency's next rate. The base currency (settings.REPORTS_BASE_CURRENCY) is
worth 1 and has no rows here. An order whose currency has no rate on or before its day is
unconverted: the reports show it apart (reports.revenue_by_currency), never at 1:1.

Every write statement logs the (currency, day) it touched to reports_data.rate_change; the
reports' refresh turns each into the orders of that currency from that day to the currency's
next rate, and applies those like any changed order (docs/CURRENCIES.md).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from orders.models import capture_triggers

# A rate is between these: wide enough for any pair of real currencies (1 USD is about 16,000
# IDR; 1 KWD about 3.3 USD), and bounded so that the largest order times the largest rate
# still fits every stored sum (docs/DESIGN.md §15).
RATE = {"max_digits": 20, "decimal_places": 10}
RATE_MIN = "0.0000000001"
RATE_MAX = 1_000_000


class ExchangeRate(models.Model):
    currency = models.CharField(
        max_length=3, db_comment="ISO 4217 code of the currency converted (never the base)"
    )
    day = models.DateField(
        db_comment="first UTC day the rate holds; it holds until the currency's next rate"
    )
    rate = models.DecimalField(
        **RATE,
        db_comment="units of the base currency (settings.REPORTS_BASE_CURRENCY) one unit of "
        "currency is worth on day: an order's money converts at the latest rate on or before "
        "its day",
    )
    source = models.CharField(
        max_length=50, default="api", db_comment="where the rate came from (api, ecb, ...)"
    )
    updated_at = models.DateTimeField(auto_now=True, db_comment="when the rate was last written")

    class Meta:
        db_table_comment = (
            "Exchange rates to the base currency, one per currency and day; an order converts "
            "at the latest rate on or before its UTC day."
        )
        constraints = [
            models.UniqueConstraint(fields=["currency", "day"], name="exchangerate_currency_day"),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="exchangerate_currency_code"
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=RATE_MIN, rate__lte=RATE_MAX),
                name="exchangerate_rate_range",
            ),
        ]
        # A write logs the (currency, day) of every row it touched, old and new: the orders
        # from there to the next rate change their conversion. An update of source alone
        # logs nothing.
        triggers = capture_triggers(
            log="rate_change",
            columns="currency, day",
            inserted="SELECT currency, day FROM new_rows",
            updated="SELECT currency, day FROM (SELECT currency, day, rate FROM new_rows EXCEPT "
            "SELECT currency, day, rate FROM old_rows) AS changed UNION "
            "SELECT currency, day FROM (SELECT currency, day, rate FROM old_rows EXCEPT "
            "SELECT currency, day, rate FROM new_rows) AS gone",
            deleted="SELECT currency, day FROM old_rows",
        )

    def __str__(self) -> str:
        return f"{self.currency} {self.day}: {self.rate}"
