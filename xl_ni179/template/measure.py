"""Measuring a sheet for screen and paper, whatever library writes it: rows tall enough for
their text, columns wide enough for their tables, and where pages break.

A sheet is seen through ``Layout``: ``printing`` adapts an openpyxl worksheet (the return,
the checked copy, the ribbon's master), ``xl_ni179.consolidate.sheet`` a sheet recorded
for XlsxWriter (the master `ni179 consolidate` writes). This module imports no
spreadsheet library, so a command that streams its workbook loads none it does not use.
See ``printing`` for why the rows, widths and breaks are worked out here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from xl_ni179.template import textfit

A4 = (595.3, 841.9)  # points, portrait
DEFAULT_WIDTH = 8.43  # a column nobody sized
DEFAULT_HEIGHT = 15.0  # a row nobody sized, in points
POINTS_PER_WIDTH = 7 * 0.75  # a digit of Calibri 11 is 7 pixels; a pixel is 3/4 point
CELL_EDGE = 5 * 0.75  # the padding each column adds, in points
ROOM = 0.96  # of the page the estimate fills, to allow for the programs' rounding
CHART_ROW_CM = 0.53  # a 15pt row, for charts sized in cm
# A row never grows as someone types in it once it has a height of its own (the template
# gives one wherever its own text wraps), so an input that wraps starts with room for two lines.
INPUT_LINES = 2


@dataclass(frozen=True)
class Pages:
    """How one sheet prints.

    ``title_rows``: how many rows at the top repeat on every page (None: the rows above the
    frozen panes). ``landscape``: A4 the long way. ``breaks``: page breaks between tables.
    """

    landscape: bool = True
    title_rows: int | None = None
    breaks: bool = True


DEFAULT_PAGES = Pages()


@dataclass(frozen=True)
class Margins:
    """A page's margins, in inches."""

    left: float
    right: float
    top: float
    bottom: float
    header: float
    footer: float


MARGINS = Margins(left=0.5, right=0.5, top=0.75, bottom=0.75, header=0.3, footer=0.3)


@dataclass(frozen=True)
class CellLook:
    """What measuring a cell needs from its style."""

    size: float
    bold: bool
    wrap: bool
    boxed: bool  # a table's cell (it has a border)
    unlocked: bool  # an input
    number_format: str


class Layout(Protocol):
    """A sheet as the measuring below sees it, whatever writes it: an openpyxl worksheet
    (``_Sheet``) or a sheet recorded before a streaming writer writes it
    (``xl_ni179.consolidate.sheet``). Rows and columns count from 1."""

    @property
    def last_col(self) -> int:
        """The last column holding something."""
        ...

    def items(self) -> Iterable[tuple[int, int, object, CellLook, bool]]:
        """Every cell that holds something or has a style: row, column, value, look, and
        whether the value is stored as text (not a formula)."""
        ...

    def width(self, col: int) -> float: ...
    def set_width(self, col: int, width: float) -> None: ...
    def height(self, row: int) -> float | None: ...
    def set_height(self, row: int, height: float) -> None: ...
    def merges(self) -> list[tuple[int, int, int, int]]:
        """Merged areas as (first row, first column, last row, last column)."""
        ...

    def merge(self, row: int, first: int, last: int) -> None: ...
    def wrap(self, row: int, col: int) -> None:
        """Wrap the text of a cell that did not wrap, aligned to the top unless aligned already."""
        ...

    def blocked(self, row: int, col: int) -> bool:
        """Whether text running on from the left stops at this cell: it holds something, or is an input."""
        ...

    def charts(self) -> list[tuple[int, int, float, float]]:
        """Each chart's top-left row and column and its width and height in cm."""
        ...


def fit_rows_of(sheet: Layout) -> None:
    """Make every row tall enough for its wrapped text, and wrap text that would be cut off.

    Text wider than its cell runs on over the empty cells to its right, as a title should,
    but it is cut off where a cell holds something, and in print at the sheet's last
    column; it must not run over an input cell either (it would look typed there). Such
    text is wrapped, over the empty cells it can take (merged with its own) up to the
    first cell in its way. A row keeps a height it was given if that is taller.
    """
    areas = {
        (r1, c1): (sum(sheet.width(c) for c in range(c1, c2 + 1)), c2, r2 - r1 + 1)
        for r1, c1, r2, c2 in sheet.merges()
    }
    needed: dict[int, float] = {}
    last_col = sheet.last_col
    typing_room = textfit.row_height(INPUT_LINES)
    for row, col, value, look, is_text in list(sheet.items()):
        if look.unlocked and look.wrap and needed.get(row, 0.0) < typing_room:
            needed[row] = typing_room  # room to type a sentence or two where an input wraps
        if not isinstance(value, str) or not value or not is_text:
            continue
        width, end_col, rows = areas.get((row, col), (sheet.width(col), col, 1))
        if rows > 1:
            continue  # spread over several rows: nothing we write does this
        wrapped = look.wrap
        if not wrapped and "\n" not in value:
            if textfit.fits(value, width, look.size, look.bold):
                continue
            run = end_col
            while run < last_col and not sheet.blocked(row, run + 1):
                run += 1
            room = width + sum(sheet.width(c) for c in range(end_col + 1, run + 1))
            if textfit.fits(value, room, look.size, look.bold):
                continue  # it runs on over empty cells and shows whole
            if run > end_col:
                sheet.merge(row, col, run)
                width = room
        if not wrapped:
            sheet.wrap(row, col)
        height = textfit.row_height(
            textfit.lines_needed(value, width, look.size, look.bold), look.size
        )
        if height > needed.get(row, 0.0):
            needed[row] = height
    single = textfit.row_height(1, textfit.DEFAULT_SIZE)
    for row, height in needed.items():
        if height > max(sheet.height(row) or 0.0, single):
            sheet.set_height(row, height)


