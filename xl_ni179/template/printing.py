"""How a sheet we write looks on screen and on paper: rows tall enough for their text, and
A4 pages one page wide, with the headings repeated and page breaks between tables.

Each workbook declares its sheets' pages in one place (``Pages`` per sheet: the return in
``template.builder``, the checked copy in ``intake.annotate``, the master workbook in
``consolidate.master`` and ``excel.master_book``) and calls ``print_ready`` once a sheet is
written. What prints at the top of every page is what stays on screen: the rows above the
frozen panes, unless the declaration says otherwise.

Page breaks are worked out here rather than left to the program: a table is a run of
rows with no blank row in it (a section title, its headings, its lines and its notes),
and a table that would not fit on what is left of a page starts a new one, if it fits on
a page of its own. The estimate uses the same measures as Excel (column widths in
digits, row heights in points) with a little room to spare, since LibreOffice and Excel
round widths differently.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from openpyxl.cell import Cell, MergedCell
from openpyxl.styles import Alignment
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from xl_ni179.template import textfit
from xl_ni179.template.measure import (  # noqa: F401 - measure's names, as printing has always offered them
    A4,
    CELL_EDGE,
    CHART_ROW_CM,
    DEFAULT_HEIGHT,
    DEFAULT_PAGES,
    DEFAULT_WIDTH,
    INPUT_LINES,
    MARGINS,
    POINTS_PER_WIDTH,
    ROOM,
    CellLook,
    Layout,
    Pages,
    fit_columns_of,
    fit_rows_of,
    page_breaks_of,
)

PAGE_MARGINS = PageMargins(
    left=MARGINS.left,
    right=MARGINS.right,
    top=MARGINS.top,
    bottom=MARGINS.bottom,
    header=MARGINS.header,
    footer=MARGINS.footer,
)


def print_ready(ws: Worksheet, pages: Pages = DEFAULT_PAGES) -> None:
    """Fit the rows to their text, then set up ``ws`` to print as ``pages`` says."""
    fit_rows(ws)
    setup = ws.page_setup
    setup.paperSize = ws.PAPERSIZE_A4
    setup.orientation = ws.ORIENTATION_LANDSCAPE if pages.landscape else ws.ORIENTATION_PORTRAIT
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages down as the sheet needs
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins = copy.copy(PAGE_MARGINS)
    titles = title_rows(ws) if pages.title_rows is None else pages.title_rows
    if titles:
        ws.print_title_rows = f"1:{titles}"
    footer = ws.oddFooter
    assert footer is not None, "openpyxl gives every new sheet its headers and footers"
    footer.left.text = "&A"  # the sheet's name
    footer.right.text = "Page &P of &N"
    ws.row_breaks = RowBreak()
    if pages.breaks:
        for row in page_breaks(ws, titles, pages.landscape):
            ws.row_breaks.append(
                Break(id=row - 1)
            )  # a break after row id: the page starts at ``row``


def title_rows(ws: Worksheet) -> int:
    """The rows above the frozen panes (0 when nothing is frozen)."""
    if not ws.freeze_panes:
        return 0
    return coordinate_from_string(ws.freeze_panes)[1] - 1


# -- row heights --------------------------------------------------------------------------------


def _width(ws: Worksheet, letter: str) -> float:
    dim = ws.column_dimensions.get(letter)
    return dim.width if dim is not None and dim.width else DEFAULT_WIDTH


class _Sheet:
    """An openpyxl worksheet as a ``Layout``, read once: the style of each distinct look is
    looked up once (openpyxl builds a style object on every access), widths once a column."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.cells = ws._cells  # (row, column) -> cell; reading it creates no cell, unlike ws.cell
        self.widths: dict[int, float] = {}
        self._looks: dict[tuple[int, ...], CellLook] = {}
        self._last_col = max(
            (c for (_r, c), cell in self.cells.items() if cell.value is not None), default=0
        )

    @property
    def last_col(self) -> int:
        return self._last_col

    def items(self) -> Iterable[tuple[int, int, object, CellLook, bool]]:
        for (row, col), cell in list(self.cells.items()):
            yield row, col, cell.value, self.look(cell), cell.data_type == "s"

    def width(self, col: int) -> float:
        found = self.widths.get(col)
        if found is None:
            found = self.widths[col] = _width(self.ws, get_column_letter(col))
        return found

    def set_width(self, col: int, width: float) -> None:
        self.ws.column_dimensions[get_column_letter(col)].width = self.widths[col] = width

    def height(self, row: int) -> float | None:
        dim = self.ws.row_dimensions.get(row)
        return dim.height if dim is not None else None

    def set_height(self, row: int, height: float) -> None:
        self.ws.row_dimensions[row].height = height

    def merges(self) -> list[tuple[int, int, int, int]]:
        return [(r.min_row, r.min_col, r.max_row, r.max_col) for r in self.ws.merged_cells.ranges]

    def merge(self, row: int, first: int, last: int) -> None:
        self.ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)

    def wrap(self, row: int, col: int) -> None:
        cell = self.cells[(row, col)]
        old = cell.alignment
        cell.alignment = Alignment(
            horizontal=old.horizontal,
            vertical=old.vertical or "top",
            wrap_text=True,
            indent=old.indent,
        )

    def look(self, cell: Cell | MergedCell) -> CellLook:
        # openpyxl's private style array, a handful of indices: the stubs do not name it.
        key = tuple(cell._style) if cell.has_style else ()  # type: ignore[union-attr]
        found = self._looks.get(key)
        if found is None:
            font, alignment, border, protection = (
                cell.font,
                cell.alignment,
                cell.border,
                cell.protection,
            )
            found = self._looks[key] = CellLook(
                float(font.sz) if font is not None and font.sz else textfit.DEFAULT_SIZE,
                bool(font is not None and font.b),
                bool(alignment is not None and alignment.wrap_text),
                bool(border is not None and border.left is not None and border.left.style),
                bool(cell.has_style and protection is not None and not protection.locked),
                cell.number_format,
            )
        return found

    def blocked(self, row: int, col: int) -> bool:
        cell = self.cells.get((row, col))
        return cell is not None and (cell.value is not None or self.look(cell).unlocked)

    def charts(self) -> list[tuple[int, int, float, float]]:
        found = []
        for chart in getattr(self.ws, "_charts", []):
            anchor = chart.anchor
            if isinstance(anchor, str):
                col, row = coordinate_from_string(anchor)
                first_col = column_index_from_string(col)
            else:
                row, first_col = anchor._from.row + 1, anchor._from.col + 1
            found.append((row, first_col, float(chart.width), float(chart.height)))
        return found


def fit_rows(ws: Worksheet) -> None:
    """``fit_rows_of`` an openpyxl worksheet."""
    fit_rows_of(_Sheet(ws))


def fit_columns(ws: Worksheet, most: float = 40.0) -> None:
    """``fit_columns_of`` an openpyxl worksheet."""
    fit_columns_of(_Sheet(ws), most)


# -- page breaks --------------------------------------------------------------------------------


def page_breaks(ws: Worksheet, titles: int, landscape: bool = True) -> list[int]:
    """``page_breaks_of`` an openpyxl worksheet."""
    return page_breaks_of(_Sheet(ws), titles, landscape)
