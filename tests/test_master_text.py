"""Partner text reaches the master workbook as the partner wrote it, or not at all; a character
the workbook cannot show (a control, a bidi override) is written as its visible escape."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from click.testing import CliRunner
from helpers.partner_text import set_inline_text

from xl_ni179.cli import main
from xl_ni179.consolidate.openpyxl_sheet import fill_worksheet
from xl_ni179.consolidate.sheet import Sheet
from xl_ni179.consolidate.xlhelpers import put
from xl_ni179.consolidate.xlsxwriting import write_workbook
from xl_ni179.spec.schema import build_schema, project_comment_name
from xl_ni179.text import CELL_UNITS

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


# As the return's XML holds them: Excel writes a character XML cannot hold as _xHHHH_.
BELL_AND_RED = "Fleet: joint workshop_x0007_ contract_x001B_[31m let in March\u202e"
SHOWN = "Fleet: joint workshop\\x07 contract\\x1b[31m let in March\\u202e"


@pytest.mark.slow
def test_control_characters_in_a_returns_text_reach_the_master_visible(
    tmp_path, make_return, partnership, demo_round
):
    """They were dropped: the master showed 'workshop contract[31m', hiding that the partner's
    text held a bell and an escape sequence."""
    field = build_schema(partnership, demo_round).field(project_comment_name("fleet"))
    filled = make_return("MELTON", {field.name: "to be replaced"})
    path = set_inline_text(filled, tmp_path / "melton.xlsx", field.sheet, field.cell, BELL_AND_RED)
    ws, runner = str(tmp_path / "ws"), CliRunner()
    assert runner.invoke(main, ["--workspace", ws, "init"]).exit_code == 0
    args = ["--workspace", ws, "receive", str(path), "--sender", "finance@melton.example.org"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    out = tmp_path / "master.xlsx"
    args = ["--workspace", ws, "consolidate", "--round", demo_round.id, "--out", str(out)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    texts = [
        c.value
        for sheet in openpyxl.load_workbook(out).worksheets
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]
    assert SHOWN in texts


def test_both_master_writers_show_hidden_characters_and_keep_line_breaks(tmp_path):
    text = "=A1\x07 ok\n\tnext line\x1b[2K\x9b\u200b\ud800"
    shown = "=A1\\x07 ok\n\tnext line\\x1b[2K\\x9b\\u200b\\ud800"
    sheet = Sheet("Projects")
    put(sheet, 1, 1, text)
    out = write_workbook([sheet], tmp_path / "master.xlsx", title="t", author="a", created=CREATED)
    streamed = openpyxl.load_workbook(out)["Projects"]["A1"]
    assert (streamed.value, streamed.data_type, streamed.quotePrefix) == (shown, "s", True)

    book = openpyxl.Workbook()
    fill_worksheet(sheet, book.active)  # the ribbon's writer: openpyxl
    book.save(tmp_path / "ribbon.xlsx")
    copied = openpyxl.load_workbook(tmp_path / "ribbon.xlsx").active["A1"]
    assert (copied.value, copied.data_type, copied.quotePrefix) == (shown, "s", True)


def test_a_text_that_its_escapes_make_too_long_for_a_cell_is_cut_saying_so(tmp_path):
    sheet = Sheet("Projects")
    put(sheet, 1, 1, "a" + "\x07" * 10_000)  # 40,001 characters once each bell is shown
    out = write_workbook([sheet], tmp_path / "master.xlsx", title="t", author="a", created=CREATED)
    value = openpyxl.load_workbook(out)["Projects"]["A1"].value
    assert value.startswith("a\\x07\\x07") and len(value) <= CELL_UNITS
    assert value.endswith("(40,001 characters; the first 16,283 are shown)")
