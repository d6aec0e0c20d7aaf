"""The predicted part of customer lifetime value: BG/NBD (how many orders, and whether the
customer is still active) with Gamma-Gamma (how much an order is worth), fitted by
pymc-marketing's CLV module (an optional extra: requirements-clv.txt, `make clv`).

Pure computation over a summary table (numpy, pandas, pymc-marketing), no Django: the service
(reports.clv) reads the summary and stores the predictions, bench/clv_fit.py times it alone.
Fitted by maximum a posteriori (`method="map"`): one point estimate in seconds, where sampling
the posterior would take minutes at 500,000 customers.
"""

from __future__ import annotations

import importlib.util
import warnings
from dataclasses import dataclass

MODEL = "BG/NBD + Gamma-Gamma (pymc-marketing, MAP)"
LIBRARY = "pymc_marketing"
ERROR_NOT_INSTALLED = (
    "The predicted customer value needs pymc-marketing, an optional extra of about 800 MB: "
    "install it with `make clv` (or `.venv/bin/pip install -r requirements-clv.txt`), then run "
    "`python manage.py fit_clv` again. The exact lifetime value needs nothing more."
)
DAYS_PER_MONTH = 30.4375


class ClvUnavailableError(RuntimeError):
    pass


def clv_available() -> bool:
    return importlib.util.find_spec(LIBRARY) is not None


@dataclass(frozen=True)
class ClvPrediction:
    customer_ids: list[int]
    expected_orders: list[float]
    probability_alive: list[float]
    predicted_value: list[float]
    parameters: dict


def clv_predict(summary, *, horizon_months: int = 12) -> ClvPrediction:
    """Fit on `summary` (a pandas DataFrame: customer_id, frequency = repeat orders, recency and
    T in days, monetary_value = average order value) and predict each customer's orders, chance
    of being active and value over the next `horizon_months`."""
    if not clv_available():
        raise ClvUnavailableError(ERROR_NOT_INSTALLED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # arviz's refactor notice, pytensor's missing BLAS
        from pymc_marketing.clv import BetaGeoModel, GammaGammaModel

        transactions = BetaGeoModel(data=summary[["customer_id", "frequency", "recency", "T"]])
        transactions.fit(method="map", progressbar=False)
        repeat = summary[summary["frequency"] > 0]
        spend = GammaGammaModel(data=repeat[["customer_id", "frequency", "monetary_value"]])
        spend.fit(method="map", progressbar=False)
        horizon_days = horizon_months * DAYS_PER_MONTH
        expected = transactions.expected_purchases(summary, future_t=horizon_days)
        alive = transactions.expected_probability_alive(summary)
        value = spend.expected_customer_lifetime_value(
            transaction_model=transactions,
            data=summary,
            future_t=horizon_months,
            discount_rate=0.0,
            time_unit="D",
        )
    parameters = {
        name: float(transactions.fit_result[name].mean()) for name in ("a", "b", "alpha", "r")
    }
    parameters |= {
        f"gamma_gamma_{name}": float(spend.fit_result[name].mean()) for name in ("p", "q", "v")
    }
    return ClvPrediction(
        customer_ids=[int(value) for value in summary["customer_id"]],
        expected_orders=_flat(expected),
        probability_alive=_flat(alive),
        predicted_value=_flat(value),
        parameters=parameters,
    )


def _flat(result) -> list[float]:
    """One value per customer from a MAP fit's (chain, draw, customer) array."""
    return [float(value) for value in result.mean(("chain", "draw")).values]
