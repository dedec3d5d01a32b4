"""How much room a piece of text needs in a cell: its width, the lines it wraps to, the row height.

Neither openpyxl nor LibreOffice sizes a row to its wrapped text when it opens a workbook
written by openpyxl (Excel does only for rows it has not been told the height of, and
then only when it recalculates the layout), so text cut off at the bottom of a cell
stays cut off, on screen and in print. The workbooks therefore carry explicit heights,
worked out here from the text.

Every workbook we write uses Calibri (Excel's default; LibreOffice shows it as Carlito,
made to the same measurements). The advance widths below are Calibri's, in font units
(2048 to the em), for the printable ASCII characters and the few others our text uses;
they were read from Carlito's metrics table (fontTools, hmtx), regular and bold. Column
widths count the width of the digit '0' at 11pt, which is 1038 units in both.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable

_EXTRA = "£–—’‘“”éèô…•×÷€"
_CHARS = "".join(chr(c) for c in range(32, 127)) + _EXTRA
_REGULAR = (
    463,
    667,
    821,
    1020,
    1038,
    1464,
    1397,
    452,
    621,
    621,
    1020,
    1020,
    511,
    627,
    517,
    791,
    1038,
    1038,
    1038,
    1038,
    1038,
    1038,
    1038,
    1038,
    1038,
    1038,
    548,
    548,
    1020,
    1020,
    1020,
    949,
    1831,
    1185,
    1114,
    1092,
    1260,
    1000,
    941,
    1292,
    1276,
    516,
    653,
    1064,
    861,
    1751,
    1322,
    1356,
    1058,
    1378,
    1112,
    941,
    998,
    1314,
    1162,
    1822,
    1063,
    998,
    959,
    628,
    791,
    628,
    1020,
    1020,
    596,
    981,
    1076,
    866,
    1076,
    1019,
    625,
    964,
    1076,
    470,
    490,
    931,
    470,
    1636,
    1076,
    1080,
    1076,
    1076,
    714,
    801,
    686,
    1076,
    925,
    1464,
    887,
    927,
    809,
    644,
    943,
    644,
    1020,
    1038,
    1020,
    1854,
    511,
    511,
    857,
    857,
    1019,
    1019,
    1080,
    1414,
    1020,
    1020,
    1020,
    1038,
)
_BOLD = (
    463,
    667,
    898,
    1020,
    1038,
    1493,
    1443,
    478,
    638,
    638,
    1020,
    1020,
    528,
    627,
    547,
    880,
    1038,
    1038,
    1038,
    1038,
    1038,
    1038,
    1038,
    1038,
    1038,
    1038,
    565,
    565,
    1020,
    1020,
    1020,
    949,
    1840,
    1241,
    1148,
    1084,
    1291,
    999,
    940,
    1305,
    1292,
    546,
    678,
    1120,
    866,
    1790,
    1349,
    1385,
    1090,
    1405,
    1153,
    968,
    1014,
    1337,
    1211,
    1856,
    1128,
    1064,
    979,
    665,
    880,
    665,
    1020,
    1020,
    615,
    1011,
    1099,
    857,
    1099,
    1031,
    648,
    971,
    1099,
    503,
    523,
    983,
    503,
    1666,
    1099,
    1101,
    1099,
    1099,
    728,
    817,
    710,
    1099,
    969,
    1526,
    941,
    970,
    814,
    704,
    973,
    704,
    1020,
    1038,
    1020,
    1854,
    528,
    528,
    891,
    891,
    1031,
    1031,
    1101,
    1457,
    1020,
    1020,
    1020,
    1038,
)
_WIDTHS = {
    False: dict(zip(_CHARS, _REGULAR, strict=True)),
    True: dict(zip(_CHARS, _BOLD, strict=True)),
}
_DIGIT = 1038
_WIDE = 1854  # a character not in the table counts as wide as an em dash: never too narrow
DEFAULT_SIZE = 11.0
# A column of width w shows a little less than w digits of text: the cell's own margins
# (about two pixels each side) and the rounding of widths to whole pixels in both programs.
# Text is also measured a little generous, so a line that only just fits in one program
# still fits in the other.
CELL_PADDING = 0.8  # in digit widths
SAFETY = 1.06
LINE_HEIGHT = (
    15.0 / DEFAULT_SIZE
)  # points per point of font size: 15pt rows for 11pt text, as Excel
ROW_PADDING = 1.5  # points


@functools.lru_cache(maxsize=16384)  # a workbook repeats its labels: each is measured once
def text_width(text: str, size: float = DEFAULT_SIZE, bold: bool = False) -> float:
    """The width of one line of ``text``, in column-width units (digit '0' widths at 11pt)."""
    widths = _WIDTHS[bold]
    units = sum(widths.get(ch, _WIDE) for ch in text)
    return units / _DIGIT * size / DEFAULT_SIZE * SAFETY


def _lines(paragraph: str, room: float, size: float, bold: bool) -> int:
    """Lines one paragraph wraps to in ``room`` (as both programs wrap: at spaces, else anywhere)."""
    count, line = 1, 0.0
    space = text_width(" ", size, bold)
    for word in re.split(r" +", paragraph.strip(" ")):
        w = text_width(word, size, bold)
        if line and line + space + w <= room:
            line += space + w
            continue
        if line:
            count += 1
        while w > room:  # a word longer than the line is broken where it meets the edge
            count += 1
            w -= room
        line = w
    return count


def lines_needed(text: str, width: float, size: float = DEFAULT_SIZE, bold: bool = False) -> int:
    """How many lines ``text`` takes when wrapped in a column ``width`` wide (column-width units)."""
    room = max(width - CELL_PADDING, 1.0)
    return sum(_lines(p, room, size, bold) for p in str(text).split("\n"))


def row_height(lines: int, size: float = DEFAULT_SIZE) -> float:
    """The row height (points) that shows ``lines`` lines of text of ``size`` points."""
    return round(max(lines, 1) * size * LINE_HEIGHT + ROW_PADDING, 1)


@functools.lru_cache(maxsize=16384)
def fits(text: str, width: float, size: float = DEFAULT_SIZE, bold: bool = False) -> bool:
    """Whether ``text`` shows whole on one line in a column ``width`` wide."""
    return all(
        text_width(line, size, bold) <= width - CELL_PADDING for line in str(text).split("\n")
    )


def width_for(
    texts: Iterable[str],
    size: float = DEFAULT_SIZE,
    bold: bool = False,
    least: float = 0.0,
    most: float = 255.0,
) -> float:
    """The column width that shows the longest of ``texts`` on one line, within [least, most]."""
    needed = max(
        (text_width(line, size, bold) for t in texts for line in str(t).split("\n")), default=0.0
    )
    return min(max(math.ceil(needed + CELL_PADDING), least), most)
