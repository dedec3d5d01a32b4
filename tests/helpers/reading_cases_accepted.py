"""Unusual spellings of a filled return that every program reads the same way, and so must
be accepted: cells without addresses, text with escapes, runs and phonetic hints, numbers
and dates spelt otherwise, Excel's folder note, and Calc's spelling of the money format.

They keep the reading cases honest: a check that refuses these is too eager.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from helpers.ooxml import MAIN, NS, Package
from helpers.reading_case_edits import (
    MC,
    Edit,
    edit_sheet,
    set_cell,
)

# -- accepted: unusual spellings that every program reads the same way ----------------------


def _without_addresses(pkg: Package) -> None:
    """Row 8's cells without their r attribute (each is the cell after the one before), and
    row 9 without its number (the row after row 8)."""

    def change(root: etree._Element) -> None:
        row = pkg.cell(root, "B8").getparent()
        for c in row:
            del c.attrib["r"]
        row.getnext().attrib.pop("r")

    edit_sheet(pkg, "Gains", change)


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

    edit_sheet(pkg, "Forecast", forecast)

    def signoff(root: etree._Element) -> None:
        inline = pkg.cell(root, "B6").find("m:is", NS)
        hint = etree.SubElement(inline, f"{{{MAIN}}}rPh", sb="0", eb="1")
        etree.SubElement(hint, f"{{{MAIN}}}t").text = "ジー"

    edit_sheet(pkg, "Sign-off", signoff)


def _numbers_and_dates(pkg: Package) -> None:
    """Numbers in exponent form, with a sign or spaces; the sign-off date as an ISO date."""
    set_cell(pkg, "Gains", "B8", "><v>6.35E1</v>")
    set_cell(pkg, "Gains", "B9", "><v>+53.7</v>")
    set_cell(pkg, "Gains", "B10", "><v> 14.6 </v>")
    set_cell(pkg, "Sign-off", "B7", 't="d"><v>2009-05-12T00:00:00</v>')


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
