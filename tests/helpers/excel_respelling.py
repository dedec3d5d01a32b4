"""What Excel does to a workbook when it saves it, applied to the XML of a filled return.

We cannot run Excel here, so each re-spelling Excel is known to make is written out from
the OOXML format (ECMA-376) and what Excel 2010-365 files contain. Each step changes how
the file is written, never what it means: a return re-spelt like this must be accepted
with the same figures.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

from lxml import etree
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.formula.translate import Translator
from openpyxl.utils.cell import coordinate_from_string

from helpers.ooxml import MAIN, NS, REL, Package

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
XR = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"
XR2 = "http://schemas.microsoft.com/office/spreadsheetml/2015/revision2"
XR3 = "http://schemas.microsoft.com/office/spreadsheetml/2016/revision3"
XR6 = "http://schemas.microsoft.com/office/spreadsheetml/2016/revision6"
XR10 = "http://schemas.microsoft.com/office/spreadsheetml/2016/revision10"
CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
PLAIN_SHEET = re.compile(r"^'([A-Za-z_][A-Za-z0-9_]*)'!")
# Excel marks functions newer than the 2007 file format with _xlfn. (e.g. _xlfn.STDEV.S).
# Our formulas use none, so the prefix is put on IFERROR to exercise the same reading.
XLFN_FUNCTIONS = {"IFERROR"}
LABEL_ID = "4b1c2d3e-5f60-4718-8a9b-0c1d2e3f4a5b"  # a sensitivity label id, as a tenant's would be

Step = Callable[[Package], None]


# -- formula text ---------------------------------------------------------------------------


def _respell(formula: str, names: set[str], edit: Callable[[Token, set[str]], str]) -> str:
    tokens = Tokenizer("=" + formula).items
    return "".join(edit(t, names) for t in tokens)


def _each_formula(pkg: Package, edit: Callable[[Token, set[str]], str]) -> None:
    """Apply a token edit to every cell formula and every defined name's target."""
    wb = pkg.workbook_part()
    root = pkg.xml(wb)
    names = {d.get("name").lower() for d in root.findall("m:definedNames/m:definedName", NS)}
    for d in root.findall("m:definedNames/m:definedName", NS):
        d.text = _respell(d.text, names, edit)
    pkg.put(wb, root)
    for part in pkg.sheet_parts().values():
        sheet = pkg.xml(part)
        for f in sheet.iter(f"{{{MAIN}}}f"):
            if f.text:
                f.text = _respell(f.text, names, edit)
        pkg.put(part, sheet)


def unquoted_sheet_names(pkg: Package) -> None:
    """'Gains'!B30 -> Gains!B30: Excel quotes a sheet name only when it must ('Sign-off')."""
    _each_formula(
        pkg, lambda t, _n: PLAIN_SHEET.sub(r"\1!", t.value) if t.subtype == Token.RANGE else t.value
    )


def true_as_function(pkg: Package) -> None:
    """TRUE -> TRUE(), FALSE -> FALSE() (LibreOffice writes these; Excel reads both)."""
    _each_formula(pkg, lambda t, _n: t.value + "()" if t.subtype == Token.LOGICAL else t.value)


def xlfn_prefixes(pkg: Package) -> None:
    def edit(t: Token, _names: set[str]) -> str:
        if (
            t.type == Token.FUNC
            and t.subtype == Token.OPEN
            and t.value[:-1].upper() in XLFN_FUNCTIONS
        ):
            return "_xlfn." + t.value
        return t.value

    _each_formula(pkg, edit)


def upper_case_names(pkg: Package) -> None:
    """gains_procurement_2008_09 -> GAINS_PROCUREMENT_2008_09 where a formula uses a name."""
    _each_formula(
        pkg,
        lambda t, names: (
            t.value.upper() if t.subtype == Token.RANGE and t.value.lower() in names else t.value
        ),
    )


# -- how cells are stored -------------------------------------------------------------------


def shared_formulas(pkg: Package) -> None:
    """Runs of the same formula down a column become one shared formula (t="shared")."""
    for part in pkg.sheet_parts().values():
        sheet = pkg.xml(part)
        columns: dict[str, list[tuple[int, etree._Element]]] = {}
        for c in sheet.iterfind("m:sheetData/m:row/m:c", NS):
            f = c.find("m:f", NS)
            if f is not None and f.text and not f.get("t"):
                col, row = coordinate_from_string(c.get("r"))
                columns.setdefault(col, []).append((row, f))
        si = 0
        for col, cells in columns.items():
            run: list[tuple[int, etree._Element]] = []
            for row, f in [*cells, (None, None)]:
                if run and row == run[-1][0] + 1 and _same_shape(run[0], col, row, f):
                    run.append((row, f))
                    continue
                if len(run) > 1:
                    _share(run, col, si)
                    si += 1
                run = [(row, f)] if row is not None else []
        pkg.put(part, sheet)


def _same_shape(first: tuple[int, etree._Element], col: str, row: int, f: etree._Element) -> bool:
    moved = Translator("=" + first[1].text, f"{col}{first[0]}").translate_formula(f"{col}{row}")
    return moved[1:] == f.text


