"""Input cells stay editable however they were pasted into.

A plain Ctrl+V of cells copied from another spreadsheet carries the source's formatting,
cell protection included: the yellow cells become locked, and on a protected sheet every
later correction was refused ("Protected cells can not be modified"), with only Undo as a
way out. So each sheet with inputs also lists them as a range anyone may edit while the
sheet is protected (Excel's "Allow Users to Edit Ranges", ``<protectedRanges>`` without a
password; LibreOffice Calc honours it too): whatever a paste does to an input's own
protection, the input can still be typed over. Everything else stays locked.

openpyxl does not write ``<protectedRanges>``, so it is added to the saved package here.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Mapping, Sequence

from lxml import etree
from openpyxl import Workbook

from xl_ni179.spec.schema import Schema

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
RANGE_NAME = "Inputs"
# Where <protectedRanges> goes: after the first of these the sheet has (CT_Worksheet order).
BEFORE = ("sheetProtection", "sheetCalcPr", "sheetData")


def editable_ranges(data: bytes, inputs: Mapping[str, Sequence[str]]) -> bytes:
    """``data`` (an .xlsx package) with each sheet in ``inputs`` ({sheet name: [cell, ...]})
    letting its input cells be edited while the sheet is protected."""
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = _sheet_parts(source)
    changed = {}
    for sheet, cells in inputs.items():
        if not cells:
            continue
        part = parts[sheet]
        root = etree.fromstring(source.read(part))
        anchor = next(el for name in BEFORE if (el := root.find(f"{{{MAIN}}}{name}")) is not None)
        ranges = etree.Element(f"{{{MAIN}}}protectedRanges")
        etree.SubElement(
            ranges, f"{{{MAIN}}}protectedRange", name=RANGE_NAME, sqref=" ".join(cells)
        )
        anchor.addnext(ranges)
        changed[part] = etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", standalone=True
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, changed.get(info.filename, source.read(info.filename)))
    return out.getvalue()


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """{sheet name: its part's path in the package}."""
    book = etree.fromstring(package.read("xl/workbook.xml"))
    rels = etree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {
        r.get("Id"): r.get("Target", "") for r in rels.iterfind(f"{{{PKG_REL}}}Relationship")
    }
    out = {}
    for sheet in book.iterfind(f"{{{MAIN}}}sheets/{{{MAIN}}}sheet"):
        target = targets[sheet.get(f"{{{REL}}}id")]
        out[sheet.get("name", "")] = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join("xl", target))
        )
    return out


def workbook_bytes(wb: Workbook, schema: Schema) -> bytes:
    """``wb`` saved as .xlsx, each sheet letting its inputs (``schema``'s fields) be edited."""
    buffer = io.BytesIO()
    wb.save(buffer)
    inputs: dict[str, list[str]] = {}
    for f in schema.fields:
        inputs.setdefault(f.sheet, []).append(f.cell)
    return editable_ranges(buffer.getvalue(), inputs)
