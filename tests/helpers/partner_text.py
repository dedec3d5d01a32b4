"""Returns whose cells hold what a hostile partner types: text inflated to Excel's limit, and
text made to forge lines in the consolidator's terminal.

Each writes the cells into a filled return's own XML (helpers.ooxml), the rest of the file
as it was, so the file is otherwise an ordinary valid return.
"""

from __future__ import annotations

import random
import string
from pathlib import Path

from lxml import etree

from helpers.ooxml import MAIN, NS, Package

EXCEL_MAX_TEXT = 32_767  # the most characters a cell can hold
REL_SHARED_STRINGS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
)


def long_text(n: int = EXCEL_MAX_TEXT, seed: int = 17) -> str:
    """Text that does not compress away: the file stays small only because it is shared."""
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + " ") for _ in range(n))


def cell_of(sheet: etree._Element, coord: str) -> etree._Element:
    """The sheet's cell ``coord``, made (in its row, in order) when the file has none."""
    found = sheet.find(f"m:sheetData/m:row/m:c[@r='{coord}']", NS)
    if found is not None:
        return found
    row_number = int(coord.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    data = sheet.find("m:sheetData", NS)
    row = data.find(f"m:row[@r='{row_number}']", NS)
    if row is None:
        row = etree.SubElement(data, f"{{{MAIN}}}row", r=str(row_number))
        for other in sorted(data, key=lambda r: int(r.get("r"))):
            data.append(other)
    cell = etree.SubElement(row, f"{{{MAIN}}}c", r=coord)
    return cell


def _clear(cell: etree._Element) -> None:
    for child in list(cell):
        cell.remove(child)
    cell.attrib.pop("t", None)


SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def shared_strings_part(pkg: Package) -> str:
    """The workbook's shared strings part, made (as Excel would) when it has none: our
    templates write inline text."""
    wb = pkg.workbook_part()
    found = next(
        (t for kind, t in pkg.relationships(wb).values() if kind == REL_SHARED_STRINGS), None
    )
    if found is not None:
        return found
    part = "xl/sharedStrings.xml"
    pkg.put(part, etree.Element(f"{{{MAIN}}}sst", nsmap={None: MAIN}, count="0", uniqueCount="0"))
    pkg.add_relationship(wb, "sharedStrings", part)
    pkg.add_content_type(part, content_type=SST_TYPE)
    return part


def add_shared_string(pkg: Package, text: str) -> int:
    """Append ``text`` to the shared strings; its index."""
    part = shared_strings_part(pkg)
    sst = pkg.xml(part)
    si = etree.SubElement(sst, f"{{{MAIN}}}si")
    t = etree.SubElement(si, f"{{{MAIN}}}t")
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    count = len(sst.findall("m:si", NS))
    sst.set("uniqueCount", str(count))
    sst.set("count", str(int(sst.get("count", "0")) + 1))
    pkg.put(part, sst)
    return count - 1


def point_cells_at_one_string(
    source: Path, out: Path, cells: list[tuple[str, str]], text: str
) -> Path:
    """Every cell in ``cells`` ([(sheet, coord)]) shows ``text``, stored once as a shared string."""
    pkg = Package(source)
    index = add_shared_string(pkg, text)
    parts = pkg.sheet_parts()
    by_sheet: dict[str, list[str]] = {}
    for sheet, coord in cells:
        by_sheet.setdefault(sheet, []).append(coord)
    for sheet, coords in by_sheet.items():
        root = pkg.xml(parts[sheet])
        for coord in coords:
            c = cell_of(root, coord)
            _clear(c)
            c.set("t", "s")
            etree.SubElement(c, f"{{{MAIN}}}v").text = str(index)
        pkg.put(parts[sheet], root)
    return pkg.save(out)


def set_inline_text(source: Path, out: Path, sheet: str, coord: str, text: str) -> Path:
    """``sheet!coord`` holds ``text`` as inline text (lxml writes a CR as &#13;, so it survives)."""
    pkg = Package(source)
    part = pkg.sheet_parts()[sheet]
    root = pkg.xml(part)
    c = cell_of(root, coord)
    _clear(c)
    c.set("t", "inlineStr")
    t = etree.SubElement(etree.SubElement(c, f"{{{MAIN}}}is"), f"{{{MAIN}}}t")
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    pkg.put(part, root)
    return pkg.save(out)


def add_defined_names(source: Path, out: Path, count: int) -> Path:
    """``count`` defined names of the partner's own, each a plain reference: one finding each."""
    pkg = Package(source)
    part = pkg.workbook_part()
    wb = pkg.xml(part)
    names = wb.find("m:definedNames", NS)
    if names is None:
        names = etree.SubElement(wb, f"{{{MAIN}}}definedNames")
        sheets = wb.find("m:sheets", NS)
        sheets.addnext(names)
    for i in range(count):
        name = f"partner_name_{i:05d}_".ljust(60, "x")  # as long as a finding quotes a name
        etree.SubElement(names, f"{{{MAIN}}}definedName", name=name).text = "Gains!$B$8"
    pkg.put(part, wb)
    return pkg.save(out)
