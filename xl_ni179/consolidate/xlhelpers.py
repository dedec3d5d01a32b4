"""Small helpers the master workbook's sheet writers share: titles, tables, formats, fills."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from openpyxl.cell import MergedCell
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xl_ni179.partnership import Agreement, targets
from xl_ni179.template.styles import (
    BOLD,
    BOX,
    FONT_NAME,
    MONEY_FORMAT,
    NOTE_FONT,
    PCT_FORMAT,
    TITLE_FONT,
    WRAP,
    set_text,
    style_header,
)

MONEY = MONEY_FORMAT  # £000 with one decimal; the header says £000
PCT = PCT_FORMAT
POUNDS = '"£"#,##0'
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
SECTION_FONT = Font(name=FONT_NAME, bold=True, size=12, color="1F4E78")

FILLS = {
    "Green": PatternFill("solid", fgColor="C6EFCE"),
    "Amber": PatternFill("solid", fgColor="FFEB9C"),
    "Red": PatternFill("solid", fgColor="FFC7CE"),
    "Not rated": PatternFill("solid", fgColor="EDEDED"),
    "accepted": PatternFill("solid", fgColor="C6EFCE"),
    "rejected": PatternFill("solid", fgColor="F8CBAD"),
    "missing": PatternFill("solid", fgColor="FFC7CE"),
    "late": PatternFill("solid", fgColor="FFEB9C"),
    "total": PatternFill("solid", fgColor="DDEBF7"),
}


def reset(ws: Worksheet) -> None:
    """Empty a sheet so a writer can refresh it in place (the add-in rewrites existing sheets)."""
    for rng in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(rng))
    if ws.max_row:
        ws.delete_rows(1, ws.max_row)
    # openpyxl has no public way to drop a sheet's charts and images (nor do its stubs name these).
    ws._charts = []  # type: ignore[attr-defined]
    ws._images = []  # type: ignore[attr-defined]
    ws.conditional_formatting = ConditionalFormattingList()
    ws.freeze_panes = None
    ws.auto_filter.ref = None


def put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None) -> None:
    """Write one value; text always lands as text, never as a formula."""
    cell = ws.cell(row=row, column=col)
    if isinstance(cell, MergedCell):
        raise ValueError(f"cannot write to {ws.title}!{cell.coordinate}: it is inside merged cells")
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        cell.value = None
    elif isinstance(value, str):
        set_text(cell, value)
    elif isinstance(value, bool):
        cell.value = "Yes" if value else "No"
    elif isinstance(value, dt.datetime | dt.date):
        cell.value = value
        cell.number_format = DATETIME if isinstance(value, dt.datetime) else DATE
    else:
        value = value.item() if hasattr(value, "item") else value
        # Sums of one-decimal figures pick up float noise; Excel's formula bar would show it.
        cell.value = float(f"{value:.12g}") if isinstance(value, float) else value
    if fmt:
        cell.number_format = fmt


def title(ws: Worksheet, text: str, subtitle: str = "", note_text: str = "") -> int:
    """Sheet title, subtitle and a note; returns the next free row."""
    put(ws, 1, 1, text)
    ws.cell(1, 1).font = TITLE_FONT
    row = 2
    if subtitle:
        put(ws, row, 1, subtitle)
        ws.cell(row, 1).font = BOLD
        row += 1
    if note_text:
        note(ws, row, note_text)
        row += 1
    return row + 1


def section(ws: Worksheet, row: int, text: str) -> int:
    put(ws, row, 1, text)
    ws.cell(row, 1).font = SECTION_FONT
    return row + 1


def note(ws: Worksheet, row: int, text: str, col: int = 1) -> int:
    put(ws, row, col, text)
    ws.cell(row, col).font = NOTE_FONT
    return row + 1


def header(ws: Worksheet, row: int, labels: Sequence[str], col: int = 1) -> int:
    for offset, label in enumerate(labels):
        put(ws, row, col + offset, label)
        style_header(ws.cell(row, col + offset))
    ws.row_dimensions[row].height = 30 if any(len(x) > 14 for x in labels) else None
    return row + 1


def table(ws: Worksheet, row: int, labels: Sequence[str], rows: Iterable[Sequence[Any]],
          formats: Sequence[str | None] = (), col: int = 1, wrap: Sequence[int] = ()) -> int:
    """A header row then data rows; ``formats`` per column; returns the next free row."""
    row = header(ws, row, labels, col)
    # Assigning a border or alignment makes openpyxl hash the style object to find it in
    # the workbook's style table, which dominates large tables; the finished style of
    # each kind of cell is worked out once and copied (it is a short array of indices:
    # openpyxl's private ``_style``, which its stubs do not name).
    finished: dict[tuple, StyleArray] = {}
    for values in rows:
        for offset, value in enumerate(values):
            fmt = formats[offset] if offset < len(formats) else None
            put(ws, row, col + offset, value, fmt)
            cell = ws.cell(row, col + offset)
            key = (tuple(cell._style or ()), offset in wrap)  # type: ignore[union-attr]
            style = finished.get(key)
            if style is None:
                cell.border = BOX
                if offset in wrap:
                    cell.alignment = WRAP
                finished[key] = StyleArray(cell._style)  # type: ignore[union-attr]
            else:
                cell._style = StyleArray(style)  # type: ignore[union-attr]
        row += 1
    return row


def fill_row(ws: Worksheet, row: int, first: int, last: int, fill: PatternFill) -> None:
    for col in range(first, last + 1):
        ws.cell(row, col).fill = fill


def bold_row(ws: Worksheet, row: int, first: int, last: int) -> None:
    for col in range(first, last + 1):
        ws.cell(row, col).font = BOLD


def widths(ws: Worksheet, sizes: Sequence[float], first: int = 1) -> None:
    for offset, size in enumerate(sizes):
        ws.column_dimensions[get_column_letter(first + offset)].width = size


def wrap_cell(ws: Worksheet, row: int, col: int) -> None:
    ws.cell(row, col).alignment = Alignment(wrap_text=True, vertical="top")


def basis_note(agreement: Agreement) -> str:
    """What an agreement's gains figures are, in words, with the years it reports only."""
    text = f"Gains counted: {targets.basis_text(agreement)}."
    base = targets.base_year(agreement)
    if base:
        text += (f" From {agreement.counts_from} each figure is NI 179 for the year less NI 179 at the "
                 f"end of {base}, so gains made before {agreement.label} started do not count towards it.")
    if agreement.reported_only:
        listed = ", ".join(agreement.reported_only)
        text += (f" {listed}: reported against its own rate (NI 179 for that year) but not counted "
                 f"towards the cumulative target.")
    return text
