"""Query-string parameters of the report endpoints: parsed together, refused together.

Every bad parameter becomes one error whose pointer names it (`/query/limit`); `check()` raises
a single 400 problem listing them all. Page sizes and limits above their cap are lowered to it
(and the response says which value it used).
"""

from __future__ import annotations

import datetime
import re

from django.http import HttpRequest

from orders.problems import FieldError, Problem, pointer

ERROR_BAD_PARAMETERS = "Some query parameters are invalid; see errors."
ERROR_REQUIRED = "is required"
ERROR_NUL = "must not contain NUL characters"
ERROR_NOT_INTEGER = "must be an integer"
ERROR_TOO_SMALL = "must be at least {minimum}"
ERROR_TOO_LARGE = "must be at most {maximum}"
MAX_INTEGER = 2**31 - 1  # far beyond any page, and safe for SQL LIMIT/OFFSET
ERROR_NOT_CHOICE = "must be one of: {choices}"
ERROR_NOT_MONTH = "must be a month as YYYY-MM"
ERROR_NOT_DAY = "must be a date as YYYY-MM-DD"
ERROR_RANGE_REVERSED = "must not be after {other}"
ERROR_RANGE_TOO_LONG = "spans more than {days} days; narrow it or use format=csv"

FORMATS = ("json", "csv")
_MONTH = re.compile(r"\d{4}-\d{2}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class QueryParams:
    def __init__(self, request: HttpRequest) -> None:
        self._query = request.GET
        self.errors: list[FieldError] = []

    def error(self, name: str, detail: str) -> None:
        self.errors.append(FieldError(pointer("query", name), detail))

    def check(self) -> None:
        if self.errors:
            raise Problem(400, ERROR_BAD_PARAMETERS, errors=self.errors)

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self._query.get(name, "").strip()
        if "\x00" in value:
            self.error(name, ERROR_NUL)
            return None
        if not value:
            if required:
                self.error(name, ERROR_REQUIRED)
            return None
        return value

    def integer(
        self,
        name: str,
        *,
        default: int | None,
        minimum: int = 0,
        cap: int | None = None,
        required: bool = False,
    ) -> int | None:
        raw = self.text(name, required=required)
        if raw is None:
            if name in self._query and not required and "\x00" not in self._query[name]:
                self.error(name, ERROR_NOT_INTEGER)  # `limit=`: given, but empty
            return default
        try:
            value = int(raw)
        except ValueError:
            self.error(name, ERROR_NOT_INTEGER)
            return default
        if value < minimum:
            self.error(name, ERROR_TOO_SMALL.format(minimum=minimum))
            return default
        if value > MAX_INTEGER:
            self.error(name, ERROR_TOO_LARGE.format(maximum=MAX_INTEGER))
            return default
        return value if cap is None else min(value, cap)

    def choice(self, name: str, *, choices: tuple[str, ...], default: str) -> str:
        value = self.text(name) or default
        if value not in choices:
            self.error(name, ERROR_NOT_CHOICE.format(choices=", ".join(choices)))
            return default
        return value

    def output_format(self) -> str:
        return self.choice("format", choices=FORMATS, default="json")

    def month(self, name: str) -> datetime.date | None:
        raw = self.text(name)
        if raw is None:
            return None
        try:
            if _MONTH.fullmatch(raw):
                return datetime.date.fromisoformat(f"{raw}-01")
        except ValueError:
            pass
        self.error(name, ERROR_NOT_MONTH)
        return None

    def day(self, name: str) -> datetime.date | None:
        raw = self.text(name)
        if raw is None:
            return None
        try:
            if _DAY.fullmatch(raw):
                return datetime.date.fromisoformat(raw)
        except ValueError:
            pass
        self.error(name, ERROR_NOT_DAY)
        return None

    def ordered(self, first_name: str, first, last_name: str, last) -> None:
        if first is not None and last is not None and first > last:
            self.error(first_name, ERROR_RANGE_REVERSED.format(other=last_name))
