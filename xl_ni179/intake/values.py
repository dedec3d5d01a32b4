"""What one cell of a returned workbook holds, as the programs write it.

Values in every form a program saves (numbers in exponent form, booleans, ISO dates,
serial numbers in either date system, text with ``_xHHHH_`` escapes), and shared formulas
moved to each cell that uses them. A value written in a form programs read differently is
an ``XlsxAmbiguity``, never a guess.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from openpyxl.formula.translate import Translator
from openpyxl.utils.cell import range_boundaries


class XlsxReadError(Exception):
    """The package is not a workbook we can read (the message says why)."""


class XlsxAmbiguity(Exception):
    """Something in the workbook that spreadsheet programs read differently: the message says
    what, ``sheet`` and ``cell`` where (filled in by whoever knows)."""

    def __init__(self, detail: str, sheet: str = "", cell: str = "") -> None:
        super().__init__(detail)
        self.detail, self.sheet, self.cell = detail, sheet, cell


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _escaped(match: re.Match[str]) -> str:
    code = int(match.group(1), 16)
    if code < 0x20 or code == 0x5F:
        return chr(code)
    # Excel shows any _xHHHH_ as the character HHHH; LibreOffice only a control character or
    # the underscore (_x005F_, which Excel writes before text that looks like an escape).
    raise XlsxAmbiguity(
        f"the text holds {match.group(0)}, which Excel shows as '{chr(code)}' and LibreOffice "
        "as it is written"
    )


def unescape(text: str) -> str:
    """Text as Excel and Calc show it: ``_xHHHH_`` is the control character HHHH (a line
    break written CR LF is one break, LF) and ``_x005F_`` an underscore: the way the file
    format writes what XML cannot hold. Any other escape is shown differently by the two,
    so it is an ``XlsxAmbiguity``."""
    if "_x" not in text:
        return text
    # A line break written as CR LF shows as one break in both; Calc keeps it as LF alone.
    return _ESCAPED.sub(_escaped, text).replace("\r\n", "\n")


def translate(text: str, origin: str, coord: str) -> str:
    """A shared formula as it reads in ``coord`` (relative references moved along)."""
    try:
        return Translator("=" + text, origin).translate_formula(coord)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises several kinds on a malformed formula
        raise XlsxReadError(
            f"the shared formula in {origin} cannot be read ({type(exc).__name__})"
        ) from None


def bounds(ref: str) -> tuple[int, int, int, int] | None:
    """(min_col, min_row, max_col, max_row) of a cell or a range of cells; None for anything else
    (a whole row or column such as B:B, or text that is no reference)."""
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    except (ValueError, TypeError):
        return None
    if min_col is None or min_row is None or max_col is None or max_row is None:
        return None
    return min_col, min_row, max_col, max_row


_EPOCH_1900 = dt.datetime(
    1899, 12, 30
)  # serial 0 as Excel counts (its 1900 leap-year slip included)
DAYS_1904 = 1462  # serial of 1904-01-01 in the 1900 date system


def _iso_serial(text: str, date1904: bool) -> float:
    """A date cell (t="d", ISO 8601) as the serial number the workbook's date system uses."""
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        # Excel repairs such a file, Calc shows the text: two figures for one cell.
        raise XlsxAmbiguity(
            f"a cell marked as a date holds {text[:40]!r}, which is not a date"
        ) from None
    if when.tzinfo is not None:
        when = when.replace(tzinfo=None)
    serial = (when - _EPOCH_1900).total_seconds() / 86400
    return serial - DAYS_1904 if date1904 else serial


# A number as the file format writes one: xsd:double's digits, sign and exponent, spaces
# around allowed (the schema collapses them), without INF or NaN, which programs read
# differently (Calc reads '6_3.5' as 6; Python's float() takes 'nan', 'inf' and '6_3.5').
_NUMBER = re.compile(r"\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*\Z", re.ASCII)
_KINDS = frozenset({"n", "s", "str", "b", "e", "inlineStr", "d"})


def typed(kind: str, v: str | None, strings: list[str], date1904: bool = False) -> Any:
    """A cell's value from its type (``t``, not an inline string) and the text of its ``<v>``."""
    if kind not in _KINDS or kind == "inlineStr":
        raise XlsxAmbiguity(f"a cell of the unknown type '{kind[:20]}'")
    if v is None or (v == "" and kind not in ("str", "e")):
        return None
    if kind == "s":
        if not (v.isascii() and v.isdigit()) or int(v) >= len(strings):
            # Excel repairs such a file, Calc shows the cell empty.
            raise XlsxAmbiguity(
                f"the cell refers to text number {v[:20]!r} of the shared strings, which the "
                "file does not hold"
            )
        return strings[int(v)]
    if kind in ("str", "e"):
        return v
    if kind == "b":
        if v not in ("0", "1", "true", "false"):
            raise XlsxAmbiguity(f"the true/false value {v[:20]!r}, which programs read differently")
        return v in ("1", "true")
    if kind == "d":
        number = _iso_serial(v, date1904)
    elif not _NUMBER.match(v):
        raise XlsxAmbiguity(f"the number {v[:40]!r}, which programs read differently")
    else:
        number = float(v)
    if not math.isfinite(number):  # 1E+999: beyond what a spreadsheet can hold
        raise XlsxAmbiguity(f"the number {v[:40]!r}, beyond what a spreadsheet can hold")
    return int(number) if number.is_integer() and abs(number) < 2**53 else number
