"""Rate files read into rates of the base currency (load_rates): the ECB's published CSV, or a
plain `currency,day,rate` list. Told apart by the header.

The ECB's eurofxref-hist.csv has a header `Date,USD,JPY,...` and one row per day of units of
each currency per 1 EUR, `N/A` or empty where it has none (and often an empty last column).
Into the base currency B: 1 EUR is x_B units of B, so one unit of C is worth x_B / x_C of B
(1 / x_C when B is EUR), and EUR itself x_B. A day without x_B gives no rates. Columns of
currencies no longer in ISO 4217 (the ECB keeps CYP, SIT, ...) and days before 2000 (no order
is older) are skipped and counted. Any other flaw is a RateFileError naming its line.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation, localcontext
from pathlib import Path

from pydantic import ValidationError

from currencies.iso4217 import CODES
from currencies.schemas import (
    EARLIEST_DAY,
    ERROR_RATE_RANGE,
    MAXIMUM,
    MINIMUM,
    QUANTUM,
    RateIn,
    tomorrow,
)
from currencies.services import RateData

ECB = "ecb"
LONG = "long"
MISSING = {"", "N/A", "NA"}
ERROR_HEADER = (
    "line 1: the header must be the ECB's (Date,USD,JPY,...: eurofxref-hist.csv) or "
    "currency,day,rate; got {header!r}"
)
ERROR_COLUMN = "line 1: column {number} ({name!r}) is not a currency code"
ERROR_COLUMN_REPEATED = "line 1: the currency {name} has two columns"
ERROR_NO_BASE_COLUMN = (
    "line 1: the file has no column for the base currency {base}; ECB rates convert into EUR "
    "or into a currency the file lists"
)
ERROR_FIELDS = "line {line}: {count} fields where the header has {expected}"
ERROR_DATE = "line {line}: {value!r} is not a date as YYYY-MM-DD"
ERROR_DATE_AFTER = "line {line}: {day} is after tomorrow ({tomorrow}, UTC)"
ERROR_DAY_REPEATED = "line {line}: {what} repeats line {other}"
ERROR_VALUE = "line {line}, column {name}: {value!r} is not a positive number, N/A or empty"
ERROR_CONVERTED = "line {line}, column {name}: the rate into {base}, {rate}, {problem}"
ERROR_LONG_FIELD = "line {line}, {name}: {problem}"
ERROR_ZIP = "{path}: a zip file must hold exactly one .csv file; it holds {names}"
ERROR_EMPTY = "the file is empty"


class RateFileError(ValueError):
    pass


@dataclass
class RateFile:
    format: str
    rates: list[RateData] = field(default_factory=list)
    days: int = 0
    days_without_base: int = 0
    days_before_earliest: int = 0
    skipped_columns: list[str] = field(default_factory=list)


def rate_lines(path: Path) -> Iterator[str]:
    """The text lines of a CSV file, or of the one CSV file in a zip (the ECB's download)."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [name for name in archive.namelist() if name.lower().endswith(".csv")]
            if len(names) != 1:
                raise RateFileError(ERROR_ZIP.format(path=path, names=names))
            with archive.open(names[0]) as raw:
                yield from io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        return
    with path.open(encoding="utf-8-sig", newline="") as text:
        yield from text


def rates_read(lines: Iterable[str], *, base: str) -> RateFile:
    """The rates of a rate file into `base`, sorted by (currency, day); RateFileError."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise RateFileError(ERROR_EMPTY)
    names = [name.strip() for name in header]
    if names and names[0].lower() == "date" and len(names) > 1:
        result = _ecb_read(reader, names, base=base)
    elif [name.lower() for name in names] == ["currency", "day", "rate"]:
        result = _long_read(reader)
    else:
        raise RateFileError(ERROR_HEADER.format(header=",".join(header)))
    result.rates.sort(key=lambda rate: (rate.currency, rate.day))
    return result


def _columns(names: list[str], base: str) -> tuple[dict[int, str], list[str]]:
    """Column index -> currency of the columns read; the unknown codes skipped."""
    columns, skipped = {}, []
    for index, name in enumerate(names[1:], start=1):
        if not name:  # the ECB's trailing comma
            continue
        code = name.upper()
        if len(code) != 3 or not code.isalpha() or not code.isascii():
            raise RateFileError(ERROR_COLUMN.format(number=index + 1, name=name))
        if code in columns.values():
            raise RateFileError(ERROR_COLUMN_REPEATED.format(name=code))
        if code in CODES:
            columns[index] = code
        else:
            skipped.append(code)
    if base != "EUR" and base not in columns.values():
        raise RateFileError(ERROR_NO_BASE_COLUMN.format(base=base))
    return columns, skipped


def _value(text: str, *, line: int, name: str) -> Decimal | None:
    text = text.strip()
    if text.upper() in MISSING:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value <= 0:
        raise RateFileError(ERROR_VALUE.format(line=line, name=name, value=text))
    return value


def _day(text: str, *, line: int) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise RateFileError(ERROR_DATE.format(line=line, value=text)) from None
    if day > (latest := tomorrow()):
        raise RateFileError(ERROR_DATE_AFTER.format(line=line, day=day, tomorrow=latest))
    return day


def _converted(numerator: Decimal, denominator: Decimal, **where) -> Decimal:
    with localcontext() as context:
        context.prec = 50
        rate = (numerator / denominator).quantize(QUANTUM, rounding=ROUND_HALF_EVEN)
    if not MINIMUM <= rate <= MAXIMUM:
        raise RateFileError(ERROR_CONVERTED.format(rate=rate, problem=ERROR_RATE_RANGE, **where))
    return rate


def _ecb_read(reader, names: list[str], *, base: str) -> RateFile:
    columns, skipped = _columns(names, base)
    result = RateFile(format=ECB, skipped_columns=skipped)
    seen: dict[datetime.date, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            raise RateFileError(ERROR_FIELDS.format(line=line, count=len(row), expected=len(names)))
        day = _day(row[0], line=line)
        if day in seen:
            raise RateFileError(ERROR_DAY_REPEATED.format(line=line, what=day, other=seen[day]))
        seen[day] = line
        values = {code: _value(row[index], line=line, name=code) for index, code in columns.items()}
        result.days += 1
        if day < EARLIEST_DAY:
            result.days_before_earliest += 1
            continue
        per_eur = Decimal(1) if base == "EUR" else values[base]
        if per_eur is None:
            result.days_without_base += 1
            continue
        if base != "EUR":
            values["EUR"] = Decimal(1)
        for code, value in values.items():
            if value is None or code == base:
                continue
            where = {"line": line, "name": code, "base": base}
            result.rates.append(RateData(code, day, _converted(per_eur, value, **where)))
    return result


def _long_read(reader) -> RateFile:
    result = RateFile(format=LONG)
    seen: dict[tuple[str, datetime.date], int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 3:
            raise RateFileError(ERROR_FIELDS.format(line=line, count=len(row), expected=3))
        currency, day, rate = (cell.strip() for cell in row)
        try:
            entry = RateIn.model_validate({"currency": currency, "day": day, "rate": rate})
        except ValidationError as error:
            first = error.errors()[0]
            raise RateFileError(
                ERROR_LONG_FIELD.format(line=line, name=first["loc"][0], problem=first["msg"])
            ) from None
        key = (entry.currency, entry.day)
        if key in seen:
            what = f"{entry.currency} on {entry.day}"
            raise RateFileError(ERROR_DAY_REPEATED.format(line=line, what=what, other=seen[key]))
        seen[key] = line
        result.days += 1
        result.rates.append(RateData(entry.currency, entry.day, entry.rate))
    return result