def _share(run: list[tuple[int, etree._Element]], col: str, si: int) -> None:
    (top, master), *rest = run
    master.set("t", "shared")
    master.set("ref", f"{col}{top}:{col}{run[-1][0]}")
    master.set("si", str(si))
    for _row, f in rest:
        f.text = None
        f.set("t", "shared")
        f.set("si", str(si))


def shared_strings(pkg: Package) -> None:
    """Excel never writes inline strings: every text goes to the shared-strings table."""
    wb = pkg.workbook_part()
    part = next(
        (t for kind, t in pkg.relationships(wb).values() if kind.endswith("/sharedStrings")), None
    )
    sst = pkg.xml(part) if part else etree.Element(f"{{{MAIN}}}sst", nsmap={None: MAIN})
    index = {etree.tostring(si): i for i, si in enumerate(sst)}
    for sheet_part in pkg.sheet_parts().values():
        sheet = pkg.xml(sheet_part)
        for c in sheet.iterfind("m:sheetData/m:row/m:c[@t='inlineStr']", NS):
            inline = c.find("m:is", NS)
            si = etree.Element(f"{{{MAIN}}}si")
            si.extend(list(inline))
            key = etree.tostring(si)
            if key not in index:
                index[key] = len(sst)
                sst.append(si)
            c.remove(inline)
            c.set("t", "s")
            etree.SubElement(c, f"{{{MAIN}}}v").text = str(index[key])
        pkg.put(sheet_part, sheet)
    sst.set("count", str(len(sst)))
    sst.set("uniqueCount", str(len(sst)))
    if part is None:
        part = "xl/sharedStrings.xml"
        pkg.add_relationship(wb, "sharedStrings", part)
        pkg.add_content_type(
            part,
            content_type="application/vnd.openxmlformats-officedocument."
            "spreadsheetml.sharedStrings+xml",
        )
    pkg.put(part, sst)


# -- what Excel adds ------------------------------------------------------------------------


def _with_namespaces(root: etree._Element, extra: dict[str, str], ignorable: str) -> etree._Element:
    """``root`` re-made with more namespace declarations and mc:Ignorable, as Excel writes it."""
    nsmap = {**root.nsmap, "mc": MC, **extra}
    new = etree.Element(root.tag, nsmap=nsmap)
    new.set(f"{{{MC}}}Ignorable", ignorable)
    for key, value in root.attrib.items():
        new.set(key, value)
    new.text = root.text
    new.extend(list(root))
    return new


def _guid() -> str:
    return "{" + str(uuid.uuid4()).upper() + "}"


def revision_attributes(pkg: Package) -> None:
    """xr:uid on sheets and validations, x14ac:dyDescent on rows, xr:revisionPtr on the workbook."""
    for part in pkg.sheet_parts().values():
        sheet = _with_namespaces(
            pkg.xml(part), {"x14ac": X14AC, "xr": XR, "xr2": XR2, "xr3": XR3}, "x14ac xr xr2 xr3"
        )
        sheet.set(f"{{{XR}}}uid", _guid())
        for el in sheet.iterfind("m:sheetFormatPr", NS):
            el.set(f"{{{X14AC}}}dyDescent", "0.25")
        for row in sheet.iterfind("m:sheetData/m:row", NS):
            row.set(f"{{{X14AC}}}dyDescent", "0.25")
        for dv in sheet.iterfind("m:dataValidations/m:dataValidation", NS):
            dv.set(f"{{{XR}}}uid", _guid())
        pkg.put(part, sheet)
    wb = pkg.workbook_part()
    root = _with_namespaces(
        pkg.xml(wb), {"xr": XR, "xr6": XR6, "xr10": XR10, "xr2": XR2}, "xr xr6 xr10 xr2"
    )
    ptr = etree.Element(f"{{{XR}}}revisionPtr", revIDLastSave="0", documentId="8_" + _guid())
    ptr.set(f"{{{XR6}}}coauthVersionLast", "47")
    ptr.set(f"{{{XR10}}}uidLastSave", "{00000000-0000-0000-0000-000000000000}")
    pr = root.find("m:workbookPr", NS)
    root.insert(list(root).index(pr) + 1 if pr is not None else 0, ptr)
    for view in root.iterfind("m:bookViews/m:workbookView", NS):
        view.set(f"{{{XR2}}}uid", "{00000000-000D-0000-FFFF-FFFF00000000}")
    pkg.put(wb, root)


def calc_chain(pkg: Package) -> None:
    """xl/calcChain.xml: the order Excel last calculated every formula cell in."""
    wb = pkg.workbook_part()
    ids = {s.get("name"): s.get("sheetId") for s in pkg.xml(wb).findall("m:sheets/m:sheet", NS)}
    chain = etree.Element(f"{{{MAIN}}}calcChain", nsmap={None: MAIN})
    for name, part in pkg.sheet_parts().items():
        first = True
        for c in pkg.xml(part).iterfind("m:sheetData/m:row/m:c", NS):
            if c.find("m:f", NS) is not None:
                entry = etree.SubElement(chain, f"{{{MAIN}}}c", r=c.get("r"))
                if first:  # the sheet id carries on to the following entries
                    entry.set("i", ids[name])
                    first = False
    part = "xl/calcChain.xml"
    pkg.put(part, chain)
    pkg.add_relationship(wb, "calcChain", part)
    pkg.add_content_type(
        part,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml",
    )


