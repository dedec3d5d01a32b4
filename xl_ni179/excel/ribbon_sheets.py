"""Writing results into the open workbook through xlwings.

The library's sheet writers record sheets that the ribbon puts into openpyxl worksheets
(``xl_ni179.consolidate.openpyxl_sheet``); ``copy_sheet`` puts such a sheet's
values and formats into a sheet of the open book, so the add-in and ``ni179 consolidate``
show the same thing without a second layout. Everything goes through xlwings' public
object model (values in one block, then formats in runs of cells), which the COM
engine and the remote engine both implement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from xl_ni179.text import in_cell

# Text Excel would read as a formula (or, for + - @, try to): written with a leading
# apostrophe, Excel's own "this is text" marker, which both COM and Office.js honour
# and which does not become part of the cell's value. The same starts as
# xl_ni179.template.styles.FORMULA_STARTS (not imported: the ribbon loads without openpyxl).
FORMULA_STARTS = ("=", "+", "-", "@")
HEADER_COLOR = "#1F4E78"
DEFAULT_ROW_HEIGHT = 15.0  # points: Excel's for Calibri 11
FINDING_COLORS = {"error": "#FFC7CE", "warning": "#FFEB9C"}


def as_text(value: Any) -> Any:
    """``value`` ready for ``range.value``: strings that look like formulas stay text, and
    control and other hidden characters (a finding quoting the partner's text) are shown as
    escapes (``text.in_cell``), as in every workbook we write."""
    if isinstance(value, str):
        value = in_cell(value)
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.date | dt.datetime | int | float) or value is None:
        return value
    if hasattr(value, "item"):  # numpy scalars from the summary's frames
        return value.item()
    return str(value)


def block(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """Rectangular, text-safe rows (Excel wants every row the same width)."""
    rows = [list(r) for r in rows]
    width = max((len(r) for r in rows), default=0)
    return [[as_text(v) for v in r] + [None] * (width - len(r)) for r in rows]


def find_sheet(book: Any, name: str) -> Any | None:
    for sheet in book.sheets:
        if sheet.name.casefold() == name.casefold():
            return sheet
    return None


def ensure_sheet(book: Any, name: str, *, first: bool = False) -> Any:
    """The sheet called ``name``, added (last, or first) if the book lacks it."""
    sheet = find_sheet(book, name)
    if sheet is not None:
        return sheet
    if first:
        return book.sheets.add(name, before=book.sheets[0])
    return book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])


def write_rows(sheet: Any, rows: Iterable[Sequence[Any]], top_left: str = "A1") -> tuple[int, int]:
    """Write ``rows`` as one block at ``top_left``; returns (row count, column count)."""
    values = block(rows)
    if values and values[0]:
        sheet[top_left].value = values
    return len(values), len(values[0]) if values else 0


def _runs(cells: Sequence[tuple[int, Any]]) -> list[tuple[int, int, Any]]:
    """Group (column, value) pairs of one row into (first column, last column, value) runs."""
    runs: list[tuple[int, int, Any]] = []
    for col, value in cells:
        if runs and runs[-1][1] == col - 1 and runs[-1][2] == value:
            runs[-1] = (runs[-1][0], col, value)
        else:
            runs.append((col, col, value))
    return runs


def _rgb(color: Any) -> str | None:
    """An openpyxl colour as #RRGGBB; None for theme/indexed colours we can't translate."""
    rgb = getattr(color, "rgb", None)
    if isinstance(rgb, str) and len(rgb) in (6, 8):
        return "#" + rgb[-6:].upper()
    return None


def _cell_value(cell: Any) -> Any:
    if cell.data_type == "f":
        return str(cell.value)  # a formula the writer meant: written as a formula
    return as_text(cell.value)


def copy_sheet(src: Any, dest: Any) -> None:
    """Replace the contents and formats of xlwings sheet ``dest`` with openpyxl sheet ``src``.

    Values, number formats, bold, font colour and size, fills, wrapping, merged cells, column
    widths and row heights are copied; charts, borders and conditional formats are not.
    """
    dest.clear()
    if (
        src.max_row < 1
        or src.max_column < 1
        or (src.max_row == 1 and src.max_column == 1 and src.cell(1, 1).value is None)
    ):
        return
    values = [[_cell_value(c) for c in row] for row in src.iter_rows()]
    dest["A1"].value = values
    attributes: dict[str, dict[int, list[tuple[int, Any]]]] = {
        "number_format": {},
        "bold": {},
        "italic": {},
        "size": {},
        "font_color": {},
        "fill": {},
        "wrap": {},
    }
    for row in src.iter_rows():
        for cell in row:
            found = {
                "number_format": cell.number_format if cell.number_format != "General" else None,
                "bold": True if cell.font and cell.font.b else None,
                "italic": True if cell.font and cell.font.i else None,
                "size": cell.font.sz if cell.font and cell.font.sz and cell.font.sz != 11 else None,
                "font_color": _rgb(cell.font.color) if cell.font and cell.font.color else None,
                "fill": _rgb(cell.fill.fgColor)
                if cell.fill and cell.fill.fill_type == "solid"
                else None,
                "wrap": True if cell.alignment and cell.alignment.wrap_text else None,
            }
            for key, value in found.items():
                if value is not None:
                    attributes[key].setdefault(cell.row, []).append((cell.column, value))
    for key, by_row in attributes.items():
        for row_number, cells in by_row.items():
            for first, last, value in _runs(cells):
                rng = dest.range((row_number, first), (row_number, last))
                _apply(rng, key, value)
    for letter, dim in src.column_dimensions.items():
        if dim.width:
            dest.range(f"{letter}1").column_width = dim.width
    for rng in src.merged_cells.ranges:  # text wrapped across a table's width (a long note)
        dest.range((rng.min_row, rng.min_col), (rng.max_row, rng.max_col)).merge()
    # Every row's height, in runs of equal heights (a row the source left alone gets Excel's
    # default): rows a wrapped text needs taller, and none left tall from the last refresh.
    heights = [
        (
            row,
            (src.row_dimensions[row].height if row in src.row_dimensions else None)
            or DEFAULT_ROW_HEIGHT,
        )
        for row in range(1, src.max_row + 1)
    ]
    for first, last, height in _runs(heights):
        dest.range((first, 1), (last, 1)).row_height = height


def _apply(rng: Any, key: str, value: Any) -> None:
    if key == "number_format":
        rng.number_format = value
    elif key == "bold":
        rng.font.bold = True
    elif key == "italic":
        rng.font.italic = True
    elif key == "size":
        rng.font.size = value
    elif key == "font_color":
        rng.font.color = value
    elif key == "fill":
        rng.color = value
    elif key == "wrap":
        rng.wrap_text = True
