"""Targeted mutations that make a package two readers could read two ways (issue 17, items
1-4): a second workbook part, values outside ``sheetData``, two relationships with one Id,
and a decoy shared-string table found by name.
"""

from __future__ import annotations

import copy
import random

from lxml import etree

from helpers.mutation_edits import (
    MONEY,
    RATING,
    Aim,
    copy_sheet_with,
    edit_sheet_xml,
    relative,
    rels_root,
    resolve,
    restamp,
    set_content_type,
    set_number,
    sheet_rel,
)
from helpers.ooxml import MAIN, NS, PKG_REL, REL, Package
from helpers.partner_text import add_shared_string, cell_of, shared_strings_part

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WORKBOOK_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
SST_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
OFFICE_DOCUMENT = f"{REL}/officeDocument"


# -- item 1: a second workbook part ----------------------------------------------------------


def second_workbook(pkg: Package, rng: random.Random, aim: Aim) -> str:
    wb = pkg.workbook_part()
    new_wb = "xl/book2.xml"
    rid, _ = sheet_rel(pkg, MONEY[0])
    copy_part = copy_sheet_with(
        pkg, MONEY[0], MONEY[1], "1.5", "xl/worksheets/gains2.xml", aim.schema
    )
    pkg.parts[new_wb] = pkg.parts[wb]
    rels = rels_root(pkg, wb)
    for rel in rels:
        target = resolve(wb, rel.get("Target", "")) if rel.get("TargetMode") != "External" else None
        if rel.get("Id") == rid:
            target = copy_part
        if target is not None:
            rel.set("Target", relative(new_wb, target))
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
    set_content_type(pkg, new_wb, WORKBOOK_CT)
    if variant != "no-demotion":
        set_content_type(pkg, wb, "application/xml")
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
            set_number(changed.find(f"m:c[@r='{MONEY[1]}']", NS), value)
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

    edit_sheet_xml(pkg, MONEY[0], edit)
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
    rid, _ = sheet_rel(pkg, MONEY[0])
    copy_part = copy_sheet_with(
        pkg, MONEY[0], MONEY[1], "1.5", "xl/worksheets/gains_copy.xml", aim.schema
    )
    root = rels_root(pkg, wb)
    original = next(r for r in root if r.get("Id") == rid)
    twin = copy.deepcopy(original)
    twin.set("Target", relative(wb, copy_part))
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
    root = rels_root(pkg, wb)
    for rel in root:
        if rel.get("TargetMode") != "External" and resolve(wb, rel.get("Target", "")) == real:
            rel.set("Target", relative(wb, moved))
    decoy = pkg.xml(moved)
    for t in decoy.findall("m:si", NS)[index].iter(f"{{{MAIN}}}t"):  # only the rating's own string
        t.text = _swap_ratings(t.text or "")
    pkg.put(real, decoy)
    variant = ("unknown-type", "custom-xml-type", "no-relationship")[aim.pick % 3]
    if variant != "no-relationship":
        kind = "http://ni179.invalid/decoy" if variant == "unknown-type" else f"{REL}/customXml"
        rel = etree.Element(
            f"{{{PKG_REL}}}Relationship", Id="rIdDecoy", Type=kind, Target=relative(wb, real)
        )
        root.insert(0, rel)
    pkg.put(pkg.rels_name(wb), root)
    ct = pkg.xml("[Content_Types].xml")
    for o in ct.findall("ct:Override", NS):
        if o.get("PartName", "").lstrip("/") == real:
            o.set("PartName", "/" + moved)
    pkg.put("[Content_Types].xml", ct)
    set_content_type(pkg, real, rng.choice([SST_CT, "application/xml"]))
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
    set_number(c, str(index))
    c.set("t", "s")
    pkg.put(part, root)
    return text, index
