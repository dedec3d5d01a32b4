"""Fill a template's inputs by defined name: for partners exporting from a ledger, and tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from xl_ni179.errors import FillError
from xl_ni179.partnership import Partnership
from xl_ni179.spec.schema import META, build_schema
from xl_ni179.template.editable import workbook_bytes
from xl_ni179.template.printing import fit_rows
from xl_ni179.template.styles import set_text


def read_meta(wb: Any) -> dict[str, str]:
    if META not in wb.sheetnames:
        raise FillError("This workbook is not an NI 179 template: it has no template information.")
    ws = wb[META]
    return {
        str(ws.cell(r, 1).value): str(ws.cell(r, 2).value)
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, 1).value
    }


def load_data(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FillError(f"{path}: cannot be read as JSON ({exc})") from None
    if not isinstance(data, dict):
        raise FillError(f"{path}: must be a JSON object mapping input names to values")
    return data


def fill_workbook(p: Partnership, template: Path, data: dict[str, Any], out: Path) -> Path:
    """Write ``data`` (defined name -> value) into a copy of ``template`` at ``out``.

    Numbers are written as numbers and everything else as text (never as a formula), dates
    as typed (YYYY-MM-DD or day first, see xl_ni179.checks.dates), and null clears an input.
    """
    wb = load_workbook(template)
    meta = read_meta(wb)
    schema = build_schema(p, p.round(meta.get("round")))
    unknown = sorted(k for k in data if k not in schema)
    if unknown:
        raise FillError(
            "Not inputs of this return: "
            + ", ".join(unknown)
            + ". Run `ni179 schema` to list the input names."
        )
    for name, value in data.items():
        f = schema.field(name)
        cell = wb[f.sheet][f.cell]
        if value is None:
            cell.value = None
        elif isinstance(value, bool):
            set_text(cell, str(value))
        elif isinstance(value, int | float):
            cell.value = value
        elif isinstance(value, str):  # a date too: its cell is a text cell, read day first or ISO
            set_text(cell, value)
        else:
            raise FillError(f"{name}: give a number, text or null (found {type(value).__name__})")
    for ws in wb.worksheets:  # rows tall enough for the text now in them
        fit_rows(ws)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(workbook_bytes(wb, schema))  # openpyxl dropped the editable ranges on loading
    return out
