"""Reading cases with formulas that reach outside the workbook, wherever they stand (issue
17, example 6): each outward formula in each place a partner could hide it (a row, an
added sheet, a conditional format, a validation, a defined name, a chart), and pivot
caches fed from a connection or another file.
"""

from __future__ import annotations

from lxml import etree

from helpers.ooxml import MAIN, NS, REL, Package
from helpers.reading_case_edits import (
    DDE,
    SML,
    WEB,
    X14,
    XM,
    Case,
    Edit,
    after_sheet_data,
    edit_sheet,
)

# -- example 6: formulas that reach outside, wherever they stand ----------------------------

FORMULAS_6 = {
    "webservice": WEB,
    "rtd": 'RTD("collect.server",,"topic")',
    "unc-hyperlink": 'HYPERLINK("\\\\collect-host\\share\\x","Open")',
    "call": 'CALL("kernel32","WinExec","JCJ","calc",1)',
    "register-id": 'REGISTER.ID("kernel32","WinExec","JCJ")',
    "filterxml": 'FILTERXML("<a/>","//a")',
    "image": '_xlfn.IMAGE("https://collect.example/pixel.png")',
    "add-in-function": "_xll.COLLECT(1)",
    "lower-case-and-prefixes": '_xlfn._xlws.webservice("https://collect.example/")',
    "space-before-bracket": 'WEBSERVICE ("https://collect.example/")',
    "passed-by-name": "_xlfn.MAP(A1:A2,_xlfn.WEBSERVICE)",
    "another-workbook": "[1]Budget!A1",
    "network-path": "'\\\\collect-host\\share\\[budget.xlsx]Budget'!A1",
    "dde": DDE,
    "address-in-text": 'LEN("file://collect-host/share")',
}
CODES_6 = {"another-workbook": "external-link", "network-path": "external-link", "dde": "dde-link"}


def _in_meta(formula: str) -> Edit:
    def edit(pkg: Package) -> None:
        def change(root: etree._Element) -> None:
            data = root.find("m:sheetData", NS)
            data.append(
                etree.fromstring(
                    f'<row xmlns="{MAIN}" r="40"><c r="A40"><f>{_esc(formula)}</f></c></row>'
                )
            )

        edit_sheet(pkg, "_meta", change)

    return edit


