"""A fingerprint of a workbook's locked content, to tell a tampered return.

Both sides reduce a workbook to {sheet: {cell: content}} and normalise content to its
meaning, whatever spelling the program that saved it used (formulas by their canonical
token stream, 296700 against 296700.0), so that saving a return unchanged in Excel, Calc
or Gnumeric never looks like tampering. ``shown`` gives a cell's content in its own
spelling, for messages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from xl_ni179.spec.formulas import Formula, canonical_formula
from xl_ni179.spec.schema import META, Schema

CellMap = Mapping[str, Mapping[str, Any]]


def normalise(value: Any) -> str | None:
    kind = type(value)
    if kind is str:  # most locked cells are labels
        return value.replace("\r\n", "\n") if value else None
    if kind is Formula:
        return "=" + canonical_formula(value)
    if value is None:
        return None
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(round(float(value), 6))
    return str(value).replace("\r\n", "\n") or None


def shown(value: Any) -> str:
    """A cell's content as the partner would recognise it: its own spelling, quoted."""
    if value is None or value == "":
        return "nothing"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value) if len(str(value)) <= 200 else str(value)[:200] + "..."
    return f"'{text}'"


def openpyxl_cells(wb: Any) -> dict[str, dict[str, Any]]:
    """{sheet: {cell: value}} of an openpyxl workbook, formulas wrapped as Formula."""
    return {
        ws.title: {
            c.coordinate: Formula(c.value) if c.data_type == "f" else c.value
            for row in ws.iter_rows()
            for c in row
            if c.value is not None
        }
        for ws in wb.worksheets
    }


def locked_cells(cells: CellMap, schema: Schema) -> dict[tuple[str, str], str]:
    """Every non-input, non-empty cell outside the metadata sheet, normalised."""
    inputs: dict[str, set[str]] = {}
    for f in schema.fields:
        inputs.setdefault(f.sheet, set()).add(f.cell)
    out = {}
    for sheet, sheet_cells in cells.items():
        if sheet == META:
            continue
        skip = inputs.get(sheet, ())
        for coord, value in sheet_cells.items():
            if coord in skip:
                continue
            if type(value) is str:  # most locked cells are labels: normalise's first case, inline
                if value:
                    out[(sheet, coord)] = value.replace("\r\n", "\n") if "\r" in value else value
                continue
            norm = normalise(value)
            if norm is not None:
                out[(sheet, coord)] = norm
    return out


def fingerprint(locked: Mapping[tuple[str, str], str]) -> str:
    # In (sheet, cell) order, hashed at once. Sorting the lines themselves gives that order
    # faster: names and addresses hold no NUL (XML cannot), so each line's key ends at the
    # lowest character there is, and no two lines share a key.
    return hashlib.sha256(
        "".join(
            sorted(
                [f"{sheet}\x00{coord}\x00{value}\x01" for (sheet, coord), value in locked.items()]
            )
        ).encode()
    ).hexdigest()


def differences(
    expected: Mapping[tuple[str, str], str], found: Mapping[tuple[str, str], str]
) -> Iterable[tuple[str, str, str | None, str | None]]:
    """(sheet, cell, expected, found) for each locked cell that differs, in sheet order."""
    for key in sorted(set(expected) | set(found)):
        if expected.get(key) != found.get(key):
            yield key[0], key[1], expected.get(key), found.get(key)
