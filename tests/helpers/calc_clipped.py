"""Find text that LibreOffice Calc shows cut off, in every visible sheet of some workbooks.

Runs under the system Python (``/usr/bin/python3``, the one with Debian's ``python3-uno``),
like ``calc_cells.py``, whose start/connect/stop it shares. Usage::

    /usr/bin/python3 calc_clipped.py in.json out.json

``in.json`` is a list of paths; ``out.json`` is ``{path: [[sheet, cell, text, why], ...]}``.

Calc itself measures each text: the cell's text and character formatting are put in a
scratch sheet, in a column as wide as the cell (merged cells: the whole merged area), and
Calc sizes that column or row to fit (``OptimalWidth``, ``OptimalHeight``). Text is cut off when

- it wraps, and needs more height than its row (or merged rows) has;
- it does not wrap, and needs more width than its cell plus the empty cells to its right
  that it may run over (not an unlocked input cell, and not past the last used column,
  where printing stops);
- it is a number (or a formula's number) wider than its cell, which Calc shows as ###.
"""

from __future__ import annotations

import json
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import calc_typist as ct

SCRATCH = "__fit__"
TOLERANCE = 30  # 1/100 mm: 0.3 mm, less than a pixel's rounding either way
OPTIMAL_EXTRA = (
    254  # the 0.1 inch Calc's OptimalWidth adds beyond what the text needs (its dialog's "Add")
)
FORMAT = (
    "CharFontName",
    "CharHeight",
    "CharWeight",
    "CharPosture",
    "IsTextWrapped",
    "ParaIndent",
    "NumberFormat",
)
WIDEST = (
    0.95  # no character of the fonts we use is wider than this many ems (Calibri's widest: 0.9)
)
MARGINS = 100  # 1/100 mm: a cell's own margins, left and right, with room to spare
ONE_LINE = (
    480  # 1/100 mm: the height of one line of 11pt text (Calc makes it 4.87 mm, a 15pt row 5.29)
)


def _name(col: int, row: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def _merged(sheet, cell):
    cursor = sheet.createCursorByRange(cell)
    cursor.collapseToMergedArea()
    a = cursor.getRangeAddress()
    return a.StartColumn, a.StartRow, a.EndColumn, a.EndRow


def _surely_fits(text: str, width: float, height: float) -> bool:
    """Whether ``text`` fits without measuring: on one line even at the widest characters of
    the largest font we use (14pt), in a row tall enough for one line."""
    if "\n" in text:
        return False
    longest = len(text) * WIDEST * 14 * 35.28  # 1/100 mm: a point is 0.3528 mm
    return longest + MARGINS <= width and height >= ONE_LINE


def _clipped(sheet, scratch, cache: dict) -> list:
    """Read in bulk (each UNO call is a round trip); measure only what might not fit."""
    found = []
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    end = cursor.getRangeAddress()
    last_col, last_row = end.EndColumn, end.EndRow
    columns, rows = sheet.getColumns(), sheet.getRows()
    width = [columns.getByIndex(c).Width for c in range(last_col + 1)]
    height = [rows.getByIndex(r).Height for r in range(last_row + 1)]
    data = sheet.getCellRangeByPosition(0, 0, last_col, last_row).getDataArray()
    probe = scratch.getCellByPosition(0, 0)
    probe_col, probe_row = scratch.getColumns().getByIndex(0), scratch.getRows().getByIndex(0)
    for row, values in enumerate(data):
        for col, value in enumerate(values):
            if value == "" or value is None:
                continue
            numeric = isinstance(value, float)
            text = (
                f"{value:,.2f}%" if numeric else value
            )  # as wide as it can show, before measuring
            if _surely_fits(text, width[col], height[row]):
                continue
            cell = sheet.getCellByPosition(col, row)
            text = cell.getString()
            c0, r0, c1, r1 = _merged(sheet, cell)
            if (c0, r0) != (col, row):
                continue  # inside a merged area: its top-left cell holds what shows
            area_w = sum(
                width[c] if c <= last_col else columns.getByIndex(c).Width
                for c in range(c0, c1 + 1)
            )
            area_h = sum(
                height[r] if r <= last_row else rows.getByIndex(r).Height for r in range(r0, r1 + 1)
            )
            props = cell.getPropertyValues(FORMAT)
            wrapped = bool(props[FORMAT.index("IsTextWrapped")]) and not numeric
            key = (text, repr(props), area_w if wrapped else None)
            if key not in cache:
                probe.setPropertyValues(FORMAT, props)
                probe.setString(text)
                if wrapped:
                    probe_col.Width = area_w
                    probe_row.OptimalHeight = True
                    cache[key] = probe_row.Height
                else:
                    probe_col.OptimalWidth = True
                    cache[key] = probe_col.Width - OPTIMAL_EXTRA
            needed = cache[key]
            if wrapped:
                if needed > area_h + TOLERANCE:
                    found.append(
                        [
                            sheet.Name,
                            _name(col, row),
                            text[:80],
                            f"needs {needed / 100:.1f} mm of height, has {area_h / 100:.1f}",
                        ]
                    )
                continue
            room = area_w
            if (
                not numeric
            ):  # text runs on over empty cells that are not inputs, up to the last column
                c = c1 + 1
                while (
                    c <= last_col
                    and data[row][c] == ""
                    and sheet.getCellByPosition(c, row).CellProtection.IsLocked
                ):
                    room += width[c]
                    c += 1
            if needed > room + TOLERANCE:
                found.append(
                    [
                        sheet.Name,
                        _name(col, row),
                        text[:80],
                        f"needs {needed / 100:.1f} mm of width, has {room / 100:.1f}",
                    ]
                )
    return found


def read(desktop, path: str) -> list:
    doc = desktop.loadComponentFromURL(
        Path(path).resolve().as_uri(), "_blank", 0, (ct.prop("Hidden", True),)
    )
    try:
        doc.calculateAll()
        sheets = doc.Sheets
        if doc.isProtected():  # the workbook's structure: the scratch sheet is added
            doc.unprotect("")
        for sheet in sheets:
            if sheet.isProtected():
                sheet.unprotect("")  # to measure on a scratch sheet; nothing is saved
        sheets.insertNewByName(SCRATCH, sheets.getCount())
        scratch = sheets.getByName(SCRATCH)
        out = []
        cache: dict = {}  # the same text in the same format and width needs measuring once
        for i in range(sheets.getCount() - 1):
            sheet = sheets.getByIndex(i)
            if sheet.IsVisible:
                out += _clipped(sheet, scratch, cache)
        return out
    finally:
        doc.close(True)


def main(in_file: str, out_file: str) -> int:
    paths = json.loads(Path(in_file).read_text("utf-8"))
    pipe = f"ni179-{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="ni179-calc-") as profile:
        proc = ct.start_calc(Path(profile), pipe)
        desktop = None
        try:
            desktop = ct.connect(pipe, proc)
            result = {p: read(desktop, p) for p in paths}
        finally:
            ct.stop(desktop, proc)
    Path(out_file).write_text(json.dumps(result), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
