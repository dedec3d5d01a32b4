"""The package as Excel reads it: relationships followed by type from ``_rels/.rels``.

Excel does not open a part because of its name. It reads ``[Content_Types].xml``, follows
the package's ``officeDocument`` relationship to the workbook (whatever that part is
called), the workbook's relationships to its sheets (by each sheet's ``r:id``), its shared
strings and its styles (by type), and checks each part's declared content type against
the relationship that reached it. ``read_graph`` does the same, and refuses a package that
two programs could read two ways, saying what is ambiguous: two relationships with one Id,
a second office document or a second workbook-like part, a content type that disagrees
with its relationship, a relationship that leaves the package or names a missing part, a
relationship of an unknown type to a part that looks like one of ours, two sheets with one
name or one part.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.parts import Parts
from xl_ni179.intake.safety.xmlscan import Stop, shown

PACKAGE_RELS = "_rels/.rels"
CONTENT_TYPES = "[Content_Types].xml"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OFFICE = R_NS + "/"
STRICT_OFFICE = "http://purl.oclc.org/ooxml/officeDocument/relationships/"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
MS_2006 = "http://schemas.microsoft.com/office/2006/relationships/"

OFFICE_DOCUMENT = OFFICE + "officeDocument"
WORKSHEET, CHARTSHEET, DIALOGSHEET = (
    OFFICE + "worksheet",
    OFFICE + "chartsheet",
    OFFICE + "dialogsheet",
)
MACROSHEETS = (MS_2006 + "xlMacrosheet", MS_2006 + "xlIntlMacrosheet")
SHARED_STRINGS, STYLES = OFFICE + "sharedStrings", OFFICE + "styles"

SML = "application/vnd.openxmlformats-officedocument.spreadsheetml."
WORKBOOK_TYPES = frozenset({SML + "sheet.main+xml", SML + "template.main+xml"})
MACRO_WORKBOOK_TYPES = frozenset(
    {
        "application/vnd.ms-excel.sheet.macroenabled.main+xml",
        "application/vnd.ms-excel.template.macroenabled.main+xml",
        "application/vnd.ms-excel.addin.macroenabled.main+xml",
    }
)
BINARY_WORKBOOK_TYPE = "application/vnd.ms-excel.sheet.binary.macroenabled.main"
WORKSHEET_TYPE, CHARTSHEET_TYPE = SML + "worksheet+xml", SML + "chartsheet+xml"
STRINGS_TYPE, STYLES_TYPE = SML + "sharedstrings+xml", SML + "styles+xml"

# The root element of each part that holds what we read, and the role that part must
# have been reached in. A part with one of these roots reached any other way (or not at
# all) is a second workbook, sheet, text table or style sheet: another program could
# read it instead of ours.
ROLES = {
    f"{{{MAIN}}}workbook": "workbook",
    f"{{{MAIN}}}worksheet": "sheet",
    f"{{{MAIN}}}sst": "shared strings",
    f"{{{MAIN}}}styleSheet": "styles",
    f"{{{MAIN}}}chartsheet": "sheet",
    f"{{{MAIN}}}dialogsheet": "sheet",
}
# The content types of those parts, by the same roles.
TYPE_ROLES = {
    **{t: "workbook" for t in WORKBOOK_TYPES | MACRO_WORKBOOK_TYPES},
    WORKSHEET_TYPE: "sheet",
    CHARTSHEET_TYPE: "sheet",
    STRINGS_TYPE: "shared strings",
    STYLES_TYPE: "styles",
}
SHEET_STATES = frozenset({"visible", "hidden", "veryHidden"})


def ambiguous(detail: str) -> Stop:
    return Stop(P.AMBIGUOUS_PACKAGE.problem(detail=detail))


@dataclass
class Relationship:
    id: str
    type: str
    target: str
    external: bool
    part: str | None = None  # the target part as stored in the zip (internal relationships)


@dataclass
class SheetEntry:
    name: str
    state: str  # visible, hidden, veryHidden
    part: str
    kind: str  # worksheet, chartsheet


@dataclass
class Graph:
    """What the package's relationships lead to."""

    types: ContentTypes
    workbook: str = ""
    workbook_rels: list[Relationship] = field(default_factory=list)
    sheets: list[SheetEntry] = field(default_factory=list)
    strings: str | None = None
    styles: str | None = None
    roles: dict[str, str] = field(default_factory=dict)  # part -> the role it was reached in


