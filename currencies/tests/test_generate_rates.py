from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from currencies.models import ExchangeRate
from currencies.tests.conftest import rates_stored


def generate(*args) -> str:
    out = StringIO()
    call_command("generate_rates", *args, stdout=out)
    return out.getvalue()


ARGS = ("--currencies", "EUR,GBP,JPY", "--from", "2025-01-01", "--to", "2025-03-31")


def test_generated_rates_are_deterministic_plausible_and_idempotent(db):
    assert "270 rates of EUR, GBP, JPY into USD" in generate(*ARGS)
    first = rates_stored()
    assert len(first) == 270
    assert "270 unchanged" in generate(*ARGS)
    for currency, low, high in (("EUR", 0.9, 1.25), ("GBP", 1.1, 1.45), ("JPY", 0.005, 0.008)):
        rates = ExchangeRate.objects.filter(currency=currency).values_list("rate", flat=True)
        assert low < min(rates) and max(rates) < high
        assert len(set(rates)) > 80  # a walk, not a constant
    ExchangeRate.objects.all().delete()
    generate(*ARGS)
    assert rates_stored() == first
    assert "updated" in generate(*ARGS, "--seed", "2") and rates_stored() != first


def test_every_days_spaces_the_rates(db):
    generate(
        "--currencies", "EUR", "--from", "2025-01-01", "--to", "2025-01-31", "--every-days", "7"
    )
    days = sorted(day for _, day, _, _ in rates_stored())
    assert days == ["2025-01-01", "2025-01-08", "2025-01-15", "2025-01-22", "2025-01-29"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--currencies", "EUR,USD"), "USD is the base currency"),
        (("--currencies", "EUR,XXY"), "not ISO 4217"),
        (("--from", "1999-12-31"), "--from must not be before 2000-01-01"),
        (("--to", "2999-01-01"), "--to must not be after tomorrow"),
        (("--from", "2025-04-01"), "--from must not be after --to"),
        (("--every-days", "0"), "--every-days must be from 1 to 366"),
        (("--from", "2025-1-1"), "not a date"),
    ],
)
def test_bad_arguments_are_refused(db, args, message):
    given = dict(zip(ARGS[::2], ARGS[1::2], strict=True)) | dict(
        zip(args[::2], args[1::2], strict=True)
    )
    with pytest.raises(CommandError, match=message):
        generate(*[part for pair in given.items() for part in pair])
    assert rates_stored() == set()
