from __future__ import annotations

import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from currencies.tests.conftest import rates_stored

ECB_SAMPLE = Path(__file__).parent / "ecb_sample.csv"


def load(path: Path, *args) -> str:
    out = StringIO()
    call_command("load_rates", str(path), *args, stdout=out)
    return out.getvalue()


def written(tmp_path: Path, text: str, name: str = "rates.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_ecb_file_converts_into_the_base_currency(db):
    out = load(ECB_SAMPLE)
    # Base USD: EUR = x_USD, another currency x_USD / x_C, rounded to 10 places. The day
    # without USD, the day before 2000 and CYP (no longer in ISO 4217) are skipped.
    assert rates_stored() == {
        ("EUR", "2026-01-06", "1.1", "ecb"),
        ("JPY", "2026-01-06", "0.006875", "ecb"),
        ("GBP", "2026-01-06", "1.2941176471", "ecb"),
        ("EUR", "2026-01-05", "1.09", "ecb"),
        ("GBP", "2026-01-05", "1.2976190476", "ecb"),
    }
    assert "4 days, 5 rates into USD: 5 created, 0 updated, 0 unchanged" in out
    assert "skipped 1 days without a USD rate" in out
    assert "skipped 1 days before 2000-01-01" in out
    assert "skipped currencies no longer in ISO 4217: CYP" in out
    assert "5 unchanged" in load(ECB_SAMPLE)


@override_settings(REPORTS_BASE_CURRENCY="EUR")
def test_into_eur_each_rate_is_the_inverse(db):
    load(ECB_SAMPLE, "--source", "ecb-2026")
    assert ("USD", "2026-01-05", "0.9174311927", "ecb-2026") in rates_stored()
    assert ("JPY", "2026-01-02", "0.0063291139", "ecb-2026") in rates_stored()
    assert len(rates_stored()) == 7


@override_settings(REPORTS_BASE_CURRENCY="CHF")
def test_a_base_the_file_does_not_list_is_refused(db):
    with pytest.raises(CommandError, match="no column for the base currency CHF"):
        load(ECB_SAMPLE)


def test_the_zip_the_ecb_publishes_is_read(db, tmp_path):
    archive = tmp_path / "eurofxref-hist.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(ECB_SAMPLE, "eurofxref-hist.csv")
    load(archive)
    assert len(rates_stored()) == 5


def test_the_long_format_is_read_and_rates_update(db, tmp_path):
    path = written(tmp_path, "currency,day,rate\nEUR,2026-01-05,1.09\nGBP,2026-01-05,1.27\n")
    assert "2 created" in load(path)
    path = written(tmp_path, "Currency,Day,Rate\r\nEUR,2026-01-05,1.1\r\n\r\n")
    assert "1 updated" in load(path)
    assert rates_stored() == {
        ("EUR", "2026-01-05", "1.1", "file"),
        ("GBP", "2026-01-05", "1.27", "file"),
    }


ECB_HEADER = "Date,USD,GBP,\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("when,what\n2026-01-05,1\n", "line 1: the header must be the ECB's"),
        ("Date,USD,GB P,\n", "line 1: column 3 ('GB P') is not a currency code"),
        ("Date,USD,USD\n", "line 1: the currency USD has two columns"),
        (ECB_HEADER + "2026-01-05,1.1,0.8\n", "line 2: 3 fields where the header has 4"),
        (ECB_HEADER + "05/01/2026,1.1,0.8,\n", "line 2: '05/01/2026' is not a date"),
        (ECB_HEADER + "2026-01-05,1.1,0.8,\n2026-01-05,1.1,0.8,\n", "line 3: 2026-01-05 repeats"),
        (ECB_HEADER + "2026-01-05,1.1,abc,\n", "line 2, column GBP: 'abc' is not a positive"),
        (ECB_HEADER + "2026-01-05,1.1,-2,\n", "line 2, column GBP: '-2' is not a positive"),
        (ECB_HEADER + "2026-01-05,1.1,1e-12,\n", "line 2, column GBP: the rate into USD"),
        (ECB_HEADER + "2999-01-05,1.1,0.8,\n", "line 2: 2999-01-05 is after tomorrow"),
        ("currency,day,rate\nEUR,2026-01-05,1.1\nEURO,2026-01-05,1\n", "line 3, currency:"),
        ("currency,day,rate\nUSD,2026-01-05,1\n", "line 2, currency: is the base currency"),
        ("currency,day,rate\nEUR,1999-01-05,1\n", "line 2, day: must not be before 2000"),
        ("currency,day,rate\nEUR,2026-01-05,0\n", "line 2, rate: must be at least"),
        ("currency,day,rate\nEUR,2026-01-05\n", "line 2: 2 fields where the header has 3"),
        ("currency,day,rate\nEUR,2026-01-05,1\nEUR,2026-01-05,2\n", "line 3: EUR on 2026-01-05"),
    ],
)
def test_a_malformed_file_is_refused_with_its_line_and_nothing_is_written(
    db, tmp_path, text, message
):
    with pytest.raises(CommandError) as refused:
        load(written(tmp_path, text))
    assert str(refused.value).startswith(f"{tmp_path / 'rates.csv'}: {message}")
    assert rates_stored() == set()


def test_a_missing_file_or_one_not_utf8_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        load(tmp_path / "absent.csv")
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"currency,day,rate\nEUR,2026-01-05,1\xe9\n")
    with pytest.raises(CommandError, match="cannot be read as UTF-8"):
        load(path)
