"""A small, strict .xlsx reader for returned workbooks.

It reads only what validation needs (sheet list, defined names, protection flags and
every cell's value or formula) with expat straight from the zip, which is several times
faster than openpyxl and refuses any DTD. Cached formula results are kept apart and
never used as figures. Callers run ``xl_ni179.intake.safety.inspect_package`` first, which
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

from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.problems import Problem
from xl_ni179.intake.values import DAYS_1904, XlsxReadError, in_block, spread_arrays, translate, typed
from xl_ni179.spec.formulas import Formula

__all__ = ["DAYS_1904", "Formula", "XlsxReadError", "XlsxLimitError", "RawWorkbook", "DefinedName", "read_workbook"]

REL_NS_ID = "r:id"


class XlsxLimitError(Exception):
    """The workbook breaks one of the safety limits; ``problem`` names the file rule (by its
    code and message parameters: the reader imports no rules, validation makes the finding)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


class _Limits:
    """The cell-level safety checks, made in the reader's one pass over each sheet.

    ``xl_ni179.intake.safety.inspect_package`` leaves these to us, so a return's sheets are
    parsed once, not twice. The limits and the rules are the safety
    layer's own (read at call time, as there).
    """

    def __init__(self) -> None:
        from xl_ni179.intake.safety import limits
        from xl_ni179.intake.safety.scanners import column_letters

        self.L = limits
        last_column = column_letters(limits.MAX_COLUMNS)
        self.max_column = (len(last_column), last_column)
        self.max_row = (len(str(limits.MAX_ROWS)), str(limits.MAX_ROWS))
        self.total = 0

    def fail(self, kind: P.Kind, **params: Any) -> XlsxLimitError:
        return XlsxLimitError(kind.problem(**params))

    def too_large(self, part: str) -> XlsxLimitError:
        return self.fail(P.TOO_LARGE, detail=f"part {part} has more than {self.L.MAX_ELEMENTS_LARGE:,} XML elements")

    def place(self, ref: str, sheet: str) -> None:
        """Refuse a reference beyond the area a return can use."""
        ref = ref.replace("$", "")
        letters = ref.rstrip("0123456789")
        self.place_parts(letters, ref[len(letters):], sheet)

    def place_parts(self, letters: str, digits: str, sheet: str) -> None:
        # Cheap string comparisons (length, then text): this runs for every cell.
        if (len(letters), letters) > self.max_column or (len(digits), digits) > self.max_row:
            raise self.fail(P.SHEET_TOO_LARGE, sheet=sheet, cell=letters + digits,
                            rows=f"{self.L.MAX_ROWS:,}", columns=self.L.MAX_COLUMNS)

    def cells(self, count: int, sheet: str) -> None:
        if count > self.L.MAX_CELLS_PER_SHEET:
            raise self.fail(P.TOO_MANY_CELLS, sheet=sheet,
                            detail=f"sheet '{sheet[:40]}' has more than {self.L.MAX_CELLS_PER_SHEET:,} cells")
        if self.total + count > self.L.MAX_CELLS_TOTAL:
            raise self.fail(P.TOO_MANY_CELLS, detail=f"more than {self.L.MAX_CELLS_TOTAL:,} cells across all sheets")

    def text(self, value: str) -> None:
        if len(value) > self.L.MAX_STRING_CHARS:
            raise self.fail(P.TOO_MUCH_TEXT, detail=f"one piece of text is longer than the "
                                                    f"{self.L.MAX_STRING_CHARS:,} characters a cell can hold")

    def formula(self, text: str, sheet: str, cell: str) -> None:
        if text in _CLEAN_FORMULAS:  # returns repeat the same few hundred formulas
            return
        from xl_ni179.intake.safety.scanners import has_dde, has_external_ref

        if has_dde(text):
            raise self.fail(P.DDE_LINK, sheet=sheet, cell=cell, detail=f"a formula on sheet '{sheet[:40]}'")
        if has_external_ref(text):
            raise self.fail(P.EXTERNAL_LINK, sheet=sheet, cell=cell,
                            detail=f"a formula on sheet '{sheet[:40]}' uses cells from another file")
        if len(_CLEAN_FORMULAS) < _CLEAN_FORMULAS_MAX:  # bounded: a hostile file's formulas are all new
            _CLEAN_FORMULAS.add(text)


