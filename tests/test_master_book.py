"""The committed master workbook is what xl_ni179.excel.master_book generates."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from xl_ni179.consolidate import SHEET_NAMES
from xl_ni179.excel.master_book import INPUT_SHEETS, master_book_bytes, write_master_book
from xl_ni179.partnership import load_partnership

COMMITTED = Path(__file__).resolve().parents[1] / "workbooks" / "NI179_master.xlsx"
REGENERATE = (
    'Regenerate it: python -c "from xl_ni179.excel.master_book import write_master_book; '
    "write_master_book('workbooks/NI179_master.xlsx')\""
)
WRITER = re.compile(rb"<Application>[^<]*</Application><AppVersion>[^<]*</AppVersion>")


def _content(path: Path) -> dict:
    wb = load_workbook(path)
    return {
        "sheets": wb.sheetnames,
        "names": {n: d.attr_text for n, d in wb.defined_names.items()},
        "cells": {
            ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb.worksheets
        },
        "validations": {
            ws.title: [
                (v.type, v.formula1, str(v.sqref)) for v in ws.data_validations.dataValidation
            ]
            for ws in wb.worksheets
        },
    }


def test_committed_master_matches_the_generator(tmp_path):
    fresh = write_master_book(tmp_path / "master.xlsx")
    assert _content(COMMITTED) == _content(fresh), REGENERATE


def _parts(data: bytes) -> list[tuple[str, tuple[int, ...], bytes]]:
    """Each part of a package, in order: its name, its zip date and its content (inflated)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [
            (i.filename, i.date_time, _comparable(i.filename, zf.read(i))) for i in zf.infolist()
        ]


def _comparable(name: str, body: bytes) -> bytes:
    # The one thing a new release of the writing library changes: its name and version.
    return WRITER.sub(b"", body) if name == "docProps/app.xml" else body


def test_generator_writes_the_committed_workbook_part_for_part():
    """The committed workbook is exactly what the generator writes now: the same parts in the
    same order, each byte for byte, with the same fixed dates (so the file is repeatable and
    the copy in the repository is not stale). Ignored: how zlib deflates each part, and the
    writing library's version in docProps/app.xml."""
    fresh, committed = _parts(master_book_bytes()), _parts(COMMITTED.read_bytes())
    assert [name for name, _, _ in fresh] == [name for name, _, _ in committed], REGENERATE
    for (name, date, body), (_, committed_date, committed_body) in zip(
        fresh, committed, strict=True
    ):
        assert date == committed_date, (
            f"{name}: zip date {date}, committed {committed_date}. {REGENERATE}"
        )
        assert body == committed_body, f"{name} differs from the committed workbook. {REGENERATE}"


def test_master_has_input_and_refreshed_sheets_and_settings_names(tmp_path):
    wb = load_workbook(write_master_book(tmp_path))
    assert set(wb.sheetnames) == {*INPUT_SHEETS, *SHEET_NAMES}
    names = {n: d.attr_text for n, d in wb.defined_names.items()}
    for name in ("ni179_workspace", "ni179_round", "ni179_inbox"):
        assert names[name].startswith("Settings!$B$")
    p = load_partnership()
    assert wb["Settings"][names["ni179_round"].split("!")[1].replace("$", "")].value == p.round().id
    scores = {
        row[0]: row[3] for row in wb["VFM scores"].iter_rows(min_row=5, values_only=True) if row[0]
    }
    assert scores == {o.code: p.vfm.scores.get(o.code) for o in p.organisations}
    projects = [
        row[0] for row in wb["Project status"].iter_rows(min_row=5, values_only=True) if row[0]
    ]
    assert projects == [x.code for x in p.projects]
