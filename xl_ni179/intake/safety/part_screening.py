"""Every part of a returned package screened, each read once: what its name and content type
declare (macros, connections, embedded objects), its relationships, and its content, handed
to the screen for what it is (``screens``) and kept parsed for the reader; pictures and other
binaries last (``binaries``). A part that looks like a second workbook, sheet, text table or
style sheet makes the package ambiguous."""

from __future__ import annotations

import posixpath
import zipfile

from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.binaries import (
    check_binaries,
    flagged_by_name,
    targets_of_printer_settings,
)
from xl_ni179.intake.safety.container import ZIP_ERRORS
from xl_ni179.intake.safety.graph import (
    CONTENT_TYPES,
    MAIN,
    ROLES,
    TYPE_ROLES,
    ContentTypes,
    Graph,
    read_relationships,
)
from xl_ni179.intake.safety.parts import Parts, memorable, recall, remember
from xl_ni179.intake.safety.problems import Found
from xl_ni179.intake.safety.screens import (
    check_markup_compatibility,
    relationship_problems,
    screen_tree,
    screen_vml,
    searches_for,
)
from xl_ni179.intake.safety.xmlscan import Stop, shown

BINARY_SUFFIXES = (
    ".bin",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".bmp",
    ".tif",
    ".tiff",
    ".emf",
    ".wmf",
    ".wdp",
    ".jfif",
)


def screen_parts(parts: Parts, graph: Graph, found: Found) -> None:
    """Read and screen every part once: relationships, XML parts (kept parsed), pictures."""
    sheets = {s.part: s.name for s in graph.sheets}
    binaries: list[zipfile.ZipInfo] = []
    printer_targets: set[str] = set()
    strays: list[
        tuple[str, str]
    ] = []  # (what it looks like, part): parts the file does not use as such
    for name, info in parts.infos.items():
        if found.full:
            return
        low = name.lower()
        try:
            if low.startswith("xl/media/") or low.endswith(BINARY_SUFFIXES):
                if not flagged_by_name(low):
                    binaries.append(
                        info
                    )  # no reader of ours parses them: checked below for what they are
            elif name == CONTENT_TYPES:
                continue  # read with the relationships
            elif low.endswith(".rels"):
                rels = read_relationships(parts, _source_of(name), name)
                for problem in relationship_problems(rels):
                    found.add(problem)
                printer_targets |= targets_of_printer_settings(rels)
            else:
                _screen_part(parts, graph, name, sheets.get(name), strays)
        except Stop as stop:
            found.add(stop.problem)
        except ZIP_ERRORS as exc:
            found.add(
                P.CORRUPT_FILE.problem(
                    detail=f"part {shown(name)} cannot be unpacked: {shown(str(exc))}"
                )
            )
    if strays:
        # A second workbook, sheet, text table or style sheet: another program could read it
        # instead of the one Excel reads. The workbook first: it says the most.
        strays.sort(key=lambda s: (s[0] != "workbook", s[1]))
        named = "; ".join(f"a second {shape}, '{shown(name, 60)}'" for shape, name in strays[:3])
        found.add(
            P.AMBIGUOUS_PACKAGE.problem(
                detail=f"it holds {named}, which Excel does not use but another program could read"
            )
        )
    if not found.full:
        try:
            for problem in check_binaries(parts.zf, binaries, graph.types.of, printer_targets):
                found.add(problem)
        except Stop as stop:
            found.add(stop.problem)
        except ZIP_ERRORS as exc:
            found.add(
                P.CORRUPT_FILE.problem(
                    detail=f"a binary part cannot be unpacked: {shown(str(exc))}"
                )
            )


def _source_of(rels_name: str) -> str:
    """The part a relationships part belongs to: xl/_rels/workbook.xml.rels -> xl/workbook.xml."""
    folder, base = posixpath.split(rels_name)
    return (
        posixpath.join(posixpath.dirname(folder), base[: -len(".rels")])
        if folder.endswith("_rels")
        else ""
    )


# A sheet's elements that no program reads a formula from (the cells are read by the reader).
_NO_FORMULAS = frozenset(
    f"{{{MAIN}}}{tag}"
    for tag in (
        "sheetData",
        "sheetPr",
        "dimension",
        "sheetViews",
        "sheetFormatPr",
        "cols",
        "sheetProtection",
        "printOptions",
        "pageMargins",
        "pageSetup",
        "headerFooter",
        "mergeCells",
        "phoneticPr",
        "rowBreaks",
        "colBreaks",
        "ignoredErrors",
        "drawing",
        "legacyDrawing",
        "legacyDrawingHF",
        "picture",
        "tableParts",
    )
)
_EXTERNAL_LINK = f"{{{MAIN}}}externalLink"


