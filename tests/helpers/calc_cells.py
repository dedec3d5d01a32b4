"""Open workbooks in LibreOffice Calc through UNO, recalculate, and report what each cell is.

Runs under the system Python (``/usr/bin/python3``, the one with Debian's ``python3-uno``),
like ``calc_typist.py``, whose start/connect/stop it shares. Usage::

    /usr/bin/python3 calc_cells.py in.json out.json

``in.json`` is a list of paths. ``out.json`` is ``{path: {sheet: {"text": {cell: string},
"formulas": [cell, ...], "numbers": {cell: [value, shown]}}}}``: the cells Calc holds as
text, with their text; every cell Calc holds as a formula, after ``calculateAll``; and the
cells Calc holds as numbers (or dates), with the value and the text Calc shows for it in
the cell's number format.
"""

from __future__ import annotations

import json
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import calc_typist as ct
from com.sun.star.sheet.CellFlags import DATETIME, FORMULA, STRING, VALUE


def _cells(ranges) -> list[str]:
    out = []
    for address in ranges.getRangeAddresses():
        for row in range(address.StartRow, address.EndRow + 1):
            for col in range(address.StartColumn, address.EndColumn + 1):
                out.append((col, row))
    return out


def _name(col: int, row: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def read(desktop, path: str) -> dict:
    doc = desktop.loadComponentFromURL(
        Path(path).resolve().as_uri(), "_blank", 0, (ct.prop("Hidden", True),)
    )
    try:
        doc.calculateAll()
        out = {}
        for sheet in doc.Sheets:
            text = {
                _name(c, r): sheet.getCellByPosition(c, r).getString()
                for c, r in _cells(sheet.queryContentCells(STRING))
            }
            formulas = [_name(c, r) for c, r in _cells(sheet.queryContentCells(FORMULA))]
            numbers = {}
            for c, r in _cells(sheet.queryContentCells(VALUE | DATETIME)):
                cell = sheet.getCellByPosition(c, r)
                numbers[_name(c, r)] = [cell.getValue(), cell.getString()]
            out[sheet.Name] = {"text": text, "formulas": formulas, "numbers": numbers}
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
