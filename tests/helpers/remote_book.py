"""A stand-in for Excel: xlwings' remote engine, fed a real workbook, with its actions replayed.

Excel's COM interface can't run here (Linux, no Excel), so the ribbon tests use xlwings'
REMOTE engine instead: ``xlwings.Book(json=...)`` builds xlwings' own object model from the
payload the xlwings Excel add-in (Office.js) sends: book name, active sheet index and
selection, names (sheet index, address, scope), and per sheet its name and the values of
its used range, plus pictures, tables, charts, shapes. Writes don't touch that payload:
they queue actions (``book.json()["actions"]``) that the add-in would run in Excel.

``remote_book`` builds the payload from an .xlsx with openpyxl; ``Replay`` runs the
queued actions on a copy of the sheets' values, so tests can look at what the sheets
would show afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries


def _cell(value: Any) -> Any:
    """A cell value as Office.js sends it: "" for empty, ISO text for dates."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return (
            value.isoformat() if isinstance(value, dt.datetime) else f"{value.isoformat()}T00:00:00"
        )
    return value


def book_payload(path: Path, name: str | None = None, active: int = 0) -> dict:
    """The JSON the xlwings Excel add-in would send for the workbook at ``path``."""
    import xlwings

    wb = load_workbook(path)  # formulas come through as their text, like an unrecalculated book
    sheets = []
    for ws in wb.worksheets:
        values = [[_cell(c.value) for c in row] for row in ws.iter_rows()] or [[]]
        sheets.append(
            {
                "name": ws.title,
                "values": values,
                "pictures": [],
                "tables": [],
                "charts": [],
                "shapes": [],
                "notes": [],
                "print_area": None,
                "visibility": "Visible",
                "show_gridlines": True,
                "pivot_tables": [],
            }
        )
    index = {ws.title: i for i, ws in enumerate(wb.worksheets)}
    names = []
    for defined in wb.defined_names.values():
        ((sheet, ref),) = defined.destinations
        names.append(
            {
                "name": defined.name,
                "refers_to": "=" + defined.attr_text,
                "sheet_index": index[sheet],
                "address": ref.replace("$", ""),
                "book_scope": True,
                "scope_sheet_name": None,
                "scope_sheet_index": None,
            }
        )
    return {
        "client": "Office.js",
        "version": xlwings.__version__,
        "book": {"name": name or str(path), "active_sheet_index": active, "selection": "A1"},
        "names": names,
        "sheets": sheets,
    }


def _ensure_remote_engine() -> None:
    """Register xlwings' remote engine even if xlwings was imported before the key was set.

    xlwings checks the licence key once, when it is first imported; another test module
    may have imported it earlier (the key is set per test, not for the whole session).
    """
    import xlwings as xw

    assert os.environ.get("XLWINGS_LICENSE_KEY"), "set XLWINGS_LICENSE_KEY=noncommercial first"
    if "remote" in [engine.name for engine in xw.engines]:
        return
    from xlwings.pro import _xlremote

    xw.engines.add(xw.main.Engine(impl=_xlremote.engine))


def remote_book(path: Path, name: str | None = None, **changes: Any) -> Any:
    """An xlwings Book on the remote engine for the workbook at ``path``.

    ``changes`` maps a defined name to the value its cell should hold (e.g. settings).
    """
    import xlwings as xw

    _ensure_remote_engine()
    payload = book_payload(path, name)
    for key, value in changes.items():
        entry = next(n for n in payload["names"] if n["name"] == key)
        cols, row = (
            "".join(c for c in entry["address"] if c.isalpha()),
            int("".join(c for c in entry["address"] if c.isdigit())),
        )
        col = range_boundaries(f"{cols}{row}")[0]
        grid = payload["sheets"][entry["sheet_index"]]["values"]
        while len(grid) < row:
            grid.append([""] * len(grid[0]))
        for line in grid:
            line.extend([""] * (col - len(line)))
        grid[row - 1][col - 1] = value
    return xw.Book(json=payload)


@dataclass
class Text:
    """A cell Excel would hold as text although it looks like a formula ('=...)."""

    text: str


@dataclass
class Formula:
    text: str