class ContentTypes:
    """[Content_Types].xml: the declared type of every part, by its name or its extension."""

    def __init__(self, root: Any) -> None:
        self.overrides: dict[str, str] = {}
        self.defaults: dict[str, str] = {}
        for el in root:
            tag = el.tag.rpartition("}")[2] if isinstance(el.tag, str) else ""
            if tag == "Override":
                key, kind, into = (
                    el.get("PartName", "").lstrip("/").casefold(),
                    "part",
                    self.overrides,
                )
            elif tag == "Default":
                key, kind, into = el.get("Extension", "").casefold(), "extension", self.defaults
            else:
                continue
            value = el.get("ContentType", "").strip().lower()
            if into.get(key, value) != value:
                raise ambiguous(
                    f"the {kind} '{shown(key, 60)}' is given two different content types"
                )
            into[key] = value

    def of(self, part: str) -> str:
        """The content type declared for ``part`` (lower case): its own, else its extension's."""
        own = self.overrides.get(part.casefold())
        if own is not None:
            return own
        return self.defaults.get(posixpath.splitext(part)[1].lstrip(".").casefold(), "")


def rels_part_of(part: str) -> str:
    """The relationships part of ``part`` ("" for the package itself)."""
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def resolve(source: str, target: str) -> str | None:
    """The part a relationship of ``source`` targets, or None when it leaves the package."""
    if target.startswith("/"):
        path = target.lstrip("/")
    else:
        path = posixpath.join(posixpath.dirname(source), target)
    path = posixpath.normpath(path)
    return None if path.startswith("..") or path in (".", "") else path


def read_relationships(
    parts: Parts, source: str, rels_name: str | None = None
) -> list[Relationship]:
    """The relationships of ``source`` ("" for the package), internal ones resolved.

    Two relationships with one Id are ambiguous (a program takes either), as is a target
    that leaves the package or that a program could decode to another name.
    """
    name = parts.find(rels_name or rels_part_of(source))
    if name is None:
        return []
    root = parts.tree(name, L.MAX_ELEMENTS_SMALL)
    out: list[Relationship] = []
    ids: set[str] = set()
    for el in root:
        if el.tag != f"{{{RELS_NS}}}Relationship":
            continue
        rid, kind, target = el.get("Id", ""), el.get("Type", "").strip(), el.get("Target", "")
        mode = el.get("TargetMode", "Internal")
        if rid in ids:
            raise ambiguous(
                f"two relationships of '{shown(source or 'the package', 60)}' have the Id "
                f"'{shown(rid, 30)}'"
            )
        ids.add(rid)
        if mode not in ("Internal", "External"):
            raise ambiguous(
                f"a relationship of '{shown(source or 'the package', 60)}' has the target mode "
                f"'{shown(mode, 30)}'"
            )
        rel = Relationship(rid, kind, target, mode == "External")
        if not rel.external:
            rel.part = _internal_target(parts, source, target)
        out.append(rel)
    return out


def _internal_target(parts: Parts, source: str, target: str) -> str | None:
    """The part an internal relationship targets, as stored (None: outside the file, or missing).

    Only the relationships that are followed (``_reached``) must resolve: LibreOffice, for one,
    writes a package relationship to '../customXml/item1.xml', outside the file.
    """
    resolved = resolve(source, target) if target.strip() else None
    return None if resolved is None else parts.find(resolved)


