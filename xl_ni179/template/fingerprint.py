"""A fingerprint of a workbook's locked content, to tell a tampered return.

Both sides reduce a workbook to {sheet: {cell: content}} and normalise content to its
meaning, whatever spelling the program that saved it used (formulas by their canonical
token stream, 296700 against 296700.0), so that saving a return unchanged in Excel, Calc
or Gnumeric never looks like tampering. ``shown`` gives a cell's content in its own
spelling, for messages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from xl_ni179.spec.formulas import Formula, canonical_formula
from xl_ni179.spec.schema import META, Schema

CellMap = Mapping[str, Mapping[str, Any]]


# Every kind of content but text is marked with a NUL and a letter, and a text that itself
# starts with a NUL (a return can write one as _x0000_) is marked too, so two cells of
# different kinds never normalise alike: a total replaced by the text of its formula, or a
# year by the text of its number, shows something else and is a changed cell.
MARK = "\x00"
_TEXT, _FORMULA, _NUMBER, _TRUTH, _OTHER = (MARK + kind for kind in "t=nbo")


def normalise(value: Any) -> str | None:
    kind = type(value)
    if kind is str:  # most locked cells are labels
        return _text(value) if value else None
    if kind is Formula:
        return _FORMULA + canonical_formula(value)
    if value is None:
        return None
    if kind is bool:
        return _TRUTH + ("TRUE" if value else "FALSE")
    if isinstance(value, int | float):
        return _NUMBER + repr(round(float(value), 6))
    text = str(value).replace("\r\n", "\n")
    return _OTHER + text if text else None


def _text(value: str) -> str:
    text = value.replace("\r\n", "\n") if "\r" in value else value
    return _TEXT + text if text.startswith(MARK) else text


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


def _inputs_by_sheet(schema: Schema) -> dict[str, set[str]]:
    inputs: dict[str, set[str]] = {}
    for f in schema.fields:
        inputs.setdefault(f.sheet, set()).add(f.cell)
    return inputs


def _locked_of_sheet(sheet_cells: Mapping[str, Any], skip: Collection[str]) -> dict[str, str]:
    """{cell: normalised content} of one sheet's non-input, non-empty cells."""
    out = {}
    for coord, value in sheet_cells.items():
        if coord in skip:
            continue
        if type(value) is str:  # most locked cells are labels: normalise's first case, inline
            if value:
                out[coord] = value if value[0] != MARK and "\r" not in value else _text(value)
            continue
        norm = normalise(value)
        if norm is not None:
            out[coord] = norm
    return out


def locked_cells(cells: CellMap, schema: Schema) -> dict[tuple[str, str], str]:
    """Every non-input, non-empty cell outside the metadata sheet, normalised."""
    inputs = _inputs_by_sheet(schema)
    return {
        (sheet, coord): value
        for sheet, sheet_cells in cells.items()
        if sheet != META
        for coord, value in _locked_of_sheet(sheet_cells, inputs.get(sheet, ())).items()
    }


def fingerprint(locked: Mapping[tuple[str, str], str]) -> str:
    """The hash of locked content: each (sheet, cell, content), in (sheet, cell) order."""
    by_sheet: dict[str, dict[str, str]] = {}
    for (sheet, coord), value in locked.items():
        by_sheet.setdefault(sheet, {})[coord] = value
    return _hash(by_sheet)


def locked_fingerprint(cells: CellMap, schema: Schema) -> str:
    """``fingerprint(locked_cells(cells, schema))``, without building the whole map: what
    each return is checked by against the templates issued."""
    inputs = _inputs_by_sheet(schema)
    return _hash(
        {
            sheet: _locked_of_sheet(sheet_cells, inputs.get(sheet, ()))
            for sheet, sheet_cells in cells.items()
            if sheet != META
        }
    )


def _hash(by_sheet: Mapping[str, Mapping[str, str]]) -> str:
    # In (sheet, cell) order. A sheet's name and a cell's address hold no NUL (XML cannot),
    # and each content is preceded by its length, so one cell's content can never read as
    # the end of its own line and the start of another's: the lines say one thing only.
    digest = hashlib.sha256()
    for sheet in sorted(by_sheet):
        contents = by_sheet[sheet]
        digest.update(
            "".join(
                [
                    f"{sheet}\x00{coord}\x00{len(text)}\x00{text}"
                    for coord in sorted(contents)
                    for text in (contents[coord],)
                ]
            ).encode("utf-8", "surrogatepass")
        )
    return digest.hexdigest()


def differences(
    expected: Mapping[tuple[str, str], str], found: Mapping[tuple[str, str], str]
) -> Iterable[tuple[str, str, str | None, str | None]]:
    """(sheet, cell, expected, found) for each locked cell that differs, in sheet order."""
    for key in sorted(set(expected) | set(found)):
        if expected.get(key) != found.get(key):
            yield key[0], key[1], expected.get(key), found.get(key)
