"""What `ni179 consolidate` writes: summary.json exactly as before the master workbook was
streamed by XlsxWriter (issue 20), a workbook that is the same bytes every time, and the
ribbon's sheets (through openpyxl) showing what the workbook shows."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers.summary_golden import GOLDEN, demo_summaries, seeded_summary, summary_text
from openpyxl import Workbook, load_workbook

from xl_ni179.consolidate import SHEET_NAMES, write_consolidation
from xl_ni179.consolidate.master import record_sheet
from xl_ni179.consolidate.openpyxl_sheet import fill_worksheet
from xl_ni179.consolidate.sheet import fit_rows


@pytest.fixture(scope="module")
def summary():
    return seeded_summary()


def test_summary_json_is_unchanged_for_the_seeded_round(summary) -> None:
    assert summary_text(summary) == (GOLDEN / "seeded.summary.json").read_text("utf-8")


def test_summary_json_is_unchanged_for_both_demo_rounds(tmp_path) -> None:
    for round_id, data in demo_summaries(tmp_path).items():
        assert data == (GOLDEN / f"demo-{round_id}.summary.json").read_bytes(), round_id


def test_the_master_workbook_is_the_same_bytes_every_time(summary, tmp_path) -> None:
    first = write_consolidation(summary, tmp_path / "first.xlsx").read_bytes()
    second = write_consolidation(summary, tmp_path / "second.xlsx").read_bytes()
    assert first == second
    wb = load_workbook(tmp_path / "first.xlsx")
    assert wb.properties.created == dt.datetime.combine(summary.as_of, dt.time())
    assert wb.properties.title == "NI 179 Efficiency – 2008/09 review: master"


def _shown(ws) -> dict[str, object]:
    # An empty text is a blank cell in Excel (and in the saved workbook).
    return {
        c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value not in (None, "")
    }


def test_the_ribbon_sheets_show_what_the_workbook_shows(summary, tmp_path) -> None:
    """The ribbon puts each recorded sheet into openpyxl and copies it into the open book; the
    command line streams the same recordings: the same values in the same cells, the same
    number formats, fills, frozen panes and filters."""
    master = load_workbook(write_consolidation(summary, tmp_path / "master.xlsx"))
    scratch = Workbook()
    for name in SHEET_NAMES:
        sheet = record_sheet(name, summary)
        fit_rows(sheet)
        ribbon = fill_worksheet(sheet, scratch.create_sheet(name))
        written = master[name]
        assert _shown(ribbon) == _shown(written), name
        for coordinate in _shown(written):
            mine, theirs = ribbon[coordinate], written[coordinate]
            assert mine.number_format == theirs.number_format, f"{name}!{coordinate}"
            assert mine.font.b == theirs.font.b, f"{name}!{coordinate}"
            assert (mine.fill.fgColor.rgb[-6:] if mine.fill.fill_type else None) == (
                theirs.fill.fgColor.rgb[-6:] if theirs.fill.fill_type else None
            ), f"{name}!{coordinate}"
            assert bool(mine.quotePrefix) == bool(theirs.quotePrefix), f"{name}!{coordinate}"
        assert ribbon.freeze_panes == written.freeze_panes, name
        assert ribbon.auto_filter.ref == written.auto_filter.ref, name
        assert sorted(map(str, ribbon.merged_cells.ranges)) == sorted(
            map(str, written.merged_cells.ranges)
        ), name


def test_writing_the_master_loads_no_openpyxl(tmp_path) -> None:
    """`ni179 consolidate` streams its workbook with XlsxWriter: importing openpyxl as well
    would cost the command a tenth of a second for nothing."""
    import subprocess
    import sys
    from pathlib import Path

    script = (
        "import sys; from helpers.summary_golden import seeded_summary\n"
        "from xl_ni179.consolidate import write_consolidation\n"
        f"write_consolidation(seeded_summary(), __import__('pathlib').Path({str(tmp_path / 'm.xlsx')!r}))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'openpyxl'))"
    )
    tests = Path(__file__).resolve().parent
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=tests, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout
    assert (tmp_path / "m.xlsx").stat().st_size > 0