def read_graph(parts: Parts) -> Graph:
    """Follow the package's relationships to the workbook and what it is made of."""
    if parts.find(CONTENT_TYPES) is None:
        raise Stop(P.MISSING_PART.problem(detail=f"the part '{CONTENT_TYPES}'"))
    types = ContentTypes(
        parts.tree(parts.find(CONTENT_TYPES) or CONTENT_TYPES, L.MAX_ELEMENTS_SMALL)
    )
    graph = Graph(types)
    package = read_relationships(parts, "", PACKAGE_RELS)
    if any(r.type.startswith(STRICT_OFFICE) for r in package):
        raise Stop(P.STRICT_XLSX.problem())
    documents = [r for r in package if r.type == OFFICE_DOCUMENT]
    if not documents:
        raise Stop(P.MISSING_PART.problem(detail="the workbook itself"))
    if len(documents) > 1:
        raise ambiguous("the file names more than one main workbook")
    (document,) = documents
    graph.workbook = _reached(graph, document, "workbook", None, "workbook")
    _check_workbook_type(types.of(graph.workbook), graph.workbook)
    root = parts.tree(graph.workbook, L.MAX_ELEMENTS_SMALL)
    if root.tag != f"{{{MAIN}}}workbook":
        if root.tag == f"{{{STRICT_MAIN}}}workbook":
            raise Stop(P.STRICT_XLSX.problem())
        raise ambiguous(f"the main workbook part '{shown(graph.workbook, 60)}' holds no workbook")
    if parts.find(rels_part_of(graph.workbook)) is None:
        raise Stop(P.MISSING_PART.problem(detail="the list of the workbook's parts"))
    graph.workbook_rels = read_relationships(parts, graph.workbook)
    _workbook_parts(parts, graph)
    _sheets(root, graph)
    return graph


def _check_workbook_type(declared: str, part: str) -> None:
    if declared in WORKBOOK_TYPES:
        return
    if declared in MACRO_WORKBOOK_TYPES:
        raise Stop(P.MACROS.problem(detail="it is saved as a macro-enabled workbook, .xlsm"))
    if declared == BINARY_WORKBOOK_TYPE:
        raise Stop(P.BINARY_XLSB.problem())
    raise ambiguous(
        f"the main workbook '{shown(part, 60)}' is declared as "
        f"'{shown(declared or 'nothing', 60)}', not as a workbook"
    )


def _reached(
    graph: Graph, rel: Relationship, role: str, content_type: str | None, what: str
) -> str:
    """The part a followed relationship reaches, checked against its declared type and any
    other role it was reached in."""
    if rel.external:
        raise ambiguous(f"the {what} is another file, '{shown(rel.target, 60)}'")
    if any(ch in rel.target for ch in "%\\?#"):
        # Programs decode escapes, back-slashes and fragments differently, or not at all.
        raise ambiguous(
            f"the {what} is named '{shown(rel.target, 60)}', which programs read differently"
        )
    if resolve(graph.workbook if role != "workbook" else "", rel.target) is None:
        raise ambiguous(f"the {what} is outside the file ('{shown(rel.target, 60)}')")
    if rel.part is None:
        raise Stop(P.MISSING_PART.problem(detail=f"the {what}"))
    declared = graph.types.of(rel.part)
    if content_type is not None and declared != content_type:
        raise ambiguous(
            f"the {what} '{shown(rel.part, 60)}' is declared as '{shown(declared or 'nothing', 60)}'"
        )
    earlier = graph.roles.get(rel.part)
    if earlier is not None:
        raise ambiguous(
            f"the part '{shown(rel.part, 60)}' is reached both as the {earlier} and as the {what}"
        )
    graph.roles[rel.part] = role
    return rel.part