def _screen_part(
    parts: Parts, graph: Graph, name: str, sheet: str | None, strays: list[tuple[str, str]]
) -> None:
    content_type = graph.types.of(name)
    if "vmldrawing" in content_type or name.lower().endswith(".vml"):
        # Excel's legacy drawings (comments' boxes, form controls) are often not
        # well-formed XML, and no reader of ours parses them.
        if parts.is_xml(name):
            parts.check_dtd(name)
        screen_vml(parts.data(name), name)
        return
    if not parts.is_xml(name):
        if name.lower().endswith(".xml") or content_type.endswith("xml") or name in graph.roles:
            raise Stop(
                P.CORRUPT_FILE.problem(detail=f"part {shown(name)} should be XML but is not")
            )
        return
    if (
        name not in graph.roles
        and content_type not in TYPE_ROLES
        and not _may_hold_formulas(parts.data(name))
    ):
        parts.check_dtd(name)  # a theme, the document's properties...: nothing a program calculates
        return
    role = graph.roles.get(name)
    memo = (
        (parts.data(name), L.MAX_ELEMENTS_LARGE)
        if sheet is not None and memorable(parts.data(name))
        else None
    )
    if memo is not None and recall(_SCREENED_SHEETS, memo):
        return  # these very bytes were screened as a sheet, and passed: a template's unchanged sheet
    root = parts.tree(name)
    shape = ROLES.get(root.tag) or TYPE_ROLES.get(content_type)
    if shape is not None and shape != role:
        strays.append((shape, name))
        screen_tree(root, name)  # its formulas too, cells and all: no reader of ours reads it
        return
    if role is not None and ROLES.get(root.tag) != role:
        raise Stop(
            P.AMBIGUOUS_PACKAGE.problem(
                detail=f"the part '{shown(name, 60)}', reached as the {role}, holds something else"
            )
        )
    if role is not None:
        check_markup_compatibility(root, parts.data(name), name, workbook=role == "workbook")
    if sheet is not None:
        searches = searches_for(parts.data(name))
        for child in root:
            # The cells are the reader's, in its one pass; the layout elements hold no formula.
            if child.tag not in _NO_FORMULAS:
                screen_tree(child, name, sheet, searches)
        if memo is not None:
            remember(_SCREENED_SHEETS, memo, True)
    elif role in ("shared strings", "styles"):
        return  # text and formats: no formulas
    elif root.tag == _EXTERNAL_LINK:
        kinds = {child.tag.rpartition("}")[2] for child in root if isinstance(child.tag, str)}
        if "ddeLink" in kinds:
            raise Stop(P.DDE_LINK.problem(detail="a DDE link to another program"))
        raise Stop(P.EXTERNAL_LINK.problem(detail="it uses cells from another file"))
    else:
        screen_tree(root, name, searches=searches_for(parts.data(name)))
        if role == "workbook" and next(root.iter(f"{{{MAIN}}}externalReference"), None) is not None:
            raise Stop(P.EXTERNAL_LINK.problem(detail="it uses cells from another file"))


# Sheets (by their bytes, and the element limit they were read under) already screened and
# found clean in this process: a worker validating a round meets the same unchanged sheet of
# a template in return after return. A dict keyed on the bytes compares them whole, so only
# the very same sheet is passed over.
_SCREENED_SHEETS: dict[tuple[bytes, int], bool] = {}


# The namespaces of everything that holds a formula, a cell or a macro: SpreadsheetML (the
# workbook, sheets, tables, pivot tables, Excel 2010's x14 and xm), charts and the drawings
# that hold shapes. A part that names none of them (a theme, the document's properties) has
# nothing a program calculates or reads as a figure.
_FORMULA_SPACES = (
    b"/spreadsheetml/",
    b"/office/excel/",
    b"/drawingml/2006/chart",
    b"/drawingml/2014/chartex",
    b"/drawingml/2006/spreadsheetDrawing",
)


def _may_hold_formulas(data: bytes) -> bool:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:2] in (b"<\x00", b"\x00<"):
        return True  # UTF-16: parsed, whatever it says
    return any(space in data for space in _FORMULA_SPACES)


def check_content_types(types: ContentTypes, parts: Parts, found: Found) -> None:
    used = {posixpath.splitext(name)[1].lstrip(".").lower() for name in parts.infos}
    declared = [ct for part, ct in types.overrides.items() if parts.find(part) is not None]
    declared += [ct for ext, ct in types.defaults.items() if ext in used]
    for content_type in declared:
        if (
            "macroenabled" in content_type
            or "vbaproject" in content_type
            or "macrosheet" in content_type
        ):
            found.add(P.MACROS.problem(detail="it is saved as a macro-enabled workbook, .xlsm"))
        elif "connections+xml" in content_type or "querytable+xml" in content_type:
            found.add(P.DATA_CONNECTION.problem(detail="a connection to another data source"))
        elif "activex" in content_type:
            found.add(P.EMBEDDED_OBJECT.problem(detail="an ActiveX control"))
        elif "oleobject" in content_type:
            found.add(P.EMBEDDED_OBJECT.problem(detail="an embedded object"))


def check_names(parts: Parts, found: Found) -> None:
    for name in parts.infos:
        low = name.lower()
        base = posixpath.basename(low)
        if base.startswith("vbaproject") and base.endswith(".bin"):
            found.add(P.MACROS.problem(detail="VBA macro code"))
        elif low.startswith("xl/macrosheets/"):
            found.add(P.MACROS.problem(detail="an Excel 4.0 macro sheet"))
        elif low == "xl/connections.xml":
            found.add(P.DATA_CONNECTION.problem(detail="a connection to another data source"))
        elif low.startswith("xl/querytables/"):
            found.add(P.DATA_CONNECTION.problem(detail="a query table that imports data"))
        elif low.startswith("xl/model/"):
            found.add(P.DATA_CONNECTION.problem(detail="a Power Pivot data model"))
        elif low.startswith("xl/embeddings/"):
            found.add(
                P.EMBEDDED_OBJECT.problem(
                    detail=f"the embedded file '{shown(posixpath.basename(name))}'"
                )
            )
        elif low.startswith("xl/activex/"):
            found.add(P.EMBEDDED_OBJECT.problem(detail="an ActiveX control"))
