"""A sheet of the master workbook as the sheet writers record it, before any library writes it.

The writers (``xl_ni179.consolidate.master``) put values and looks into a ``Sheet``; two
writers turn it into a real sheet: ``xlsxwriting`` streams the workbook `ni179
consolidate` writes (XlsxWriter: a cell costs a few microseconds, against openpyxl's
tens), and ``openpyxl_sheet`` fills an openpyxl worksheet for the ribbon, which copies it
into the open book. So both show one layout, and what a sheet prints like
(``xl_ni179.template.measure``) is worked out once, on the recording.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from xl_ni179.template import measure
from xl_ni179.template.formats import FORMULA_STARTS
from xl_ni179.text import in_cell

HEADER_BLUE = "1F4E78"
BORDER_GREY = "999999"  # a table's thin border


@dataclass(frozen=True)
class Look:
    """How a cell looks: font, fill, border, alignment, number format. Colours are RRGGBB."""

    bold: bool = False
    italic: bool = False
    size: float = 11.0
    color: str | None = None
    fill: str | None = None
    boxed: bool = False  # a thin grey border all round: a table's cell
    wrap: bool = False
    valign: str | None = None  # "top" or "center"
    number_format: str = "General"
    quote: bool = False  # Excel's quote prefix: text that stays text when edited

    def but(self, **changes: Any) -> Look:
        return _but(self, tuple(sorted(changes.items())))


@functools.cache
def _but(look: Look, changes: tuple[tuple[str, Any], ...]) -> Look:
    return dataclasses.replace(look, **dict(changes))


PLAIN = Look()
TITLE = Look(bold=True, size=14, color=HEADER_BLUE)
SECTION = Look(bold=True, size=12, color=HEADER_BLUE)
NOTE = Look(italic=True, color="595959")
BOLD = Look(bold=True)
HEADER = Look(bold=True, color="FFFFFF", fill=HEADER_BLUE, wrap=True, valign="center")
ALARM = Look(bold=True, color="9C0006")


@dataclass
class Series:
    """One series of a chart: its name's cell, and its values and categories as
    (first row, first column, last row, last column)."""

    name: tuple[int, int]
    values: tuple[int, int, int, int]
    categories: tuple[int, int, int, int]
    line: bool = False  # a line; else a column of a bar chart
    dashed: bool = False  # a target: a dashed 3pt line


@dataclass
class Chart:
    """A native chart at ``row``, ``col`` (its top-left cell), ``width`` x ``height`` cm."""

    row: int
    col: int
    width: float
    height: float
    title: str
    y_title: str
    y_format: str
    legend: str = "bottom"  # or "right"
    series: list[Series] = field(default_factory=list)
    gaps: bool = False  # a blank is a gap in the line, not a zero


@dataclass
class Sheet:
    """The cells and settings of one sheet, rows and columns counted from 1 (as Excel shows them).

    Values are stored as the workbook will hold them: text (never a formula), numbers,
    dates and blanks with a look. Implements ``measure.Layout``.
    """

    name: str
    cells: dict[tuple[int, int], tuple[Any, Look]] = field(default_factory=dict)
    widths: dict[int, float] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    frozen: tuple[int, int] | None = None  # the first cell that scrolls
    filter: tuple[int, int, int, int] | None = None
    chart_list: list[Chart] = field(default_factory=list)
    # How it prints (set by ``print_ready``): rows repeated at the top, page breaks (the rows
    # that start a page), the paper's orientation.
    title_rows: int = 0
    breaks: list[int] = field(default_factory=list)
    landscape: bool = True
    # ``items`` as last made; measuring asks for it three times over an unchanged sheet.
    _items: list[tuple[int, int, object, measure.CellLook, bool]] | None = field(
        default=None, repr=False, compare=False
    )

    # -- writing -----------------------------------------------------------------------------

    def put(self, row: int, col: int, value: Any, look: Look = PLAIN) -> None:
        """Store a value as written by ``xlhelpers.put``: text stays text (with the quote prefix
        when it starts like a formula), control and other hidden characters made visible as
        escapes (``text.in_cell``): an .xlsx cannot hold most of them, and dropping them would
        hide that the partner's text held them."""
        if isinstance(value, str):
            value = in_cell(value)
            if value.startswith(FORMULA_STARTS):
                look = look.but(quote=True)
        self.cells[(row, col)] = (value, look)
        self._items = None

    def restyle(self, row: int, col: int, **changes: Any) -> None:
        """Change part of a cell's look (a blank cell gets one)."""
        value, look = self.cells.get((row, col), (None, PLAIN))
        self.cells[(row, col)] = (value, look.but(**changes))
        self._items = None

    def value(self, row: int, col: int) -> Any:
        found = self.cells.get((row, col))
        return found[0] if found else None

    def look_of(self, row: int, col: int) -> Look:
        found = self.cells.get((row, col))
        return found[1] if found else PLAIN

    def freeze(self, row: int, col: int = 1) -> None:
        """Keep the rows above ``row`` and the columns left of ``col`` on screen."""
        self.frozen = (row, col)

    def autofilter(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        self.filter = (first_row, first_col, last_row, last_col)

    def add_chart(self, chart: Chart) -> None:
        self.chart_list.append(chart)

    @property
    def max_row(self) -> int:
        return max((r for r, _c in self.cells), default=0)

    # -- measure.Layout ---------------------------------------------------------------------

    @property
    def last_col(self) -> int:
        return max((c for (_r, c), (v, _look) in self.cells.items() if v is not None), default=0)

    def items(self) -> Iterable[tuple[int, int, object, measure.CellLook, bool]]:
        # A list made in one pass (measuring walks every cell three times); each distinct look
        # is measured once, found by its id (cheaper than hashing its fields).
        if self._items is None:
            looks = {id(look): look for _value, look in self.cells.values()}
            measured = {key: _measured(look) for key, look in looks.items()}
            self._items = [
                (row, col, value, measured[id(look)], value.__class__ is str)
                for (row, col), (value, look) in self.cells.items()
            ]
        return self._items

    def width(self, col: int) -> float:
        return self.widths.get(col) or measure.DEFAULT_WIDTH

    def set_width(self, col: int, width: float) -> None:
        self.widths[col] = width

    def height(self, row: int) -> float | None:
        return self.heights.get(row)

    def set_height(self, row: int, height: float) -> None:
        self.heights[row] = height

    def merges(self) -> list[tuple[int, int, int, int]]:
        return list(self.merged)

    def merge(self, row: int, first: int, last: int) -> None:
        self.merged.append((row, first, row, last))
        for col in range(first + 1, last + 1):
            self.cells.pop((row, col), None)
        self._items = None

    def wrap(self, row: int, col: int) -> None:
        look = self.look_of(row, col)
        self.restyle(row, col, wrap=True, valign=look.valign or "top")

    def blocked(self, row: int, col: int) -> bool:
        return self.cells.get((row, col), (None, PLAIN))[0] is not None

    def charts(self) -> list[tuple[int, int, float, float]]:
        return [(c.row, c.col, c.width, c.height) for c in self.chart_list]


@functools.cache
def _measured(look: Look) -> measure.CellLook:
    return measure.CellLook(look.size, look.bold, look.wrap, look.boxed, False, look.number_format)


def fit_columns(sheet: Sheet) -> None:
    measure.fit_columns_of(sheet)


def fit_rows(sheet: Sheet) -> None:
    measure.fit_rows_of(sheet)


def print_ready(sheet: Sheet, pages: measure.Pages = measure.DEFAULT_PAGES) -> None:
    """Fit the rows to their text, then note how ``sheet`` prints, as ``printing.print_ready``
    does for an openpyxl worksheet: the rows above the frozen panes repeat, breaks between tables."""
    fit_rows(sheet)
    sheet.landscape = pages.landscape
    frozen_titles = sheet.frozen[0] - 1 if sheet.frozen else 0
    sheet.title_rows = frozen_titles if pages.title_rows is None else pages.title_rows
    sheet.breaks = (
        measure.page_breaks_of(sheet, sheet.title_rows, pages.landscape) if pages.breaks else []
    )


def as_stored(value: Any) -> Any:
    """A value as the workbook holds it: sums rid of float noise, other scalars (a Decimal) as
    Python's own."""
    if type(value) is float:
        return float(f"{value:.12g}")
    if isinstance(value, str | dt.date) or value is None:
        return value
    value = value.item() if hasattr(value, "item") else value
    # Sums of one-decimal figures pick up float noise; Excel's formula bar would show it.
    return float(f"{value:.12g}") if isinstance(value, float) else value
