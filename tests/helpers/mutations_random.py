"""Seeded random mutations of a return's package: edits of the relationships, the content
types, the workbook part, the shared strings and the sheet XML (swap, duplicate or delete
elements, change attributes, rename parts, reorder rows, duplicate cells...).

They find what the targeted families do not think of; ``RANDOM_WEIGHTS`` favours the
sheet XML, where the figures are.
"""

from __future__ import annotations

import copy
import posixpath
import random
from collections.abc import Callable

from lxml import etree

from helpers.mutation_edits import (
    SHEET_CT,
    XML_SPACE,
    NotApplicable,
    relative,
    resolve,
)
from helpers.ooxml import MAIN, NS, REL, Package

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
        a.set("Target", "/" + resolve(part, a.get("Target", "")))
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
                    and resolve(owner, rel.get("Target", "")) == name
                ):
                    rel.set(
                        "Target",
                        relative(owner, new)
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
