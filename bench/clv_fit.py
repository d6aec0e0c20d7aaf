"""The predicted customer value's fit (reports.clv_model) over a synthetic summary of N
customers: wall time of the fit and prediction, and the process's peak memory. Needs the optional
extra (requirements-clv.txt); no database, no Django.

    .venv/bin/python -m bench.clv_fit --customers 500000
"""

from __future__ import annotations

import argparse
import resource
import time


def synthetic_summary(customers: int, *, seed: int = 1):
    """BG/NBD summaries shaped like a shop's: two years of first orders, Poisson repeat orders,
    gamma-distributed order values."""
    import numpy
    import pandas

    rng = numpy.random.default_rng(seed)
    age = rng.uniform(1, 730, customers)
    frequency = rng.poisson(1.5, customers)
    recency = numpy.where(frequency > 0, age * rng.uniform(0, 1, customers), 0.0)
    return pandas.DataFrame(
        {
            "customer_id": numpy.arange(1, customers + 1),
            "frequency": frequency,
            "recency": recency,
            "T": age,
            "monetary_value": rng.gamma(4, 25, customers) + 1,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=500_000)
    customers = parser.parse_args().customers
    started = time.perf_counter()
    from reports.clv_model import clv_predict

    imported = time.perf_counter()
    summary = synthetic_summary(customers)
    built = time.perf_counter()
    prediction = clv_predict(summary)
    fitted = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"customers                 {customers:,}")
    print(f"import pymc-marketing     {imported - started:.1f} s")
    print(f"synthetic summary         {built - imported:.1f} s")
    print(f"fit + predict (MAP)       {fitted - built:.1f} s")
    print(f"peak memory (max RSS)     {peak_mb:,.0f} MB")
    print(f"parameters                {prediction.parameters}")


if __name__ == "__main__":
    main()
