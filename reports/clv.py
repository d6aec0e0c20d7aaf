"""fit_clv: fit the predicted customer value on the stored customer statistics and store the
predictions beside the exact value (reports.customer_value), with the fit's time and the
statistics' as_of. The model itself is reports.clv_model (pymc-marketing, optional extra).
"""

from __future__ import annotations

import datetime
import json
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from project.sqlfiles import run_sql
from reports.clv_model import (
    DAYS_PER_MONTH,
    ERROR_NOT_INSTALLED,
    MODEL,
    ClvUnavailableError,
    clv_available,
    clv_predict,
)

HORIZON_MONTHS = 12
# At most one fit at a time (two would both replace the predictions).
FIT_LOCK = 218_640_321


@dataclass(frozen=True)
class ClvFit:
    customers: int
    inputs_as_of: datetime.datetime | None
    fitted_at: datetime.datetime
    fit_seconds: float


def _summary():
    import pandas

    own_transaction = not connection.in_atomic_block  # tests: the caller's transaction
    with transaction.atomic(), connection.cursor() as cursor:
        if own_transaction:  # as_of and the rows from one snapshot
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT as_of FROM reports_data.refresh_state")
        (as_of,) = cursor.fetchone()
        run_sql(cursor, "reports", "clv_summary.sql")
        columns = [column.name for column in cursor.description]
        return as_of, pandas.DataFrame(cursor.fetchall(), columns=columns)


def customer_value_fit(*, horizon_months: int = HORIZON_MONTHS) -> ClvFit | None:
    """Fit and store; None when another fit holds the lock. Raises ClvUnavailableError
    (reports.clv_model) when pymc-marketing is not installed."""
    if not clv_available():
        raise ClvUnavailableError(ERROR_NOT_INSTALLED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [FIT_LOCK])
        if not cursor.fetchone()[0]:
            return None
    try:
        return _fit(horizon_months=horizon_months)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [FIT_LOCK])


def _fit(*, horizon_months: int) -> ClvFit:
    started = time.perf_counter()
    as_of, summary = _summary()
    prediction = None if summary.empty else clv_predict(summary, horizon_months=horizon_months)
    fit_seconds = round(time.perf_counter() - started, 3)
    fitted_at = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM reports_data.customer_value_prediction")
        if prediction is not None:
            copy_sql = (
                "COPY reports_data.customer_value_prediction "
                "(customer_id, expected_orders, probability_alive, predicted_value) FROM STDIN"
            )
            with cursor.cursor.copy(copy_sql) as copy:
                for row in zip(
                    prediction.customer_ids,
                    (round(value, 4) for value in prediction.expected_orders),
                    (round(min(max(value, 0.0), 1.0), 5) for value in prediction.probability_alive),
                    (round(value, 2) for value in prediction.predicted_value),
                    strict=True,
                ):
                    copy.write_row(row)
        cursor.execute(
            "INSERT INTO reports_data.customer_value_model AS model "
            "(model, fitted_at, inputs_as_of, horizon_days, customers, fit_seconds, parameters) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (singleton) DO UPDATE SET model = excluded.model, "
            "fitted_at = excluded.fitted_at, inputs_as_of = excluded.inputs_as_of, "
            "horizon_days = excluded.horizon_days, customers = excluded.customers, "
            "fit_seconds = excluded.fit_seconds, parameters = excluded.parameters",
            [
                MODEL,
                fitted_at,
                as_of,
                round(horizon_months * DAYS_PER_MONTH),
                len(summary),
                fit_seconds,
                json.dumps(prediction.parameters if prediction else {}),
            ],
        )
    return ClvFit(len(summary), as_of, fitted_at, fit_seconds)
