"""Issue 19 (item 11): CSV cells that a spreadsheet could run as a formula, beyond the first
character. Checked with LibreOffice Calc 7.4 (docs/DESIGN.md, "CSV cells"): with its "Trim
spaces" import option, ` =1+1` is a formula; fullwidth U+FF1D "1+1" stays text there, and is
neutralised anyway (Excel was not checked; the cost is one apostrophe on rare text)."""

from __future__ import annotations

import pytest

from api.csv_stream import _cell

NEUTRALISED = [
    "=1+1",
    "+1",
    "-1",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    " =1+1",  # LibreOffice with "Trim spaces": a formula
    "   +1+1",
    " -1",
    " @SUM(1+1)",
    "\u00a0=1+1",  # no-break space
    "\u3000=1+1",  # ideographic space
    "\uff1d1+1",  # fullwidth =
    "\uff0b1",  # fullwidth +
    "\uff0d1",  # fullwidth -
    "\uff20SUM(1+1)",  # fullwidth @
    "\ufe66HYPERLINK(1)",  # small equals sign, = under NFKC
    " \uff1dHYPERLINK(1)",
]
KEPT = ["", "a =1", "1+1", "Tea = green", "\u2212" + "1", "'=1+1", "   ", "Чай"]


@pytest.mark.parametrize("text", NEUTRALISED)
def test_a_cell_a_spreadsheet_could_run_is_prefixed(text):
    assert _cell(text) == "'" + text


@pytest.mark.parametrize("text", KEPT)
def test_other_text_is_kept_as_it_is(text):
    assert _cell(text) == text


def test_numbers_stay_numbers():
    assert _cell(-1) == -1
