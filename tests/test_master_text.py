"""Partner text reaches the master workbook as the partner wrote it, or not at all."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from xl_ni179.consolidate.sheet import Sheet
from xl_ni179.consolidate.xlhelpers import put
from xl_ni179.consolidate.xlsxwriting import write_workbook

CREATED = dt.datetime(2026, 1, 1)


def test_partner_text_that_looks_like_a_formula_link_or_number_stays_text(tmp_path):
    texts = [
        "=1+1",
        "http://example.org/x",
        "1e5",
        " 007",
        "_x0041_ literal",
        "@SUM(A1)",
        "\U0001f600" * 16_000,
    ]
    sheet = Sheet("Projects")
    for row, text in enumerate(texts, 1):
        put(sheet, row, 1, text)
    out = write_workbook([sheet], tmp_path / "master.xlsx", title="t", author="a", created=CREATED)
    ws = openpyxl.load_workbook(out)["Projects"]
    assert [ws.cell(row, 1).value for row in range(1, len(texts) + 1)] == texts


def test_a_text_too_long_for_a_cell_is_refused_not_cut_short(tmp_path):
    """XlsxWriter cuts a text over 32,767 UTF-16 units without a word (20,000 emoji came out
    as 16,383): writing the master stops instead of showing a partner's text cut short."""
    sheet = Sheet("Projects")
    put(sheet, 3, 2, "\U0001f600" * 20_000)
    with pytest.raises(ValueError, match="sheet Projects, cell B3"):
        write_workbook([sheet], tmp_path / "master.xlsx", title="t", author="a", created=CREATED)
