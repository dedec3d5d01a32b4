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
from com.sun.star.sheet.CellFlags import FORMULA, STRING, VALUE
from com.sun.star.table.CellContentType import EMPTY

SCRATCH = "__fit__"
TOLERANCE = 30  # 1/100 mm: 0.3 mm, less than a pixel's rounding either way
OPTIMAL_EXTRA = 254  # the 0.1 inch Calc's OptimalWidth adds beyond what the text needs (its dialog's "Add")
FORMAT = ("CharFontName", "CharHeight", "CharWeight", "CharPosture", "IsTextWrapped", "ParaIndent",
          "NumberFormat")


def _name(col: int, row: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def _cells(ranges):
    for address in ranges.getRangeAddresses():
        for row in range(address.StartRow, address.EndRow + 1):
            for col in range(address.StartColumn, address.EndColumn + 1):
                yield col, row


def _merged(sheet, cell):
    cursor = sheet.createCursorByRange(cell)
    cursor.collapseToMergedArea()
    a = cursor.getRangeAddress()
    return a.StartColumn, a.StartRow, a.EndColumn, a.EndRow


def _clipped(doc, sheet, scratch) -> list:
    found = []
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    last_col = cursor.getRangeAddress().EndColumn
    columns, rows = sheet.getColumns(), sheet.getRows()
    width = {c: columns.getByIndex(c).Width for c in range(last_col + 2)}
    probe = scratch.getCellByPosition(0, 0)
    probe_col, probe_row = scratch.getColumns().getByIndex(0), scratch.getRows().getByIndex(0)
    cells = sorted(set(_cells(sheet.queryContentCells(STRING | VALUE | FORMULA))))
    for col, row in cells:
        cell = sheet.getCellByPosition(col, row)
        text = cell.getString()
        if not text:
            continue
        numeric = cell.getType().value == "VALUE" or (cell.getType().value == "FORMULA"
                                                        and cell.FormulaResultType2 == 1)
        c0, r0, c1, r1 = _merged(sheet, cell)
        if (c0, r0) != (col, row):
            continue
        area_w = sum(width.get(c, columns.getByIndex(c).Width) for c in range(c0, c1 + 1))
        area_h = sum(rows.getByIndex(r).Height for r in range(r0, r1 + 1))
        for name in FORMAT:
            probe.setPropertyValue(name, cell.getPropertyValue(name))
        probe.setString(text)
        if cell.IsTextWrapped and not numeric:
            probe_col.Width = area_w
            probe_row.OptimalHeight = True
            if probe_row.Height > area_h + TOLERANCE:
                found.append([sheet.Name, _name(col, row), text[:80],
                              f"needs {probe_row.Height / 100:.1f} mm of height, has {area_h / 100:.1f}"])
            continue
        probe_col.OptimalWidth = True
        needed = probe_col.Width - OPTIMAL_EXTRA
        room = area_w
        if not numeric:
            c = c1 + 1
            while c <= last_col:
                right = sheet.getCellByPosition(c, row)
                if right.getType() != EMPTY or not right.CellProtection.IsLocked:
                    break
                room += width.get(c, columns.getByIndex(c).Width)
                c += 1
        if needed > room + TOLERANCE:
            found.append([sheet.Name, _name(col, row), text[:80],
                          f"needs {needed / 100:.1f} mm of width, has {room / 100:.1f}"])
    return found


def read(desktop, path: str) -> list:
    doc = desktop.loadComponentFromURL(Path(path).resolve().as_uri(), "_blank", 0, (ct.prop("Hidden", True),))
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
        for i in range(sheets.getCount() - 1):
            sheet = sheets.getByIndex(i)
            if sheet.IsVisible:
                out += _clipped(doc, sheet, scratch)
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
