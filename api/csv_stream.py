"""CSV answers of the list reports, streamed: memory stays flat whatever the number of rows.

Text cells that a spreadsheet could run as a formula are prefixed with a single quote (OWASP's
"CSV injection"), so a customer named `=HYPERLINK(...)` shows as text: those starting with a tab
or a carriage return, and those whose first character after any leading whitespace is `=`, `+`,
`-`, `@` or a compatibility form of one (fullwidth U+FF1D and its kin, small U+FE66: NFKC).
LibreOffice's "Trim spaces" import option makes ` =1+1` a formula (docs/DESIGN.md, "CSV
cells"). Numbers are written as numbers, never prefixed.
"""

from __future__ import annotations

import csv
import datetime
import itertools
import unicodedata
from collections.abc import Iterator
from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponseRedirect, StreamingHttpResponse
from ninja import Field

from api.types import MAX_INTEGER

AS_OF_HEADER = "X-Report-As-Of"
FORMULA_STARTS = ("\t", "\r")
FORMULA_SIGNS = frozenset("=+-@")


class _Echo:
    """csv.writer wants a file; this one hands each formatted line back."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()  # the same text as in the JSON answers
    if isinstance(value, str) and _formula_like(value):
        return "'" + value
    return value


def _formula_like(text: str) -> bool:
    first = text.lstrip()[:1]
    return text.startswith(FORMULA_STARTS) or (
        first != "" and unicodedata.normalize("NFKC", first)[:1] in FORMULA_SIGNS
    )


def _lines(rows: Iterator[tuple]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    try:
        for row in rows:
            yield writer.writerow([_cell(value) for value in row])
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()  # ends the server-side cursor's transaction when the client goes away


def csv_response(
    rows: Iterator[tuple], *, filename: str, as_of: datetime.datetime | None
) -> StreamingHttpResponse:
    """`rows` yields the header first, once its query has run (reports.selectors.report_stream).

    The header is taken here, before the response starts: a query that fails (a statement
    timeout, a bad parameter PostgreSQL refuses) is an error answer, never a 200 whose stream
    breaks after the first line.
    """
    rows = iter(rows)
    header = next(rows)
    response = StreamingHttpResponse(
        _lines(itertools.chain([header], rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    if as_of is not None:
        response[AS_OF_HEADER] = as_of.isoformat()
    return response


Format = Annotated[
    Literal["json", "csv"],
    Field(description="csv: a 307 redirect to this list's .csv operation, which streams it"),
]
CsvLimit = Annotated[
    int | None, Field(ge=1, le=MAX_INTEGER, description="at most this many rows (default: all)")
]
CSV_RESPONSE = {200: None}
CSV_DOCUMENT = {
    "responses": {
        200: {
            "description": f"the rows as CSV, the header first ({AS_OF_HEADER}: as_of)",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}
REDIRECT_DOCUMENT = {
    "responses": {
        307: {
            "description": "format=csv: the same list from its .csv operation",
            "headers": {"Location": {"schema": {"type": "string"}}},
        }
    }
}


def csv_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """format=csv on a JSON list: the same query at the list's .csv operation."""
    query = request.GET.copy()
    query.pop("format")
    path = request.path.rstrip("/") + ".csv"
    response = HttpResponseRedirect(f"{path}?{query.urlencode()}" if query else path)
    response.status_code = 307
    return response