# Formulas already found free of DDE and external references (a pure check of the text).
_CLEAN_FORMULAS: set[str] = set()
_CLEAN_FORMULAS_MAX = 16384


@dataclass
class SheetInfo:
    name: str
    state: str  # visible, hidden, veryHidden
    part: str


@dataclass(frozen=True)
class DefinedName:
    name: str
    text: str
    sheet: str | None  # the sheet a sheet-scoped name belongs to (None: the whole workbook)
    hidden: bool


@dataclass
class RawWorkbook:
    sheets: list[SheetInfo] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # workbook-scoped, as spelled
    defined: list[DefinedName] = field(default_factory=list)  # every defined name, any scope
    structure_locked: bool = False
    date1904: bool = False  # serial numbers count days from 1904 (Mac Excel's old default)
    protected: dict[str, bool] = field(default_factory=dict)
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)  # formulas as Formula
    cached: dict[str, dict[str, Any]] = field(default_factory=dict)  # formula results: never trusted

    def value(self, sheet: str, coord: str) -> Any:
        return self.cells.get(sheet, {}).get(coord)


def _true(value: str | None) -> bool:
    """An XML boolean as the programs write it: 1, true (any case)."""
    return value is not None and value.strip().lower() in ("1", "true")


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


def _workbook(zf: zipfile.ZipFile, raw: RawWorkbook) -> dict[str, str]:
    """Fill in the sheets, names and flags; returns the workbook's relationships."""
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
            state["hidden"] = _true(attrs.get("hidden"))
            state["text"] = []
        elif tag == "workbookProtection":
            raw.structure_locked = _true(attrs.get("lockStructure"))
        elif tag == "workbookPr":
            raw.date1904 = _true(attrs.get("date1904"))

    def end(name: str) -> None:
        if _local(name) == "definedName" and state["name"]:
            text, local = "".join(state["text"]), state.get("local")
            sheet = None
            if local is not None:  # sheet-scoped: kept apart, as it can shadow a workbook name
                sheet = sheet_names[int(local)] if local.isdigit() and int(local) < len(sheet_names) else local
            else:
                raw.names[state["name"]] = text
            raw.defined.append(DefinedName(state["name"], text, sheet, state["hidden"]))
            state["name"] = None

    def chars(data: str) -> None:
        if state["name"]:
            state["text"].append(data)

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    _parse(zf, "xl/workbook.xml", parser)
    return rels


# Sheets and shared strings are nearly all of a return's XML: lxml builds them in C and
# only the cells that hold something reach Python. DTDs are refused before this point
# (xl_ni179.intake.safety); the parser is still told never to load or expand one.
_LXML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                        remove_comments=True, remove_pis=True)


def _tree(zf: zipfile.ZipFile, part: str, limits: _Limits | None = None) -> Any:
    try:
        with zf.open(part) as stream:
            data = stream.read()
        root = etree.fromstring(data, _LXML)
    except KeyError:
        raise XlsxReadError(f"the part {part} is missing") from None
    except etree.XMLSyntaxError as exc:
        if limits is not None and "depth" in str(exc).lower():  # lxml stops very deep nesting
            raise limits.too_large(part) from None
        raise XlsxReadError(f"the part {part} is not well-formed XML ({exc})") from None
    if root.getroottree().docinfo.doctype:
        raise XlsxReadError("the workbook contains a DTD, which is not allowed")
    # Every element takes at least four bytes ("<a/>"; no DTD, so no entity expands into more):
    # a part smaller than that many bytes cannot exceed the limit and need not be counted.
    if limits is not None and len(data) >= 4 * limits.L.MAX_ELEMENTS_LARGE \
            and root.xpath("count(//*)") > limits.L.MAX_ELEMENTS_LARGE:
        raise limits.too_large(part)
    return root


def _tag(element: Any) -> str:
    tag = element.tag
    return tag[tag.rfind("}") + 1:] if isinstance(tag, str) else ""


