"""What the parts of a return may not carry, wherever they stand in the package.

Each part is screened once, as it is read (``xl_ni179.intake.safety.part_screening``):

* relationships: links out of the file (other than web and mail links), macros,
  connections, embedded objects and controls, live (RTD) data;
* formulas outside the sheets' cells: conditional formats, data validations (Excel
  2010's in the sheet's ``extLst`` too), sparklines, defined names, charts, tables, pivot
  fields, shapes and form controls linked to cells, each through the formula screen
  (``xl_ni179.intake.safety.formulas``); a shape or control that runs a macro;
* markup compatibility (``mc:``) where it could change what a program reads: Excel and
  LibreOffice take a cell's value only from ``worksheet/sheetData/row/c``, and a
  ``mc:AlternateContent`` choice or ``mc:ProcessContent`` around it would let one program
  read content another skips.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.formulas import screen
from xl_ni179.intake.safety.graph import MAIN, R_NS, Relationship
from xl_ni179.intake.safety.problems import Problem
from xl_ni179.intake.safety.xmlscan import Stop, shown

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X15AC = "http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac"
WEB_LINK = re.compile(r"(?:https?://|mailto:)[^\\\s]*\Z", re.IGNORECASE)

# Elements whose text is a formula, in any namespace (Excel 2010's x14 parts spell a
# formula xm:f; charts c:f), and attributes that hold one.
_FORMULA_TAGS = tuple(
    f"{{*}}{t}"
    for t in (
        "f",
        "formula",
        "formula1",
        "formula2",
        "calculatedColumnFormula",
        "totalsRowFormula",
        "definedName",
    )
)
_DEFINED_NAME = f"{{{MAIN}}}definedName"
_FORMULA_ATTRIBUTES = (
    "formula",
    "fmlaLink",
    "fmlaRange",
    "fmlaTxbx",
    "fmlaGroup",
    "fmlaPict",
    "textlink",
)
_MACRO_ATTRIBUTES = ("macro", "fmlaMacro")
_ATTRIBUTES = etree.XPath(
    "descendant-or-self::*/@*["
    + " or ".join(
        f"local-name()='{a}'" for a in (*_FORMULA_ATTRIBUTES, *_MACRO_ATTRIBUTES, "destinationFile")
    )
    + "]"
)
# A conditional format's threshold may be a formula.
_FORMULA_VALUES = etree.XPath("descendant-or-self::*[local-name()='cfvo'][@type='formula']/@val")
# Where a formula stands, for the finding: the nearest enclosing element that says.
_PLACES = {
    "cfRule": "a conditional format",
    "conditionalFormatting": "a conditional format",
    "dataValidation": "a data validation",
    "sparklineGroup": "a sparkline",
    "tableColumn": "a table",
    "ser": "a chart",
    "chartSpace": "a chart",
    "cacheField": "a pivot table",
}
_VML_MACRO = re.compile(rb"<(?:\w+:)?fmlamacro\b[^>]*>([^<]*)<", re.IGNORECASE)
_VML_FORMULA = re.compile(
    rb"<(?:\w+:)?fmla(?:link|range|txbx|group|pict)\b[^>]*>([^<]*)<", re.IGNORECASE
)


def _local(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _place(el: Any, part: str) -> tuple[str, str]:
    """(what holds the formula, the cells it covers) for a finding."""
    if _local(el.tag) == "definedName":
        return f"the defined name '{shown(el.get('name', ''), 40)}'", ""
    node = el
    while node is not None:
        what = _PLACES.get(_local(node.tag))
        if what is not None:
            cells = node.get("sqref") or next(
                (c.text or "" for c in node if _local(c.tag) == "sqref"), ""
            )
            return what, shown(cells, 30)
        node = node.getparent()
    return f"the part {shown(part, 60)}", ""


def _concern(text: str, el: Any, part: str, sheet: str) -> Stop | None:
    concern = screen(text)
    if concern is None:
        return None
    what, cells = _place(el, part)
    where = f"{what} on the sheet '{shown(sheet, 40)}'" if sheet and what.startswith("a ") else what
    first = cells.split(" ")[0].split(":")[0]  # the first cell it covers, to point at
    return Stop(concern.kind.problem(sheet=sheet, cell=first, detail=f"{where}: {concern.what}"))


# Attribute names and words that must be in a part's bytes for any of the above to be there:
# most parts have none, and skip the searches.
_SEARCHES = {
    "names": (b"function=", b"vbProcedure=", b"xlm="),
    "attributes": tuple(
        f"{name}=".encode()
        for name in (*_FORMULA_ATTRIBUTES, *_MACRO_ATTRIBUTES, "destinationFile")
    ),
    "pivot": (b"cacheSource",),
    "thresholds": (b"cfvo",),
}
ALL_SEARCHES = frozenset(_SEARCHES)


def searches_for(data: bytes) -> frozenset[str]:
    """The searches ``screen_tree`` needs to make in a part with these bytes."""
    return frozenset(name for name, needles in _SEARCHES.items() if any(n in data for n in needles))


def screen_tree(
    root: Any, part: str, sheet: str = "", searches: frozenset[str] = ALL_SEARCHES
) -> None:
    """Raise Stop for the first formula that reaches outside, or macro, in this part.

    For a sheet, ``root`` is each of the sheet's elements other than its cells (whose
    formulas the reader screens as it reads them). ``searches`` (``searches_for`` the part's
    bytes) leaves out the searches for what the part cannot hold.
    """
    flags = "names" in searches
    for el in root.iter(*_FORMULA_TAGS):
        text = el.text
        if (
            flags
            and el.tag == _DEFINED_NAME
            and (_true(el.get("function")) or _true(el.get("vbProcedure")) or _true(el.get("xlm")))
        ):
            raise Stop(
                P.MACROS.problem(
                    detail=f"the defined name '{shown(el.get('name', ''), 40)}' is a macro"
                )
            )
        if text and (stop := _concern(text, el, part, sheet)) is not None:
            raise stop
    if "attributes" in searches:
        for value in _ATTRIBUTES(root):
            name = value.attrname.rpartition("}")[2]
            owner = value.getparent()
            if name == "destinationFile":
                raise Stop(
                    P.EXTERNAL_LINK.problem(
                        detail=f"it publishes a copy of itself to '{shown(str(value), 60)}'"
                    )
                )
            if name in _MACRO_ATTRIBUTES:
                if str(value).strip():
                    raise Stop(
                        P.MACROS.problem(
                            detail=f"a shape or control that runs the macro '{shown(str(value), 40)}'"
                        )
                    )
            elif (
                str(value).strip()
                and (stop := _concern(str(value), owner, part, sheet)) is not None
            ):
                raise stop
    if "pivot" in searches:
        # A pivot table's data: from this workbook's cells, or fetched (a connection, another file).
        for source in root.iter("{*}cacheSource"):
            if source.get("type", "worksheet") != "worksheet":
                raise Stop(
                    P.DATA_CONNECTION.problem(
                        detail="a pivot table that fetches its data from elsewhere"
                    )
                )
            if any(
                key.endswith("}id") for el in source.iter("{*}worksheetSource") for key in el.attrib
            ):
                raise Stop(
                    P.EXTERNAL_LINK.problem(
                        detail="a pivot table that uses cells from another file"
                    )
                )
    if "thresholds" in searches:
        for value in _FORMULA_VALUES(root):
            if (stop := _concern(str(value), value.getparent(), part, sheet)) is not None:
                raise stop


def screen_vml(data: bytes, part: str) -> None:
    """A legacy (VML) drawing, which need not be well-formed: buttons that run a macro, and
    form controls linked to cells."""
    for match in _VML_MACRO.finditer(data):
        if match.group(1).strip():
            raise Stop(P.MACROS.problem(detail="a button or control that runs a macro"))
    for match in _VML_FORMULA.finditer(data):
        concern = screen(match.group(1).decode("utf-8", "replace"))
        if concern is not None:
            raise Stop(
                concern.kind.problem(detail=f"a form control in {shown(part, 60)}: {concern.what}")
            )


def check_markup_compatibility(
    root: Any, data: bytes, part: str, *, workbook: bool = False
) -> None:
    """Refuse markup-compatibility constructs that could change what is read from a part that
    holds values (a sheet, the workbook, the text table, the styles).

    ``mc:AlternateContent`` offers programs a choice of content: one program would read the
    choice, another the fallback. Real programs never write it in these parts, except
    Excel's note of the folder a workbook was saved in (``x15ac:absPath``). An element
    named in ``mc:ProcessContent`` is unwrapped by a program that skips it and read by one
    that does not; ``mc:MustUnderstand`` makes a program refuse what another reads.
    ``mc:Ignorable`` may not name the namespaces the values are read from.
    """
    if MC.encode() not in data and not data.startswith(
        (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")
    ):
        return  # the namespace is never declared, so none of its constructs can be used
    for alternate in root.iter(f"{{{MC}}}AlternateContent"):
        if workbook and _only_saved_folder(alternate):
            continue
        raise Stop(
            P.AMBIGUOUS_PACKAGE.problem(
                detail=f"the part {shown(part, 60)} offers programs alternative content (mc:AlternateContent)"
            )
        )
    for el in root.iter():
        for key, value in el.attrib.items():
            if not key.startswith(f"{{{MC}}}"):
                continue
            name = key.rpartition("}")[2]
            if name in ("ProcessContent", "MustUnderstand"):
                raise Stop(
                    P.AMBIGUOUS_PACKAGE.problem(
                        detail=f"the part {shown(part, 60)} tells programs to read content differently (mc:{name})"
                    )
                )
            if name == "Ignorable":
                spaces = {el.nsmap.get(prefix) for prefix in value.split()}
                if spaces & {MAIN, R_NS, MC}:
                    raise Stop(
                        P.AMBIGUOUS_PACKAGE.problem(
                            detail=f"the part {shown(part, 60)} tells programs to ignore the spreadsheet itself"
                        )
                    )


def _only_saved_folder(alternate: Any) -> bool:
    """Excel's <mc:AlternateContent><mc:Choice Requires="x15"><x15ac:absPath/></mc:Choice>."""
    children = list(alternate)
    return (
        len(children) == 1
        and children[0].tag == f"{{{MC}}}Choice"
        and all(c.tag == f"{{{X15AC}}}absPath" for c in children[0])
        and len(children[0]) == 1
    )