# Worksheet children that must follow pageSetup (ECMA-376 CT_Worksheet order).
_AFTER_PAGE_SETUP = (
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)


def printer_settings(pkg: Package) -> None:
    """The printer's DEVMODE, which Excel keeps per sheet once the sheet has been printed."""
    sheet_part = pkg.sheet_parts()["Gains"]
    part = "xl/printerSettings/printerSettings1.bin"
    pkg.parts[part] = _devmode("Finance MFD (A4)")
    rid = pkg.add_relationship(sheet_part, "printerSettings", part)
    pkg.add_content_type(
        extension="bin",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings",
    )
    sheet = pkg.xml(sheet_part)
    if REL not in sheet.nsmap.values():
        sheet = _with_namespaces(sheet, {"r": REL}, sheet.get(f"{{{MC}}}Ignorable") or "")
        if not sheet.get(f"{{{MC}}}Ignorable"):
            del sheet.attrib[f"{{{MC}}}Ignorable"]
    setup = sheet.find("m:pageSetup", NS)
    if setup is None:
        setup = etree.Element(f"{{{MAIN}}}pageSetup", paperSize="9", orientation="landscape")
        after = next((el for el in sheet if etree.QName(el).localname in _AFTER_PAGE_SETUP), None)
        if after is None:
            sheet.append(setup)
        else:
            after.addprevious(setup)
    setup.set(f"{{{REL}}}id", rid)
    pkg.put(sheet_part, sheet)


def _devmode(printer: str) -> bytes:
    """A Windows DEVMODEW: A4, landscape, 600 dpi, one copy."""
    import struct

    name = printer.encode("utf-16-le")[:62].ljust(64, b"\0")
    form = "A4".encode("utf-16-le").ljust(64, b"\0")
    fields = 0x1 | 0x2 | 0x100 | 0x400 | 0x2000  # orientation, paper size, copies, quality, y-res
    body = struct.pack("<HHHHI", 0x0401, 0x0600, 220, 0, fields)
    body += struct.pack("<hhhhhhhh", 2, 9, 2970, 2100, 100, 1, 7, 600)  # landscape A4 ...
    body += (
        struct.pack("<hhhhh", 1, 1, 600, 1, 1) + form
    )  # colour, duplex, y-res, TrueType, collate
    body += struct.pack("<H13I", 0, *[0] * 13)
    assert len(name + body) == 220
    return name + body


def sensitivity_label(pkg: Package) -> None:
    """MSIP_Label_* custom properties, written by Office when a sensitivity label is applied."""
    part = "docProps/custom.xml"
    if part in pkg.parts:
        root = pkg.xml(part)
    else:
        root = etree.Element(f"{{{CUSTOM}}}Properties", nsmap={None: CUSTOM, "vt": VT})
        pkg.add_relationship("", "custom-properties", part)
        pkg.add_content_type(
            part, content_type="application/vnd.openxmlformats-officedocument.custom-properties+xml"
        )
    pid = 2 + len(root)
    values = {
        "Enabled": "true",
        "SetDate": "2009-05-12T09:14:03Z",
        "Method": "Standard",
        "Name": "OFFICIAL",
        "SiteId": "a2b3c4d5-e6f7-4809-9a0b-1c2d3e4f5a6b",
        "ActionId": str(uuid.uuid4()),
        "ContentBits": "0",
    }
    for i, (key, value) in enumerate(values.items()):
        prop = etree.SubElement(
            root,
            f"{{{CUSTOM}}}property",
            fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}",
            pid=str(pid + i),
            name=f"MSIP_Label_{LABEL_ID}_{key}",
        )
        etree.SubElement(prop, f"{{{VT}}}lpwstr").text = value
    pkg.put(part, root)


# In the order Excel's writer would produce them: formula text first, then storage, then parts.
STEPS: dict[str, Step] = {
    "unquoted sheet names": unquoted_sheet_names,
    "TRUE()": true_as_function,
    "_xlfn. prefixes": xlfn_prefixes,
    "upper-case names": upper_case_names,
    "shared formulas": shared_formulas,
    "shared strings": shared_strings,
    "xr:uid and x14ac attributes": revision_attributes,
    "calcChain": calc_chain,
    "printer settings": printer_settings,
    "sensitivity label": sensitivity_label,
}


def respell(source: Path, out: Path, steps: list[str] | None = None) -> Path:
    """``source`` saved as Excel would write it (every step, or the named ones)."""
    pkg = Package(source)
    for name in steps or list(STEPS):
        STEPS[name](pkg)
    return pkg.save(out)
