"""Targeted mutations that make what an input shows differ from what it holds (issue 17,
item 7): number formats (a date in a money cell, hidden or scaled figures, text sections)
and Excel's ``_xHHHH_`` escapes in text.
"""

from __future__ import annotations

import copy
import random
import re

from lxml import etree

from helpers.mutation_edits import (
    DATE,
    MONEY,
    NAME,
    RATING,
    Aim,
    NotApplicable,
    edit_sheet_xml,
    restamp,
    set_inline,
    set_number,
)
from helpers.ooxml import MAIN, NS, Package
from helpers.partner_text import cell_of
from xl_ni179.spec.schema import GAINS

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
            set_number(c, value)
            if sheet == GAINS:
                restamp(root, aim.schema, {})  # as the program that saved it would have

    edit_sheet_xml(pkg, sheet, edit)
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
    edit_sheet_xml(pkg, NAME[0], lambda root: set_inline(cell_of(root, NAME[1]), text))
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