def _true(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true")


def relationship_problems(rels: list[Relationship]) -> list[Problem]:
    """What a part's relationships say it holds that a return may not."""
    found: list[Problem] = []
    for rel in rels:
        kind = rel.type.rsplit("/", 1)[-1].lower()
        if rel.external:
            if kind != "hyperlink":
                found.append(P.EXTERNAL_LINK.problem(detail=f"to {shown(rel.target)}"))
            elif not WEB_LINK.match(rel.target.strip()):
                # A link to a network share or a program (file:, \\server, ms-...:) opens
                # or runs something on the consolidator's computer when it is clicked.
                found.append(P.EXTERNAL_LINK.problem(detail=f"a link to {shown(rel.target)}"))
        elif kind in ("vbaproject", "xlmacrosheet", "xlintlmacrosheet", "dialogsheet"):
            found.append(P.MACROS.problem(detail="macro code or a macro sheet"))
        elif kind in ("connections", "querytable", "powerpivotdata"):
            found.append(P.DATA_CONNECTION.problem(detail="a connection to another data source"))
        elif kind in ("oleobject", "package"):
            name = shown(rel.target.rsplit("/", 1)[-1])
            found.append(P.EMBEDDED_OBJECT.problem(detail=f"the embedded file '{name}'"))
        elif kind in ("control", "activexcontrolbinary"):
            found.append(P.EMBEDDED_OBJECT.problem(detail="an ActiveX control"))
        elif kind == "volatiledependencies":
            found.append(
                P.OUTWARD_FORMULA.problem(detail="RTD, which takes live data from another program")
            )
    return found
