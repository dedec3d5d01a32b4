"""Runs inside LibreOffice (its Python script provider): what Calc shows in given cells of one workbook.

``calc_inputs.py`` copies this file into the private Calc profile's ``Scripts/python`` and
calls ``read_inputs`` once per workbook, so the hundred-odd cells of a return are read
in-process rather than by a hundred UNO round trips each. It imports nothing of ours.
"""

import json

import uno  # noqa: F401 - LibreOffice's own; registers the com.sun.star imports
from com.sun.star.beans import PropertyValue

KINDS = {
    "EMPTY": "empty",
    "VALUE": "value",
    "TEXT": "text",
    "FORMULA": "formula",
}  # CellContentType


def _prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def _cell(doc, formats, sheet, coord):
    cell = sheet.getCellRangeByName(coord)
    kind = KINDS.get(cell.getType().value, "other")
    key = cell.NumberFormat
    if key not in formats:
        try:
            formats[key] = doc.NumberFormats.getByKey(key).FormatString
        except Exception:  # noqa: BLE001 - an unknown key: the cell still shows something
            formats[key] = None
    out = {
        "kind": kind,
        "string": cell.getString(),
        "value": cell.getValue(),
        "format": formats[key],
    }
    if (
        kind == "text"
    ):  # what it holds; getString is what it shows (a format's text section applied)
        out["text"] = cell.getDataArray()[0][0]
    elif kind == "formula":
        out["formula"] = cell.getFormula()
    return out


def read_inputs(path_url, cells_json):
    """JSON: the sheets, the document's day 0 and each cell as Calc shows it (see calc_inputs.py)."""
    desktop = XSCRIPTCONTEXT.getDesktop()  # noqa: F821 - given to every LibreOffice macro
    doc = desktop.loadComponentFromURL(
        path_url, "_blank", 0, (_prop("Hidden", True), _prop("ReadOnly", True))
    )
    if doc is None:
        return json.dumps({"error": "Calc could not open it"})
    try:
        if not hasattr(doc, "Sheets"):
            return json.dumps({"error": "Calc did not open it as a spreadsheet"})
        doc.calculateAll()
        names = list(doc.Sheets.ElementNames)
        found, formats = {}, {}
        for sheet_name, coord in json.loads(cells_json):
            if sheet_name in names:
                found[f"{sheet_name}!{coord}"] = _cell(
                    doc, formats, doc.Sheets.getByName(sheet_name), coord
                )
        null = doc.NullDate  # day 0 of the document's serial dates (1899-12-30, or 1904-01-01)
        return json.dumps(
            {
                "sheets": names,
                "cells": found,
                "null_date": f"{null.Year:04d}-{null.Month:02d}-{null.Day:02d}",
            }
        )
    finally:
        doc.close(True)


g_exportedScripts = (read_inputs,)