def fit_columns_of(sheet: Layout, most: float = 40.0) -> None:
    """Widen each column to show its tables' cells on one line (text that does not wrap, and
    numbers as formatted), up to ``most``; a column is never narrowed. A table's cells are
    those with a border: titles and notes run on over empty cells and are left alone."""
    # Per column and look: the distinct texts, and the number furthest from zero (the widest).
    # Looks are told apart by identity here (equal looks are usually one object): hashing
    # their fields for every cell of a long table costs more than measuring twice.
    texts: dict[tuple[int, int], set[str]] = {}
    numbers: dict[tuple[int, int], float] = {}
    looks: dict[int, CellLook] = {}
    for _row, col, value, look, is_text in sheet.items():
        if value is None or not look.boxed or look.wrap:
            continue
        key = (col, id(look))
        looks[key[1]] = look
        if is_text:
            texts.setdefault(key, set()).add(str(value))  # text is shown as it is
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if abs(value) >= abs(numbers.get(key, 0.0)):
                numbers[key] = value
        else:
            texts.setdefault(key, set()).add(_shown(value, look.number_format))
    needed: dict[int, float] = {}
    for (col, look_id), found in texts.items():
        look = looks[look_id]
        needed[col] = max(needed.get(col, 0.0), textfit.width_for(found, look.size, look.bold))
    for (col, look_id), number in numbers.items():
        look = looks[look_id]
        shown = _shown(
            -abs(number), look.number_format
        )  # with its minus sign, the widest it can be
        needed[col] = max(needed.get(col, 0.0), textfit.width_for([shown], look.size, look.bold))
    for col, width in needed.items():
        if width > sheet.width(col):
            sheet.set_width(col, min(width, most))


def _shown(value: object, number_format: str) -> str:
    """About what a cell shows: numbers with separators and their decimals, dates as dd/mm/yyyy."""
    if isinstance(value, bool):
        return "FALSE"
    if isinstance(value, int | float):
        decimals = (
            number_format.split(";")[0].split(".")[1].count("0") if "." in number_format else 0
        )
        shown = f"{value * 100 if '%' in number_format else value:,.{decimals}f}"
        return shown + ("%" if "%" in number_format else "") + " "  # room for the sign's place
    if hasattr(value, "strftime"):
        return "00/00/0000 00:00" if "h" in number_format else "00/00/0000"
    return str(value)


# -- page breaks --------------------------------------------------------------------------------


def _row_height(sheet: Layout, row: int) -> float:
    return sheet.height(row) or DEFAULT_HEIGHT


def _used(sheet: Layout) -> tuple[set[int], int, int]:
    """Rows holding something, and the last row and column anything reaches (charts too)."""
    rows: set[int] = set()
    last_col = 0
    for row, col, value, _look, _is_text in sheet.items():
        if value is not None:
            rows.add(row)
            if col > last_col:
                last_col = col
    last_row = max(rows, default=0)
    for row, first_col, width, height in sheet.charts():
        span = int(height / CHART_ROW_CM) + 1
        rows.update(range(row, row + span))
        last_row = max(last_row, row + span - 1)
        cols = 0.0
        col_index = first_col
        while cols < width:  # cm; a digit width is about 0.19 cm
            cols += sheet.width(col_index) * 0.19 + 0.13
            col_index += 1
        last_col = max(last_col, col_index - 1)
    return rows, last_row, last_col


def page_breaks_of(sheet: Layout, titles: int, landscape: bool = True) -> list[int]:
    """The rows at which a new page should start: before a table that would not fit on what
    is left of the page (when it fits on a page of its own, or less than half the page is
    left), and within a table taller than a page where the page is full. Every break is
    ours, so the program never has to break a page itself and the estimate cannot drift."""
    rows, last_row, last_col = _used(sheet)
    if not rows:
        return []
    width = sum(sheet.width(c) * POINTS_PER_WIDTH + CELL_EDGE for c in range(1, last_col + 1))
    paper_w, paper_h = (A4[1], A4[0]) if landscape else A4
    printable_w = paper_w - 72 * (MARGINS.left + MARGINS.right)
    printable_h = paper_h - 72 * (MARGINS.top + MARGINS.bottom)
    scale = min(1.0, printable_w / width)
    page = printable_h / scale * ROOM
    title_height = sum(_row_height(sheet, r) for r in range(1, titles + 1))
    room = page - title_height  # for the rest of each page
    blocks: list[tuple[int, int]] = []
    for r in range(titles + 1, last_row + 1):
        if r in rows:
            if blocks and blocks[-1][1] == r - 1:
                blocks[-1] = (blocks[-1][0], r)
            else:
                blocks.append((r, r))
    breaks: list[int] = []
    used = 0.0  # below the title rows, on the current page
    previous_end = titles
    for first, last in blocks:
        gap = sum(_row_height(sheet, r) for r in range(previous_end + 1, first))
        height = sum(_row_height(sheet, r) for r in range(first, last + 1))
        if used and used + gap + height > room and (height <= room or used > room / 2):
            breaks.append(first)
            used = 0.0
        else:
            used += gap
        for r in range(first, last + 1):
            h = _row_height(sheet, r)
            if used and used + h > room:
                breaks.append(r)
                used = 0.0
            used += h
        previous_end = last
    return breaks