def _shared_strings(zf: zipfile.ZipFile, rels: dict[str, str], limits: _Limits) -> list[str]:
    part = next((p for p in rels.values() if p.endswith("sharedStrings.xml")), None)
    if part is None or part not in zf.namelist():
        return []
    strings: list[str] = []
    root = _tree(zf, part, limits)
    declared = root.get("uniqueCount", "0")
    if not declared.isdigit() or len(declared) > 12 or int(declared) > limits.L.MAX_SHARED_STRINGS:
        raise limits.fail(P.TOO_MUCH_TEXT, detail=f"the text table claims {declared[:20]} different pieces of text")
    for si in root.iter("{*}si"):
        if len(strings) >= limits.L.MAX_SHARED_STRINGS:
            raise limits.fail(P.TOO_MUCH_TEXT, detail=f"more than {limits.L.MAX_SHARED_STRINGS:,} different "
                                                      "pieces of text")
        pieces = []
        for child in si:  # plain text, or rich-text runs; phonetic hints (rPh) are not text
            kind = _tag(child)
            if kind == "t":
                pieces.append(child.text or "")
            elif kind == "r":
                pieces += [t.text or "" for t in child if _tag(t) == "t"]
        text = "".join(pieces)
        limits.text(text)
        strings.append(text)
    return strings


_XM = "{http://schemas.microsoft.com/office/excel/2006/main}"
# Cell addresses already found valid and inside the area, by that area (the limits are read
# at call time): a pure check of the text, so most cells of a return skip it. Bounded.
_PLACED: dict[tuple[tuple[int, str], tuple[int, str]], set[str]] = {}
_PLACED_MAX = 100_000
_CELL_RE = re.compile(r"^([A-Z]{1,3})([1-9]\d{0,6})$")
_NO_TEXT: list[str] = []