def _esc(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _in_added_sheet(formula: str, name: str = "Validation results") -> Edit:
    def edit(pkg: Package) -> None:
        wb = pkg.workbook_part()
        part = "xl/worksheets/results.xml"
        pkg.parts[part] = (
            f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><f>{_esc(formula)}</f>'
            "</c></row></sheetData></worksheet>"
        ).encode()
        pkg.add_content_type(part, content_type=SML + "worksheet+xml")
        rid = pkg.add_relationship(wb, "worksheet", part)
        root = pkg.xml(wb)
        sheets = root.find("m:sheets", NS)
        ids = [int(s.get("sheetId")) for s in sheets]
        sheets.insert(
            0,
            etree.Element(
                f"{{{MAIN}}}sheet",
                {"name": name, "sheetId": str(max(ids) + 1), f"{{{REL}}}id": rid},
            ),
        )
        pkg.put(wb, root)

    return edit


def _in_conditional_format(formula: str) -> Edit:
    def edit(pkg: Package) -> None:
        block = etree.fromstring(
            f'<conditionalFormatting xmlns="{MAIN}" sqref="B8"><cfRule type="expression" '
            f'priority="9" dxfId="0"><formula>{_esc(formula)}</formula></cfRule>'
            "</conditionalFormatting>"
        )
        edit_sheet(
            pkg,
            "Gains",
            lambda root: (
                after_sheet_data(root, block)
                if root.find("m:sheetProtection", NS) is None
                else root.find("m:sheetProtection", NS).addnext(block)
            ),
        )

    return edit


def _in_validation(formula: str) -> Edit:
    def edit(pkg: Package) -> None:
        def change(root: etree._Element) -> None:
            validations = root.find("m:dataValidations", NS)
            rule = etree.SubElement(
                validations, f"{{{MAIN}}}dataValidation", type="custom", sqref="C9"
            )
            etree.SubElement(rule, f"{{{MAIN}}}formula1").text = formula

        edit_sheet(pkg, "Gains", change)

    return edit


def _in_x14_validation(formula: str) -> Edit:
    def edit(pkg: Package) -> None:
        ext = etree.fromstring(
            f'<extLst xmlns="{MAIN}" xmlns:x14="{X14}" xmlns:xm="{XM}">'
            '<ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}">'
            f'<x14:dataValidations count="1"><x14:dataValidation type="list"><x14:formula1><xm:f>{_esc(formula)}'
            "</xm:f></x14:formula1><xm:sqref>C9</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>"
        )
        edit_sheet(pkg, "Gains", lambda root: root.append(ext))

    return edit


def _in_defined_name(formula: str) -> Edit:
    def edit(pkg: Package) -> None:
        wb = pkg.workbook_part()
        root = pkg.xml(wb)
        names = root.find("m:definedNames", NS)
        el = etree.SubElement(
            names, f"{{{MAIN}}}definedName", name="_xlnm.Print_Area", localSheetId="1"
        )
        el.text = formula
        pkg.put(wb, root)

    return edit


def _in_chart(formula: str) -> Edit:
    """A chart on the Gains sheet whose series takes its values from ``formula``."""

    def edit(pkg: Package) -> None:
        chart_ns = "http://schemas.openxmlformats.org/drawingml/2006/chart"
        drawing_ns = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
        pkg.parts["xl/charts/chart1.xml"] = (
            f'<c:chartSpace xmlns:c="{chart_ns}"><c:chart><c:plotArea><c:barChart><c:ser><c:val><c:numRef>'
            f"<c:f>{_esc(formula)}</c:f></c:numRef></c:val></c:ser></c:barChart></c:plotArea></c:chart>"
            "</c:chartSpace>"
        ).encode()
        pkg.add_content_type(
            "xl/charts/chart1.xml",
            content_type="application/vnd.openxmlformats-officedocument.drawingml.chart+xml",
        )
        pkg.parts["xl/drawings/drawing1.xml"] = f'<xdr:wsDr xmlns:xdr="{drawing_ns}"/>'.encode()
        pkg.add_content_type(
            "xl/drawings/drawing1.xml",
            content_type="application/vnd.openxmlformats-officedocument.drawing+xml",
        )
        pkg.add_relationship("xl/drawings/drawing1.xml", "chart", "xl/charts/chart1.xml")
        gains = pkg.sheet_parts()["Gains"]
        rid = pkg.add_relationship(gains, "drawing", "xl/drawings/drawing1.xml")
        edit_sheet(
            pkg,
            "Gains",
            lambda root: root.append(etree.Element(f"{{{MAIN}}}drawing", {f"{{{REL}}}id": rid})),
        )

    return edit


def _pivot_source(kind: str) -> Edit:
    """A pivot cache whose data comes from a connection, or from another file's cells."""

    def edit(pkg: Package) -> None:
        source = (
            '<cacheSource type="external" connectionId="1"/>'
            if kind == "connection"
            else f'<cacheSource type="worksheet"><worksheetSource xmlns:r="{REL}" ref="A1:B2" sheet="S" r:id="rId1"/>'
            "</cacheSource>"
        )
        pkg.parts["xl/pivotCache/pivotCacheDefinition1.xml"] = (
            f'<pivotCacheDefinition xmlns="{MAIN}">{source}<cacheFields count="0"/></pivotCacheDefinition>'
        ).encode()
        pkg.add_content_type(
            "xl/pivotCache/pivotCacheDefinition1.xml", content_type=SML + "pivotCacheDefinition+xml"
        )
        pkg.add_relationship(
            pkg.workbook_part(), "pivotCacheDefinition", "xl/pivotCache/pivotCacheDefinition1.xml"
        )

    return edit


PLACES_6 = {
    "meta": _in_meta,
    "added-sheet": _in_added_sheet,
    "conditional-format": _in_conditional_format,
    "validation": _in_validation,
    "x14-validation": _in_x14_validation,
    "defined-name": _in_defined_name,
    "chart": _in_chart,
}


def _cases() -> list[Case]:
    out: list[Case] = []
    for place, make in PLACES_6.items():
        for name, formula in FORMULAS_6.items():
            out.append(
                Case(
                    f"{name}-in-{place}",
                    6,
                    CODES_6.get(name, "outward-formula"),
                    None,
                    make(formula),
                )
            )
    out += [
        Case(
            "pivot-table-from-a-connection", 6, "data-connection", None, _pivot_source("connection")
        ),
        Case("pivot-table-from-another-file", 6, "external-link", None, _pivot_source("file")),
    ]
    return out


OUTWARD_CASES = _cases()
