"""Canaries for the private parts of other libraries that our code relies on.

openpyxl has no public way to list a sheet's charts, to compare cell styles cheaply, to read a
sheet's cells without creating them, or to find where a chart is anchored;
CPython none to run the exit handlers without tearing the interpreter down. setup.cfg pins
openpyxl below its next minor version; when a pin is raised, or Python changes, these tests say
which private part moved and which of our modules to re-check.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Border, Side
from openpyxl.styles.cell_style import StyleArray

RECHECK = "re-check {users} before raising openpyxl's pin in setup.cfg"


def _sheet_with_chart():
    wb = Workbook()
    ws = wb.active
    for row in ([1], [2], [3]):
        ws.append(row)
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=1, min_row=1, max_row=3))
    ws.add_chart(chart, "C5")
    return wb, ws, chart


def test_a_sheets_charts_are_kept_in_its_charts_list() -> None:
    _, ws, chart = _sheet_with_chart()
    assert ws._charts == [chart], (
        "openpyxl no longer keeps a sheet's charts in Worksheet._charts: "
        + RECHECK.format(
            users="template/printing.py (a chart's rows count as used when pages are laid out)"
        )
    )


def test_a_loaded_charts_anchor_names_its_top_left_cell(tmp_path: Path) -> None:
    wb, _, _ = _sheet_with_chart()
    wb.save(tmp_path / "chart.xlsx")
    (loaded,) = load_workbook(tmp_path / "chart.xlsx").active._charts
    marker = loaded.anchor._from
    assert (marker.row, marker.col) == (4, 2), (
        "openpyxl's chart anchors no longer carry _from (0-based row "
        "and column): " + RECHECK.format(users="template/printing.py _used()")
    )


def test_a_cells_style_is_a_short_array_of_numbers() -> None:
    ws = Workbook().active
    styled, plain = ws["A1"], ws["A2"]
    styled.border = Border(left=Side(style="thin"))
    users = "template/printing.py _Sheet.look() (cells of one look are measured once)"
    assert isinstance(styled._style, StyleArray), (
        "openpyxl's Cell._style is no longer a StyleArray: " + RECHECK.format(users=users)
    )
    assert all(isinstance(i, int) for i in tuple(styled._style)) and not plain.has_style, (
        "Cell._style no longer reads as a tuple of numbers: " + RECHECK.format(users=users)
    )


def test_a_sheets_cells_are_a_dict_by_row_and_column_that_reading_does_not_grow() -> None:
    ws = Workbook().active
    ws["B3"] = "x"
    users = "template/printing.py _Sheet and _used()"
    assert dict(ws._cells) == {(3, 2): ws["B3"]}, (
        "openpyxl no longer keeps cells in Worksheet._cells by "
        "(row, column): " + RECHECK.format(users=users)
    )
    _ = [cell.value for cell in ws._cells.values()]
    assert len(ws._cells) == 1


def test_the_exit_handlers_can_be_run_before_a_fast_exit(tmp_path: Path) -> None:
    """``ni179`` (xl_ni179/cli/__init__.py run()) runs the exit handlers itself, then os._exit."""
    script = (
        "import atexit, os\n"
        "atexit.register(lambda: print('handler ran', flush=True))\n"
        "atexit._run_exitfuncs()\n"
        "os._exit(3)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout) == (3, "handler ran\n"), (
        "atexit._run_exitfuncs no longer runs the exit handlers once: re-check xl_ni179/cli/__init__.py run() "
        f"on this Python ({sys.version.split()[0]}): {result.stderr}"
    )
