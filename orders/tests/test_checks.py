from __future__ import annotations

import pytest
from django.test import override_settings

from orders.checks import E001_NOT_POSTGRESQL, check_database_is_postgresql


def test_postgresql_passes():
    assert check_database_is_postgresql() == []


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@override_settings(DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":m:"}})
def test_any_other_engine_is_refused_with_a_clear_message():
    [error] = check_database_is_postgresql()
    assert error.id == E001_NOT_POSTGRESQL
    assert "needs PostgreSQL" in error.msg
    assert "sqlite3" in error.msg
