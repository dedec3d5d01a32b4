"""A small, strict .xlsx reader for returned workbooks.

It reads only what validation needs (sheet list, defined names, protection flags and
every cell's value or formula) with expat straight from the zip, which is several times
faster than openpyxl and refuses any DTD. Cached formula results are kept apart and
never used as figures. Callers run ``xl_ni179.safety.inspect_package`` first, which
bounds part sizes and rejects hostile packages.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

from lxml import etree
from openpyxl.formula.translate import Translator

REL_NS_ID = "r:id"


class Formula(str):
    """A cell's formula, kept as its text with a leading '='; plain text is plain str."""


class XlsxReadError(Exception):
    """The package is not a workbook we can read (the message says why)."""


@dataclass
class SheetInfo:
    name: str
    state: str  # visible, hidden, veryHidden
    part: str


@dataclass
class RawWorkbook:
    sheets: list[SheetInfo] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    structure_locked: bool = False
    protected: dict[str, bool] = field(default_factory=dict)
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)  # formulas as Formula
    cached: dict[str, dict[str, Any]] = field(default_factory=dict)  # formula results: never trusted

    def value(self, sheet: str, coord: str) -> Any:
        return self.cells.get(sheet, {}).get(coord)


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def _parser() -> expat.XMLParserType:
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_args: Any) -> None:
        raise XlsxReadError("the workbook contains a DTD, which is not allowed")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.buffer_text = True
    return parser


def _parse(zf: zipfile.ZipFile, part: str, parser: expat.XMLParserType) -> None:
    try:
        with zf.open(part) as stream:
            parser.ParseFile(stream)
    except KeyError:
        raise XlsxReadError(f"the part {part} is missing") from None
    except expat.ExpatError as exc:
        raise XlsxReadError(f"the part {part} is not well-formed XML ({exc})") from None


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, str]:
    base = posixpath.dirname(part)
    rels_part = posixpath.join(base, "_rels", posixpath.basename(part) + ".rels")
    out: dict[str, str] = {}
    parser = _parser()

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(base, target))
            out[attrs.get("Id", "")] = path

    parser.StartElementHandler = start
    _parse(zf, rels_part, parser)
    return out


def _workbook(zf: zipfile.ZipFile, raw: RawWorkbook) -> None:
    rels = _rels(zf, "xl/workbook.xml")
    state: dict[str, Any] = {"name": None, "text": []}
    parser = _parser()
    sheet_names: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        if tag == "sheet":
            rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
            raw.sheets.append(SheetInfo(attrs.get("name", ""), attrs.get("state", "visible"), rels.get(rid, "")))
            sheet_names.append(attrs.get("name", ""))
        elif tag == "definedName":
            state["name"] = attrs.get("name")
            state["local"] = attrs.get("localSheetId")
            state["text"] = []
        elif tag == "workbookProtection":
            raw.structure_locked = attrs.get("lockStructure") in ("1", "true")

    def end(name: str) -> None:
        if _local(name) == "definedName" and state["name"]:
            if state.get("local") is None:  # sheet-scoped names are not ours
                raw.names[state["name"]] = "".join(state["text"])
            state["name"] = None

    def chars(data: str) -> None:
        if state["name"]:
            state["text"].append(data)

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    _parse(zf, "xl/workbook.xml", parser)


# Sheets and shared strings are nearly all of a return's XML: lxml builds them in C and
# only the cells that hold something reach Python. DTDs are refused before this point
# (xl_ni179.safety); the parser is still told never to load or expand one.
_LXML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                        remove_comments=True, remove_pis=True)


def _tree(zf: zipfile.ZipFile, part: str) -> Any:
    try:
        with zf.open(part) as stream:
            root = etree.fromstring(stream.read(), _LXML)
    except KeyError:
        raise XlsxReadError(f"the part {part} is missing") from None
    except etree.XMLSyntaxError as exc:
        raise XlsxReadError(f"the part {part} is not well-formed XML ({exc})") from None
    if root.getroottree().docinfo.doctype:
        raise XlsxReadError("the workbook contains a DTD, which is not allowed")
    return root


def _tag(element: Any) -> str:
    tag = element.tag
    return tag[tag.rfind("}") + 1:] if isinstance(tag, str) else ""