@dataclass
class Replay:
    """The book's sheets after Excel ran the queued actions (values and fills only)."""

    order: list[str]
    cells: dict[str, dict[tuple[int, int], Any]]
    colors: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    alerts: list[dict[str, str]] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)

    @classmethod
    def of(cls, book: Any) -> Replay:
        api = book.impl.api
        order = [s["name"] for s in api["sheets"]]
        # The remote engine adds new sheets to its own list straight away: start from the
        # sheets the client sent, which are the ones with values.
        replay = cls(order=[], cells={}, actions=list(book.json()["actions"]))
        replay.order = [n for n in order if n not in _added(replay.actions)]
        for sheet in api["sheets"]:
            if sheet["name"] in replay.order:
                replay.cells[sheet["name"]] = {
                    (r, c): v
                    for r, row in enumerate(sheet["values"], 1)
                    for c, v in enumerate(row, 1)
                    if v != ""
                }
        for action in replay.actions:
            replay._run(action)
        return replay

    def _sheet(self, action: dict) -> str:
        return self.order[action["sheet_position"]]

    def _cells(self, action: dict) -> list[tuple[int, int]]:
        r0, c0 = action["start_row"] + 1, action["start_column"] + 1
        return [
            (r0 + i, c0 + j)
            for i in range(action["row_count"])
            for j in range(action["column_count"])
        ]

    def _run(self, action: dict) -> None:
        func = action["func"]
        if func == "addSheet":
            position, name = action["args"]
            self.order.insert(position, name)
            self.cells[name] = {}
        elif func == "setValues":
            grid = self.cells[self._sheet(action)]
            r0, c0 = action["start_row"] + 1, action["start_column"] + 1
            for i, row in enumerate(action["values"]):
                for j, value in enumerate(row):
                    grid.pop((r0 + i, c0 + j), None)
                    if value not in ("", None):
                        grid[(r0 + i, c0 + j)] = _as_excel_stores(value)
        elif func in ("sheetClear", "sheetClearContents"):
            self.cells[self._sheet(action)] = {}
            if func == "sheetClear":
                self.colors.pop(self._sheet(action), None)
        elif func == "setRangeColor":
            colors = self.colors.setdefault(self._sheet(action), {})
            for cell in self._cells(action):
                colors[cell] = action["args"][0]
        elif func == "alert":
            prompt, title, buttons, mode, _ = action["args"]
            self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})

    def value(self, sheet: str, address: str) -> Any:
        col, row, _, _ = range_boundaries(address)
        return self.cells[sheet].get((row, col))

    def column(self, sheet: str, col: int) -> list[Any]:
        grid = self.cells[sheet]
        return [grid[k] for k in sorted(grid) if k[1] == col]

    def texts(self, sheet: str) -> list[str]:
        return [
            v.text if isinstance(v, Text | Formula) else str(v) for v in self.cells[sheet].values()
        ]

    def formulas(self, sheet: str) -> list[str]:
        return [v.text for v in self.cells[sheet].values() if isinstance(v, Formula)]


def _added(actions: list[dict]) -> set[str]:
    return {a["args"][1] for a in actions if a["func"] == "addSheet"}


def _as_excel_stores(value: Any) -> Any:
    """Excel's reading of a written value: a leading apostrophe means text, '=' a formula."""
    if isinstance(value, str):
        if value.startswith("'"):
            return Text(value[1:]) if value[1:2] in ("=", "+", "-", "@") else value[1:]
        if value.startswith("="):
            return Formula(value)
    return value


_DEMO: dict[str, tuple[Path, Path]] = {}


def shared_demo(tmp_path_factory: Any) -> tuple[Path, Path]:
    """A workspace holding the seven demo returns and the master `ni179 demo` wrote from it.

    Built once per test session (it takes seconds) for every module that asks; tests must
    not change what it holds.
    """
    if "demo" not in _DEMO:
        from xl_ni179.demo.run import run_demo

        root = tmp_path_factory.mktemp("demo")
        run_demo(root / "workspace", root / "out")
        _DEMO["demo"] = root / "workspace", root / "out" / "master.xlsx"
    return _DEMO["demo"]


MASTER = Path(__file__).resolve().parents[2] / "workbooks" / "NI179_master.xlsx"