def _sheet(zf: zipfile.ZipFile, part: str, strings: list[str], sheet: str, limits: _Limits,
           date1904: bool = False) -> tuple[dict[str, Any], dict[str, Any], bool]:
    root = _tree(zf, part, limits)
    ns = root.tag[:root.tag.find("}") + 1]  # element names are "{namespace}local" whatever the prefix
    f_tag, v_tag, is_tag, t_tag = ns + "f", ns + "v", ns + "is", ns + "t"
    cells: dict[str, Any] = {}
    cached: dict[str, Any] = {}
    shared: dict[str, tuple[str, str, str]] = {}  # si -> (master cell, formula, the block it covers)
    followers: list[tuple[str, str, Any]] = []  # cells that use a shared formula: (cell, si, value)
    arrays: list[tuple[str, str]] = []  # (range, formula) of array formulas over several cells
    count = 0
    max_column, max_row = limits.max_column, limits.max_row
    max_chars = limits.L.MAX_STRING_CHARS
    placed = _PLACED.setdefault((max_column, max_row), set())
    clean = _CLEAN_FORMULAS
    rph_tag = ns + "rPh"
    for c in root.iter(ns + "c"):
        count += 1
        coord = c.get("r")
        if coord not in placed:
            address = _CELL_RE.match(coord) if coord else None
            if address is None:
                raise XlsxReadError(f"a cell has no valid address ({coord!r})")
            letters, digits = address.groups()
            if (len(letters), letters) > max_column or (len(digits), digits) > max_row:  # place_parts, inlined
                limits.place_parts(letters, digits, sheet)
            if len(placed) < _PLACED_MAX:
                placed.add(coord)
        kind = c.get("t")
        if not len(c) and kind != "inlineStr":
            continue  # a formatted but empty cell
        # This loop runs for every cell of every return: the common cases are tested inline
        # before the general helpers (typed, limits.text, limits.formula) are called.
        formula, v, text, f = None, None, None, None
        for child in c:
            tag = child.tag
            if tag == v_tag:
                v = child.text or ""
            elif tag == f_tag:
                formula, f = child.text or "", child
                if formula and formula not in clean:
                    limits.formula(formula, sheet, coord)
            elif tag == is_tag:  # inline text, leaving out phonetic hints
                first = child[0] if len(child) == 1 else None
                if first is not None and first.tag == t_tag and not len(first):  # plain text: the usual
                    text = first.text or ""
                else:
                    text = "".join([t.text or "" for t in child.iter(t_tag) if t.getparent().tag != rph_tag])
                if len(text) > max_chars:
                    limits.text(text)
        if kind == "inlineStr":
            value: Any = text or ""
        elif v is None:
            value = None
        else:
            value = typed(kind or "n", v, _NO_TEXT, strings, date1904)
        if f is not None and formula is not None:
            formula_kind = f.get("t")
            if formula_kind == "shared":
                si = f.get("si", "")
                if formula:
                    if si in shared:  # programs disagree on which master a cell then follows
                        raise XlsxReadError(f"the shared formula {si[:20]!r} on the sheet '{sheet[:40]}' is "
                                            f"defined twice (in {shared[si][0]} and {coord})")
                    shared[si] = (coord, formula, f.get("ref") or coord)
                else:  # Excel writes the formula once, on the first cell of the block
                    followers.append((coord, si, value))
                    continue
            elif formula_kind == "array" and formula and ":" in f.get("ref", ""):
                arrays.append((f.get("ref", ""), formula))
            if formula:
                cells[coord] = Formula("=" + formula)
                cached[coord] = value
                continue
        if value is not None:
            cells[coord] = value
    for coord, si, value in followers:
        if si in shared:
            origin, text, block = shared[si]
            if not in_block(coord, block):
                raise XlsxReadError(f"the cell {coord} on the sheet '{sheet[:40]}' uses the shared formula of "
                                    f"{origin} from outside the cells it covers ({block[:30]})")
            cells[coord] = Formula(translate(text, origin, coord))
            cached[coord] = value
        elif value is not None:  # no such shared formula: only the result is there
            cells[coord] = value
    spread_arrays(arrays, cells, cached, count)
    limits.cells(count, sheet)
    limits.total += count
    column_a_fits = (1, "A") <= max_column
    for row in root.iter(ns + "row"):
        r = row.get("r")
        # A plain row number needs only the row check (what place does with it, done here).
        if r and not (column_a_fits and r.isascii() and r.isdigit() and (len(r), r) <= max_row):
            limits.place("A" + r, sheet)
    # Ranges that other readers expand cell by cell, and formulas outside cells.
    for element in root.iter(ns + "dimension", ns + "mergeCell", ns + "hyperlink"):
        for area in (element.get("ref") or "").split():
            for corner in area.split(":")[:2]:
                limits.place(corner, sheet)
    # Also Excel 2010's own data validations and conditional formats (x14, in the sheet's
    # extLst), whose formulas are xm:f elements.
    for element in root.iter(ns + "formula", ns + "formula1", ns + "formula2", _XM + "f"):
        limits.formula(element.text or "", sheet, "")
    protection = next(root.iter(ns + "sheetProtection"), None)
    # Protection counts whatever password form it carries (legacy hash, algorithmName/hashValue, none).
    protected = protection is not None and _true(protection.get("sheet"))
    return cells, cached, protected


def read_workbook(path: str | Path) -> RawWorkbook:
    """Read every sheet's cells, the defined names and the protection flags.

    Raises XlsxReadError for a workbook it cannot read and XlsxLimitError for one beyond
    the safety limits on cells, extent, text and DDE formulas.
    """
    raw = RawWorkbook()
    try:
        with zipfile.ZipFile(path) as zf:
            rels = _workbook(zf, raw)
            limits = _Limits()
            strings = _shared_strings(zf, rels, limits)
            for sheet in raw.sheets:
                if not sheet.part:
                    raise XlsxReadError(f"the sheet '{sheet.name}' has no part")
                cells, cached, protected = _sheet(zf, sheet.part, strings, sheet.name, limits, raw.date1904)
                raw.cells[sheet.name], raw.cached[sheet.name] = cells, cached
                raw.protected[sheet.name] = protected
    except zipfile.BadZipFile as exc:
        raise XlsxReadError(f"the file is not a readable zip package ({exc})") from None
    return raw
