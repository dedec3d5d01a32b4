"""Reading cases in which the package's parts and relationships can be read two ways (issue
17, examples 1, 3 and 4): a second workbook part, content types that disagree, sheets
reached or typed oddly, two relationships with one Id, and a decoy table of text.
"""

from __future__ import annotations

from lxml import etree

from helpers.excel_respelling import shared_strings
from helpers.ooxml import CT, MAIN, NS, REL, Package
from helpers.reading_case_edits import (
    DDE,
    SML,
    Case,
    copy_sheet,
    package_rels,
    relate,
    set_content_type,
)

# -- example 1: a second workbook part, content types that disagree -------------------------


def _second_workbook(pkg: Package, demote: bool = True, keep_first: bool = False) -> None:
    """xl/book2.xml, a copy of the workbook whose Gains sheet says B8 = 1.5 (and holds a DDE
    formula), named the office document; [Content_Types].xml gives it the workbook type."""
    wb = pkg.workbook_part()
    pkg.parts["xl/book2.xml"] = pkg.parts[wb]
    rels = pkg.xml(Package.rels_name(wb))
    gains_part = pkg.sheet_parts()["Gains"]
    copy_sheet(pkg, "Gains", "xl/worksheets/gains2.xml", "B8", "1.5")
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
        set_content_type(pkg, wb, "application/xml")
    root = package_rels(pkg)
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
    copy_sheet(pkg, "Gains", "xl/worksheets/gains2.xml", "B8", "1.5")
    relate(
        pkg,
        pkg.workbook_part(),
        "http://example.org/relationships/figures",
        "worksheets/gains2.xml",
        first=True,
    )


def _orphan_sheet_relationship(pkg: Package) -> None:
    copy_sheet(pkg, "Gains", "xl/worksheets/gains2.xml", "B8", "1.5")
    relate(pkg, pkg.workbook_part(), f"{REL}/worksheet", "worksheets/gains2.xml")


def _unreferenced_sheet(pkg: Package) -> None:
    copy_sheet(pkg, "Gains", "xl/worksheets/sheet2.xml.bak.xml", "B8", "1.5")


def _outside_target(pkg: Package) -> None:
    root = package_rels(pkg)
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
    set_content_type(pkg, pkg.sheet_parts()["Gains"], "application/xml")


# -- example 3: two relationships with one Id ----------------------------------------------


def _duplicate_sheet_id(pkg: Package) -> None:
    """A second rId of the Gains sheet, pointing at a copy with other figures."""
    wb = pkg.workbook_part()
    gains_rid = next(
        s.get(f"{{{REL}}}id")
        for s in pkg.xml(wb).findall("m:sheets/m:sheet", NS)
        if s.get("name") == "Gains"
    )
    copy_sheet(pkg, "Gains", "xl/worksheets/gains2.xml", "B8", "1.5")
    relate(pkg, wb, f"{REL}/worksheet", "worksheets/gains2.xml", rid=gains_rid)


def _duplicate_package_id(pkg: Package) -> None:
    relate(pkg, "", f"{REL}/extended-properties", "docProps/app.xml", rid="rId1")


def _two_shared_strings(pkg: Package) -> None:
    shared_strings(pkg)
    wb = pkg.workbook_part()
    sst = next(t for kind, t in pkg.relationships(wb).values() if kind.endswith("/sharedStrings"))
    pkg.parts["xl/strings2.xml"] = pkg.parts[sst]
    pkg.add_content_type("xl/strings2.xml", content_type=SML + "sharedStrings+xml")
    relate(pkg, wb, f"{REL}/sharedStrings", "strings2.xml")


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
        relate(
            pkg, wb, "http://example.org/relationships/strings", "sharedStrings0.xml", first=True
        )


PART_CASES = [
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
        lambda pkg: set_content_type(pkg, pkg.workbook_part(), "application/xml"),
    ),
    Case("workbook-typed-by-default", 1, "ambiguous-package", None, _default_typed_workbook),
    Case("two-content-types-for-the-workbook", 1, "ambiguous-package", None, _two_overrides),
    Case("sheet-declared-as-plain-xml", 1, "ambiguous-package", None, _sheet_type_mismatch),
    Case("sheet-copy-under-an-unknown-type", 1, "ambiguous-package", None, _sheet_by_unknown_type),
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
]

RELATIONSHIP_CASES = [
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
