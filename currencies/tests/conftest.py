from __future__ import annotations

import pytest

from currencies.models import ExchangeRate
from orders.api_keys import api_key_create
from orders.models import ApiKeyScope
from orders.tests.conftest import Api


class RatesApi(Api):
    def delete(self, path: str):
        return self.client.delete(path, **self._headers())


@pytest.fixture
def write_key(db) -> str:
    return api_key_create(name="rates-write", scope=ApiKeyScope.WRITE)


@pytest.fixture
def read_key(db) -> str:
    return api_key_create(name="rates-read", scope=ApiKeyScope.READ)


@pytest.fixture
def api(client, write_key) -> RatesApi:
    return RatesApi(client, write_key)


@pytest.fixture
def reader(client, read_key) -> RatesApi:
    return RatesApi(client, read_key)


def rates_stored() -> set[tuple[str, str, str, str]]:
    """Every stored rate as (currency, day, rate, source), rates normalised ("1.09")."""
    return {
        (rate.currency, rate.day.isoformat(), f"{rate.rate.normalize():f}", rate.source)
        for rate in ExchangeRate.objects.all()
    }
