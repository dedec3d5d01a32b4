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


def _shared_strings(zf: zipfile.ZipFile, rels: dict[str, str]) -> list[str]:
    part = next((p for p in rels.values() if p.endswith("sharedStrings.xml")), None)
    if part is None or part not in zf.namelist():
        return []
    strings: list[str] = []
    state = {"si": False, "t": False, "skip": 0, "buf": []}
    parser = _parser()

    def start(name: str, _attrs: dict[str, str]) -> None:
        tag = _local(name)
        if tag == "si":
            state["si"], state["buf"] = True, []
        elif tag == "rPh":  # phonetic hints are not part of the text
            state["skip"] += 1
        elif tag == "t" and not state["skip"]:
            state["t"] = True

    def end(name: str) -> None:
        tag = _local(name)
        if tag == "si":
            strings.append("".join(state["buf"]))
            state["si"] = False
        elif tag == "rPh":
            state["skip"] -= 1
        elif tag == "t":
            state["t"] = False

    def chars(data: str) -> None:
        if state["t"]:
            state["buf"].append(data)

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    _parse(zf, part, parser)
    return strings


_CELL_RE = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")


def _sheet(zf: zipfile.ZipFile, part: str, strings: list[str]) -> tuple[dict[str, Any], dict[str, Any], bool]:
    cells: dict[str, Any] = {}
    cached: dict[str, Any] = {}
    shared: dict[str, tuple[str, str]] = {}
    st: dict[str, Any] = {"r": None, "t": "n", "in": None, "buf": [], "f": None, "fattrs": {}, "v": None,
                          "is": [], "protected": False, "row": 0, "col": 0}
    parser = _parser()

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        if tag == "c":
            st.update(r=attrs.get("r"), t=attrs.get("t", "n"), f=None, fattrs={}, v=None)
            st["is"] = []
        elif tag in ("f", "v") or (tag == "t" and st["r"] is not None):
            st["in"], st["buf"] = tag, []
            if tag == "f":
                st["fattrs"] = attrs
        elif tag == "sheetProtection":
            st["protected"] = attrs.get("sheet") in ("1", "true")

    def end(name: str) -> None:
        tag = _local(name)
        if tag == "f":
            st["f"] = "".join(st["buf"])
        elif tag == "v":
            st["v"] = "".join(st["buf"])
        elif tag == "t" and st["in"] == "t":
            st["is"].append("".join(st["buf"]))
        elif tag == "c":
            _finish_cell(st, cells, cached, shared, strings)
            st["r"] = None
        if tag in ("f", "v", "t"):
            st["in"] = None

    def chars(data: str) -> None:
        if st["in"]:
            st["buf"].append(data)

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    _parse(zf, part, parser)
    return cells, cached, st["protected"]


def _finish_cell(st: dict, cells: dict, cached: dict, shared: dict, strings: list[str]) -> None:
    coord = st["r"]
    if not coord or not _CELL_RE.match(coord):
        raise XlsxReadError(f"a cell has no valid address ({coord!r})")
    value = _typed(st["t"], st["v"], st["is"], strings)
    formula = st["f"]
    fattrs = st["fattrs"]
    if formula is not None or fattrs.get("t") == "shared":
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
            return
    if value is not None:
        cells[coord] = value


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
