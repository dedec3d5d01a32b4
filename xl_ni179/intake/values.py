"""What one cell of a returned workbook holds, as the programs write it.

Values in every form a program saves (numbers in exponent form, booleans, ISO dates,
serial numbers in either date system), and formulas written once for many cells
(shared formulas, array formulas over a range) given to each cell they cover.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from openpyxl.formula.translate import Translator
from openpyxl.utils.cell import get_column_letter, range_boundaries

from xl_ni179.spec.formulas import Formula


class XlsxReadError(Exception):
    """The package is not a workbook we can read (the message says why)."""


def translate(text: str, origin: str, coord: str) -> str:
    """A shared formula as it reads in ``coord`` (relative references moved along)."""
    try:
        return Translator("=" + text, origin).translate_formula(coord)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises several kinds on a malformed formula
        raise XlsxReadError(f"the shared formula in {origin} cannot be read ({type(exc).__name__})") from None


def _bounds(ref: str) -> tuple[int, int, int, int] | None:
    """(min_col, min_row, max_col, max_row) of a cell or a range of cells; None for anything else
    (a whole row or column such as B:B, or text that is no reference)."""
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    except (ValueError, TypeError):
        return None
    if min_col is None or min_row is None or max_col is None or max_row is None:
        return None
    return min_col, min_row, max_col, max_row


def in_block(coord: str, block: str) -> bool:
    """Is the cell ``coord`` inside ``block`` (a cell or a range such as B30:C37)?"""
    cell, bounds = _bounds(coord), _bounds(block)
    if cell is None or bounds is None:
        return False
    col, row, _c, _r = cell
    min_col, min_row, max_col, max_row = bounds
    return min_col <= col <= max_col and min_row <= row <= max_row


def spread_arrays(arrays: list[tuple[str, str]], cells: dict[str, Any], cached: dict[str, Any],
                   budget: int) -> None:
    """Give every cell of an array formula's range that formula (it is written once, on the first).

    The cells visited are bounded by the number of cells in the sheet, so a hostile range
    such as A1:XFD1048576 costs nothing; a cell left over keeps its result as a value.
    """
    for ref, text in arrays:
        bounds = _bounds(ref)
        if bounds is None:
            continue
        min_col, min_row, max_col, max_row = bounds
        budget -= (max_col - min_col + 1) * (max_row - min_row + 1)
        if budget < 0:
            return
        formula = Formula("=" + text)
        for row in range(min_row, max_row + 1):
            for col in range(min_col, max_col + 1):
                coord = f"{get_column_letter(col)}{row}"
                if coord in cells and not isinstance(cells[coord], Formula):
                    cached[coord] = cells[coord]
                    cells[coord] = formula


_EPOCH_1900 = dt.datetime(1899, 12, 30)  # serial 0 as Excel counts (its 1900 leap-year slip included)
DAYS_1904 = 1462  # serial of 1904-01-01 in the 1900 date system


def _iso_serial(text: str, date1904: bool) -> float:
    """A date cell (t="d", ISO 8601) as the serial number the workbook's date system uses."""
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise XlsxReadError(f"a date cell holds {text[:40]!r}") from None
    if when.tzinfo is not None:
        when = when.replace(tzinfo=None)
    serial = (when - _EPOCH_1900).total_seconds() / 86400
    return serial - DAYS_1904 if date1904 else serial


# A number as the file format writes one (xsd:double without INF/NaN), spaces around allowed.
_NUMBER = re.compile(r"\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*\Z", re.ASCII)


def typed(kind: str, v: str | None, inline: list[str], strings: list[str], date1904: bool = False) -> Any:
    if kind == "inlineStr":
        return "".join(inline)
    if v is None or (v == "" and kind not in ("str", "e")):
        return None
    if kind == "s":
        index = v.strip()
        if not (index.isascii() and index.isdigit()) or int(index) >= len(strings):
            raise XlsxReadError("a cell refers to a shared string that does not exist")
        return strings[int(index)]
    if kind in ("str", "e"):
        return v
    if kind == "b":
        return v.strip().lower() in ("1", "true")
    if kind != "d" and not _NUMBER.match(v):  # float() would take '6_3.5', 'nan' and 'inf'
        return v  # as text: what programs make of it differs, so it is no number of ours
    try:
        number = _iso_serial(v, date1904) if kind == "d" else float(v)
    except ValueError:
        raise XlsxReadError(f"a number cell holds {v[:40]!r}") from None
    if not math.isfinite(number):  # 1E+999: beyond what a spreadsheet can hold
        return v
    return int(number) if number.is_integer() and abs(number) < 2**53 else number