def _workbook_parts(parts: Parts, graph: Graph) -> None:
    strings = [r for r in graph.workbook_rels if r.type == SHARED_STRINGS]
    styles = [r for r in graph.workbook_rels if r.type == STYLES]
    if len(strings) > 1:
        raise ambiguous("the workbook names two tables of text (shared strings)")
    if len(styles) > 1:
        raise ambiguous("the workbook names two style sheets")
    if strings:
        graph.strings = _reached(graph, strings[0], "shared strings", STRINGS_TYPE, "table of text")
    if styles:
        graph.styles = _reached(graph, styles[0], "styles", STYLES_TYPE, "style sheet")
    for rel in graph.workbook_rels:
        if rel.type.startswith(STRICT_OFFICE):
            raise Stop(P.STRICT_XLSX.problem())
        if rel.type in (DIALOGSHEET, *MACROSHEETS):
            raise Stop(P.MACROS.problem(detail="an Excel 4.0 macro sheet or dialog sheet"))
        if (
            rel.external
            or rel.part is None
            or rel.type in (SHARED_STRINGS, STYLES, WORKSHEET, CHARTSHEET)
        ):
            continue
        # A relationship of another type to a part that holds, or is declared as, a workbook,
        # a sheet, a text table or a style sheet: Excel passes it by, a program that reads
        # parts by their name or content would not.
        role = TYPE_ROLES.get(graph.types.of(rel.part))
        root = _root_tag(parts, rel.part)
        if role is not None or root in ROLES:
            raise ambiguous(
                f"the workbook links to '{shown(rel.part, 60)}', which looks like its "
                f"{role or ROLES[root]}, by a relationship of another kind"
            )


def _root_tag(parts: Parts, name: str) -> str:
    try:
        return str(parts.tree(name).tag) if parts.is_xml(name) else ""
    except Stop:
        return ""  # the part's own problem is reported when the parts are screened


def _sheets(root: Any, graph: Graph) -> None:
    by_id = {r.id: r for r in graph.workbook_rels}
    names: set[str] = set()
    ids: set[str] = set()
    for sheets in root.iterchildren(f"{{{MAIN}}}sheets"):
        for el in sheets:
            if el.tag != f"{{{MAIN}}}sheet":
                raise ambiguous("the workbook's list of sheets holds something other than sheets")
            name, state = el.get("name", ""), el.get("state", "visible")
            rid, sheet_id = el.get(f"{{{R_NS}}}id"), el.get("sheetId", "")
            if not name or name.casefold() in names:
                raise ambiguous(
                    f"two sheets are called '{shown(name, 40)}'" if name else "a sheet has no name"
                )
            if sheet_id in ids:
                raise ambiguous(f"two sheets have the number {shown(sheet_id, 20)}")
            if state not in SHEET_STATES:
                raise ambiguous(
                    f"the sheet '{shown(name, 40)}' is '{shown(state, 20)}', which programs read "
                    "differently"
                )
            names.add(name.casefold())
            ids.add(sheet_id)
            rel = by_id.get(rid or "")
            if rel is None:
                raise ambiguous(f"the sheet '{shown(name, 40)}' points at no part of the file")
            if rel.type in (DIALOGSHEET, *MACROSHEETS):
                raise Stop(
                    P.MACROS.problem(detail=f"the macro or dialog sheet '{shown(name, 40)}'")
                )
            if rel.type == WORKSHEET:
                kind, content_type = "worksheet", WORKSHEET_TYPE
            elif rel.type == CHARTSHEET:
                kind, content_type = "chartsheet", CHARTSHEET_TYPE
            else:
                raise ambiguous(
                    f"the sheet '{shown(name, 40)}' points at a part that is not a sheet"
                )
            if rel.part is not None and graph.roles.get(rel.part) == "sheet":
                raise ambiguous(f"two sheets share the part '{shown(rel.part, 60)}'")
            part = _reached(graph, rel, "sheet", content_type, f"sheet '{shown(name, 40)}'")
            graph.sheets.append(SheetEntry(name, state, part, kind))
    used = {s.part for s in graph.sheets}
    for rel in graph.workbook_rels:
        if rel.type in (WORKSHEET, CHARTSHEET) and rel.part is not None and rel.part not in used:
            raise ambiguous(f"the sheet part '{shown(rel.part, 60)}' belongs to no sheet")
