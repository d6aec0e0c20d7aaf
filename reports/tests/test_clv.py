"""fit_clv: the predicted customer value (optional extra) and what it says when missing."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from reports.clv import customer_value_fit
from reports.clv_model import ERROR_NOT_INSTALLED, clv_available
from reports.selectors import reports_as_of
from reports.stored import report_differences
from reports.tasks import customer_value_fit_task
from reports.tests.conftest import json_body as body

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(clv_available(), reason="pymc-marketing is installed here")
def test_without_the_extra_fit_clv_says_how_to_install_it_and_writes_nothing(refreshed):
    with pytest.raises(CommandError, match="make clv"):
        call_command("fit_clv")
    assert customer_value_fit_task() == {"skipped": ERROR_NOT_INSTALLED}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM reports_data.customer_value_model")
        assert cursor.fetchone()[0] == 0


def test_a_bad_horizon_is_refused():
    with pytest.raises(CommandError, match="horizon"):
        call_command("fit_clv", "--horizon-months", "0")


@pytest.mark.skipif(not clv_available(), reason="the optional extra: make clv")
def test_the_fit_stores_a_prediction_per_buying_customer_beside_the_exact_part(
    refreshed, client_all
):
    fit = customer_value_fit()
    assert fit.inputs_as_of == reports_as_of()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), min(probability_alive), max(probability_alive), "
            "min(predicted_value) FROM reports_data.customer_value_prediction"
        )
        count, least_alive, most_alive, least_value = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM reports_data.customer_stats WHERE completed_orders > 0"
        )
        buyers = cursor.fetchone()[0]
    assert count == buyers == fit.customers > 0
    assert 0 <= least_alive <= most_alive <= 1 and least_value >= 0
    answer = body(client_all.get("/api/reports/customers/lifetime-value?user=edge_buyer"))
    assert answer["predicted"]["model"]["inputs_as_of"] == fit.inputs_as_of.isoformat()
    assert answer["predicted"]["predicted_value"] >= 0
    assert report_differences()["customer_value"] == []
