"""The workbook as the reader gives it: each sheet's cells, formats, merges and conditional
formats, the defined names, and the limits a reading is held to."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.problems import Problem
from xl_ni179.intake.styles import NO_STYLES, Styles


class XlsxLimitError(Exception):
    """The workbook breaks one of the safety limits; ``problem`` names the file rule (by its
    code and message parameters: the reader imports no rules, validation makes the finding)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


class Limits:
    """The cell-level safety limits, checked in the one pass over each sheet (read at call
    time from ``xl_ni179.intake.safety.limits``, so a test can change one)."""

    def __init__(self) -> None:
        self.max_column, self.max_row = L.MAX_COLUMNS, L.MAX_ROWS
        self.total = 0
        self.last = 0  # cells in the sheet read last
        self.last_used_strings = False  # whether a cell of the sheet read last took a shared string

    def fail(self, kind: P.Kind, **params: Any) -> XlsxLimitError:
        return XlsxLimitError(kind.problem(**params))

    def place(self, ref: str, sheet: str) -> None:
        """Refuse a reference beyond the area a return can use."""
        ref = ref.replace("$", "")
        hit = address(ref)
        if hit is None:
            letters = ref.rstrip("0123456789")
            if not letters and ref.isdigit():  # a whole row
                self.place_at(int(ref), 1, "A" + ref, sheet)
            elif letters.isalpha() and letters.isupper() and ref == letters:  # a whole column
                self.place_at(1, _column_number(letters), letters + "1", sheet)
            return
        self.place_at(hit[0], hit[1], ref, sheet)

    def place_at(self, row: int, column: int, coord: str, sheet: str) -> None:
        if row > self.max_row or column > self.max_column:
            raise self.fail(
                P.SHEET_TOO_LARGE,
                sheet=sheet,
                cell=coord,
                rows=f"{self.max_row:,}",
                columns=self.max_column,
            )

    def cells(self, count: int, sheet: str) -> None:
        if count > L.MAX_CELLS_PER_SHEET:
            raise self.fail(
                P.TOO_MANY_CELLS,
                sheet=sheet,
                detail=f"sheet '{sheet[:40]}' has more than {L.MAX_CELLS_PER_SHEET:,} cells",
            )
        if self.total + count > L.MAX_CELLS_TOTAL:
            raise self.fail(
                P.TOO_MANY_CELLS, detail=f"more than {L.MAX_CELLS_TOTAL:,} cells across all sheets"
            )

    def text(self, value: str) -> None:
        # Counted as Excel counts (and XlsxWriter cuts the master's text): in UTF-16 units,
        # so a text of emoji that passes here is never cut short on its way to the master.
        if (
            len(value) > L.TEXT_SURELY_FITS
            and len(value.encode("utf-16-le")) // 2 > L.MAX_STRING_CHARS
        ):
            raise self.fail(
                P.TOO_MUCH_TEXT,
                detail=f"one piece of text is longer than the "
                f"{L.MAX_STRING_CHARS:,} characters a cell can hold "
                "(an emoji and some symbols count as two)",
            )


@dataclass(frozen=True)
class SheetInfo:
    name: str
    state: str  # visible, hidden, veryHidden
    part: str


@dataclass(frozen=True)
class DefinedName:
    name: str
    text: str
    sheet: str | None  # the sheet a sheet-scoped name belongs to (None: the whole workbook)
    hidden: bool


@dataclass(frozen=True)
class Shading:
    """What a conditional format does to the cells it covers when its rule holds."""

    sqref: str
    format: str | None = None  # a number format it applies
    font: str | None = None  # a font colour (RRGGBB) it applies
    hides: bool = False  # a data bar or icon set that hides the value


@dataclass
class RawWorkbook:
    sheets: list[SheetInfo] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # workbook-scoped, as spelled
    defined: list[DefinedName] = field(default_factory=list)  # every defined name, any scope
    structure_locked: bool = False
    date1904: bool = False  # serial numbers count days from 1904 (Mac Excel's old default)
    protected: dict[str, bool] = field(default_factory=dict)
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)  # formulas as Formula
    cached: dict[str, dict[str, Any]] = field(
        default_factory=dict
    )  # formula results: never trusted
    styles: dict[str, dict[str, int]] = field(
        default_factory=dict
    )  # the cell format of each styled cell
    looks: Styles = NO_STYLES  # the workbook's cell formats
    merged: dict[str, list[str]] = field(default_factory=dict)  # each sheet's merged ranges
    shading: dict[str, list[Shading]] = field(
        default_factory=dict
    )  # conditional formats that change a look
    # Each sheet's links, {sheet: {ref: target}}: the address of the link's external
    # relationship, or #place for a link inside the workbook (xl_ni179.checks.hyperlinks).
    hyperlinks: dict[str, dict[str, str]] = field(default_factory=dict)

    def value(self, sheet: str, coord: str) -> Any:
        return self.cells.get(sheet, {}).get(coord)


# Cell addresses already parsed, to (row, column): a pure function of the text, so most
# cells of a return skip the parse. Bounded: a hostile file's addresses are all new.
ADDRESSES: dict[str, tuple[int, int]] = {}


__ADDRESSES_MAX = 100_000


_CELL_RE = re.compile(r"([A-Z]{1,3})([1-9]\d{0,6})\Z")


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def address(coord: str) -> tuple[int, int] | None:
    hit = ADDRESSES.get(coord)
    if hit is None:
        match = _CELL_RE.match(coord)
        if match is None:
            return None
        hit = (int(match.group(2)), _column_number(match.group(1)))
        if len(ADDRESSES) < __ADDRESSES_MAX:
            ADDRESSES[coord] = hit
    return hit