def _shared_strings(zf: zipfile.ZipFile, rels: dict[str, str]) -> list[str]:
    part = next((p for p in rels.values() if p.endswith("sharedStrings.xml")), None)
    if part is None or part not in zf.namelist():
        return []
    strings = []
    for si in _tree(zf, part).iter("{*}si"):
        pieces = []
        for child in si:  # plain text, or rich-text runs; phonetic hints (rPh) are not text
            kind = _tag(child)
            if kind == "t":
                pieces.append(child.text or "")
            elif kind == "r":
                pieces += [t.text or "" for t in child if _tag(t) == "t"]
        strings.append("".join(pieces))
    return strings


_CELL_RE = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")


def _sheet(zf: zipfile.ZipFile, part: str, strings: list[str]) -> tuple[dict[str, Any], dict[str, Any], bool]:
    root = _tree(zf, part)
    ns = root.tag[:root.tag.find("}") + 1]  # element names are "{namespace}local" whatever the prefix
    f_tag, v_tag, is_tag, t_tag = ns + "f", ns + "v", ns + "is", ns + "t"
    cells: dict[str, Any] = {}
    cached: dict[str, Any] = {}
    shared: dict[str, tuple[str, str]] = {}
    for c in root.iter(ns + "c"):
        kind = c.get("t", "n")
        if not len(c) and kind != "inlineStr":
            continue  # a formatted but empty cell
        coord = c.get("r")
        if not coord or not _CELL_RE.match(coord):
            raise XlsxReadError(f"a cell has no valid address ({coord!r})")
        formula, fattrs, v, inline = None, None, None, []
        for child in c:
            tag = child.tag
            if tag == v_tag:
                v = child.text or ""
            elif tag == f_tag:
                formula, fattrs = child.text or "", child.attrib
            elif tag == is_tag:  # inline text, leaving out phonetic hints
                inline = [t.text or "" for t in child.iter(t_tag) if t.getparent().tag != ns + "rPh"]
        value = _typed(kind, v, inline, strings)
        if formula is not None:
            if fattrs.get("t") == "shared":
                si = fattrs.get("si", "")
                if formula:
                    shared[si] = (coord, formula)
                elif si in shared:
                    origin, text = shared[si]
                    formula = Translator("=" + text, origin).translate_formula(coord)[1:]
            if formula:
                cells[coord] = Formula("=" + formula)
                cached[coord] = value
                continue
        if value is not None:
            cells[coord] = value
    protection = next(root.iter(ns + "sheetProtection"), None)
    protected = protection is not None and protection.get("sheet") in ("1", "true")
    return cells, cached, protected


def _typed(kind: str, v: str | None, inline: list[str], strings: list[str]) -> Any:
    if kind == "inlineStr":
        return "".join(inline)
    if v is None or (v == "" and kind not in ("str", "e")):
        return None
    if kind == "s":
        try:
            return strings[int(v)]
        except (ValueError, IndexError):
            raise XlsxReadError("a cell refers to a shared string that does not exist") from None
    if kind in ("str", "e"):
        return v
    if kind == "b":
        return v == "1"
    try:
        number = float(v)
    except ValueError:
        raise XlsxReadError(f"a number cell holds {v!r}") from None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def read_workbook(path: str | Path) -> RawWorkbook:
    """Read every sheet's cells, the defined names and the protection flags."""
    raw = RawWorkbook()
    try:
        with zipfile.ZipFile(path) as zf:
            _workbook(zf, raw)
            strings = _shared_strings(zf, _rels(zf, "xl/workbook.xml"))
            for sheet in raw.sheets:
                if not sheet.part:
                    raise XlsxReadError(f"the sheet '{sheet.name}' has no part")
                cells, cached, protected = _sheet(zf, sheet.part, strings)
                raw.cells[sheet.name], raw.cached[sheet.name] = cells, cached
                raw.protected[sheet.name] = protected
    except zipfile.BadZipFile as exc:
        raise XlsxReadError(f"the file is not a readable zip package ({exc})") from None
    return raw


_REF_RE = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)$")


def parse_reference(text: str) -> tuple[str, str] | None:
    """'Sheet name'!$B$8 -> ("Sheet name", "B8"); None for anything else."""
    match = _REF_RE.match(text.strip())
    if not match:
        return None
    sheet = (match.group(1) or "").replace("''", "'") or match.group(2)
    return sheet, f"{match.group(3)}{match.group(4)}"
