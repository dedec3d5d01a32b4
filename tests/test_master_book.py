"""The committed master workbook is what xl_ni179.excel.master_book generates."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from xl_ni179.consolidate import SHEET_NAMES
from xl_ni179.excel.master_book import INPUT_SHEETS, master_book_bytes, write_master_book
from xl_ni179.partnership import load_partnership

COMMITTED = Path(__file__).resolve().parents[1] / "workbooks" / "NI179_master.xlsx"


def _content(path: Path) -> dict:
    wb = load_workbook(path)
    return {
        "sheets": wb.sheetnames,
        "names": {n: d.attr_text for n, d in wb.defined_names.items()},
        "cells": {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets},
        "validations": {ws.title: [(v.type, v.formula1, str(v.sqref)) for v in ws.data_validations.dataValidation]
                        for ws in wb.worksheets},
    }


def test_committed_master_matches_the_generator(tmp_path):
    fresh = write_master_book(tmp_path / "master.xlsx")
    assert _content(COMMITTED) == _content(fresh), "regenerate: python -c \"from xl_ni179.excel.master_book " \
        "import write_master_book; write_master_book('workbooks/NI179_master.xlsx')\""


def test_generating_twice_gives_the_same_bytes():
    assert master_book_bytes() == master_book_bytes()


def test_master_has_input_and_refreshed_sheets_and_settings_names(tmp_path):
    wb = load_workbook(write_master_book(tmp_path))
    assert set(wb.sheetnames) == {*INPUT_SHEETS, *SHEET_NAMES}
    names = {n: d.attr_text for n, d in wb.defined_names.items()}
    for name in ("ni179_workspace", "ni179_round", "ni179_inbox"):
        assert names[name].startswith("Settings!$B$")
    p = load_partnership()
    assert wb["Settings"][names["ni179_round"].split("!")[1].replace("$", "")].value == p.round().id
    scores = {row[0]: row[3] for row in wb["VFM scores"].iter_rows(min_row=5, values_only=True) if row[0]}
    assert scores == {o.code: p.vfm.scores.get(o.code) for o in p.organisations}
    projects = [row[0] for row in wb["Project status"].iter_rows(min_row=5, values_only=True) if row[0]]
    assert projects == [x.code for x in p.projects]
