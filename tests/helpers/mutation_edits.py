"""What every package mutation of a real return is made of: the inputs they aim at, the
exception for a mutation a base cannot take, and edits of parts, relationships, content
types and cells that keep the stored totals true to planted figures.

The targeted and random families (mutations_*.py) share these, so each family's module
holds only its own kind of change.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from helpers.ooxml import CT, MAIN, NS, REL, Package
from helpers.partner_text import cell_of
from xl_ni179.checks.computed import computed_cells
from xl_ni179.spec.schema import GAINS, Schema

SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

# The inputs the mutations aim at (the 2008/09 review's template): a money input with a
# figure in every demo return, a rating, a free-text input and the sign-off date.
MONEY, RATING, NAME, DATE = (
    ("Gains", "B8"),
    ("Forecast", "B6"),
    ("Sign-off", "B5"),
    ("Sign-off", "B7"),
)


class NotApplicable(Exception):
    """This mutation cannot be made on this base."""


@dataclass(frozen=True)
class Aim:
    """What a targeted mutation needs besides the package: the return's schema (to keep the
    stored totals true to the figures it plants) and which of its class's variants to make."""

    schema: Schema
    pick: int = 0


# -- finding parts ---------------------------------------------------------------------------


def rels_root(pkg: Package, part: str) -> etree._Element:
    name = pkg.rels_name(part)
    if name not in pkg.parts:
        raise NotApplicable(f"{part} has no relationships")
    return pkg.xml(name)


def resolve(part: str, target: str) -> str:
    return (
        target.lstrip("/")
        if target.startswith("/")
        else posixpath.normpath(posixpath.join(posixpath.dirname(part), target))
    )


def relative(part: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(part) or ".")


def sheet_rel(pkg: Package, sheet: str) -> tuple[str, str]:
    """(rId, part) of the named sheet."""
    wb = pkg.workbook_part()
    root = pkg.xml(wb)
    for s in root.findall("m:sheets/m:sheet", NS):
        if s.get("name") == sheet:
            rid = s.get(f"{{{REL}}}id")
            return rid, pkg.relationships(wb)[rid][1]
    raise NotApplicable(f"no sheet {sheet}")


def set_number(c: etree._Element, text: str) -> None:
    for child in list(c):
        c.remove(child)
    c.attrib.pop("t", None)
    etree.SubElement(c, f"{{{MAIN}}}v").text = text


def set_inline(c: etree._Element, text: str) -> None:
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


def edit_sheet_xml(pkg: Package, sheet: str, edit: Callable[[etree._Element], None]) -> None:
    part = pkg.sheet_parts()[sheet]
    root = pkg.xml(part)
    edit(root)
    pkg.put(part, root)


def copy_sheet_with(
    pkg: Package, sheet: str, coord: str, number: str, name: str, schema: Schema
) -> str:
    """A copy of ``sheet``'s part, as a new part ``name`` (with its content type), in which
    ``coord`` holds ``number`` (its totals kept true to it); its relationships are copied too."""
    part = pkg.sheet_parts()[sheet]
    root = pkg.xml(part)
    set_number(cell_of(root, coord), number)
    restamp(root, schema, {})
    pkg.put(name, root)
    if pkg.rels_name(part) in pkg.parts:
        rels = pkg.xml(pkg.rels_name(part))
        for rel in rels:
            if rel.get("TargetMode") != "External":
                rel.set("Target", relative(name, resolve(part, rel.get("Target", ""))))
        pkg.put(pkg.rels_name(name), rels)
    pkg.add_content_type(name, content_type=SHEET_CT)
    return name


def set_content_type(pkg: Package, part: str, content_type: str) -> None:
    root = pkg.xml("[Content_Types].xml")
    for o in root.findall("ct:Override", NS):
        if o.get("PartName", "").lstrip("/") == part:
            o.set("ContentType", content_type)
            break
    else:
        etree.SubElement(root, f"{{{CT}}}Override", PartName="/" + part, ContentType=content_type)
    pkg.put("[Content_Types].xml", root)


def insert_in_order(root: etree._Element, element: etree._Element, after: tuple[str, ...]) -> None:
    """Put ``element`` after the last child named in ``after`` (the schema's order)."""
    last = None
    for child in root:
        if isinstance(child.tag, str) and etree.QName(child).localname in after:
            last = child
    if last is None:
        raise NotApplicable("no place for it")
    last.addnext(element)
