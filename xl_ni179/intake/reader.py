"""Reading a returned workbook as Excel and LibreOffice Calc read it, in one pass.

``read_package`` opens the file once (``xl_ni179.intake.safety.open_package``: the zip, the
relationship graph, every part screened) and reads the cells from the same parsed parts:
the sheets the workbook lists, by their relationships; the shared strings and the styles
by theirs. Nothing is read because of a part's name, and a value only ever comes from
where Excel and Calc take one: ``worksheet/sheetData/row/c``. A cell both programs would
not read the same way (given twice, out of its row, a formula with no text, a shared
formula with no master, a number in a form one program does not parse...) is refused as
``ambiguous-cell``, never guessed at.

Formulas are kept as ``Formula`` in every cell they cover (shared, array and data-table
formulas are written once for many cells), so an input that holds any kind of formula is
seen as one. Cached formula results are kept apart and never used as figures.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils.cell import get_column_letter

from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.formulas import screen
from xl_ni179.intake.safety.graph import OFFICE, R_NS, Graph, read_relationships
from xl_ni179.intake.safety.package import ZIP_ERRORS, open_package
from xl_ni179.intake.safety.parts import Parts, memorable, recall, remember
from xl_ni179.intake.safety.problems import Problem
from xl_ni179.intake.safety.xmlscan import Stop, shown
from xl_ni179.intake.styles import NO_STYLES, Styles, read_styles
from xl_ni179.intake.values import (
    DAYS_1904,
    XlsxAmbiguity,
    XlsxReadError,
    bounds,
    translate,
    typed,
    unescape,
)
from xl_ni179.spec.formulas import Formula

__all__ = ["DAYS_1904", "Formula", "XlsxReadError", "XlsxLimitError", "XlsxAmbiguity", "RawWorkbook",
           "DefinedName", "Reading", "read_package", "read_workbook"]

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_XM = "{http://schemas.microsoft.com/office/excel/2006/main}"
_X14 = "{http://schemas.microsoft.com/office/spreadsheetml/2009/9/main}"
SHEET_DATA, ROW, CELL = MAIN + "sheetData", MAIN + "row", MAIN + "c"
V, F, IS, T, R = MAIN + "v", MAIN + "f", MAIN + "is", MAIN + "t", MAIN + "r"
RPH, EXT_LIST = MAIN + "rPh", MAIN + "extLst"
THEME = OFFICE + "theme"


class XlsxLimitError(Exception):
    """The workbook breaks one of the safety limits; ``problem`` names the file rule (by its
    code and message parameters: the reader imports no rules, validation makes the finding)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Limits:
    """The cell-level safety limits, checked in the one pass over each sheet (read at call
    time from ``xl_ni179.intake.safety.limits``, so a test can change one)."""

    def __init__(self) -> None:
        self.max_column, self.max_row = L.MAX_COLUMNS, L.MAX_ROWS
        self.total = 0
        self.last = 0  # cells in the sheet read last
        self.last_used_strings = False  # whether a cell of the sheet read last took a shared string

    def fail(self, kind: P.Kind, **params: Any) -> XlsxLimitError:
        return XlsxLimitError(kind.problem(**params))

    def place(self, ref: str, sheet: str) -> None:
        """Refuse a reference beyond the area a return can use."""
        ref = ref.replace("$", "")
        hit = _address(ref)
        if hit is None:
            letters = ref.rstrip("0123456789")
            if not letters and ref.isdigit():  # a whole row
                self.place_at(int(ref), 1, "A" + ref, sheet)
            elif letters.isalpha() and letters.isupper() and ref == letters:  # a whole column
                self.place_at(1, _column_number(letters), letters + "1", sheet)
            return
        self.place_at(hit[0], hit[1], ref, sheet)

    def place_at(self, row: int, column: int, coord: str, sheet: str) -> None:
        if row > self.max_row or column > self.max_column:
            raise self.fail(P.SHEET_TOO_LARGE, sheet=sheet, cell=coord, rows=f"{self.max_row:,}",
                            columns=self.max_column)

    def cells(self, count: int, sheet: str) -> None:
        if count > L.MAX_CELLS_PER_SHEET:
            raise self.fail(P.TOO_MANY_CELLS, sheet=sheet,
                            detail=f"sheet '{sheet[:40]}' has more than {L.MAX_CELLS_PER_SHEET:,} cells")
        if self.total + count > L.MAX_CELLS_TOTAL:
            raise self.fail(P.TOO_MANY_CELLS, detail=f"more than {L.MAX_CELLS_TOTAL:,} cells across all sheets")

    def text(self, value: str) -> None:
        if len(value) > L.MAX_STRING_CHARS:
            raise self.fail(P.TOO_MUCH_TEXT, detail=f"one piece of text is longer than the "
                                                    f"{L.MAX_STRING_CHARS:,} characters a cell can hold")


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Shading:
    """What a conditional format does to the cells it covers when its rule holds."""

    sqref: str
    format: str | None = None  # a number format it applies
    font: str | None = None  # a font colour (RRGGBB) it applies
    hides: bool = False  # a data bar or icon set that hides the value


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
    styles: dict[str, dict[str, int]] = field(default_factory=dict)  # the cell format of each styled cell
    looks: Styles = NO_STYLES  # the workbook's cell formats
    merged: dict[str, list[str]] = field(default_factory=dict)  # each sheet's merged ranges
    shading: dict[str, list[Shading]] = field(default_factory=dict)  # conditional formats that change a look
    # Each sheet's links, {sheet: {ref: target}}: the address of the link's external
    # relationship, or #place for a link inside the workbook (xl_ni179.checks.hyperlinks).
    hyperlinks: dict[str, dict[str, str]] = field(default_factory=dict)

    def value(self, sheet: str, coord: str) -> Any:
        return self.cells.get(sheet, {}).get(coord)


@dataclass
class Reading:
    """What reading a file gave: its problems (file rules, by code) or its workbook."""

    problems: list[Problem]
    workbook: RawWorkbook | None = None


def read_package(path: str | os.PathLike[str]) -> Reading:
    """Check and read the file at ``path`` in one pass; never raises for a bad file.

    Raises OSError only when the file itself cannot be opened.
    """
    with open_package(path) as opened:
        if opened.problems or opened.parts is None or opened.graph is None:
            return Reading(opened.problems)
        try:
            return Reading([], _read(opened.parts, opened.graph))
        except XlsxLimitError as exc:
            problem = exc.problem
        except XlsxAmbiguity as exc:
            problem = _ambiguity(exc)
        except XlsxReadError as exc:
            problem = P.CORRUPT_FILE.problem(detail=str(exc))
        except Stop as stop:
            problem = stop.problem
        except ZIP_ERRORS as exc:
            problem = P.CORRUPT_FILE.problem(detail=f"its zip structure is broken: {shown(str(exc))}")
        return Reading([problem])


def _ambiguity(exc: XlsxAmbiguity) -> Problem:
    """A cell (or row, or sheet) programs would read differently; or, outside any sheet, the
    package (the workbook's settings, its names, its styles)."""
    if not exc.sheet:
        return P.AMBIGUOUS_PACKAGE.problem(detail=exc.detail)
    cell = exc.cell if _address(exc.cell) is not None else ""
    place = f"cell {cell}" if cell else exc.cell or "the sheet's data"
    return P.AMBIGUOUS_CELL.problem(sheet=exc.sheet, cell=cell, place=place, detail=exc.detail)


def read_workbook(path: str | Path) -> RawWorkbook:
    """``read_package`` for code that wants the workbook or an exception: XlsxLimitError
    carrying the first problem found."""
    reading = read_package(path)
    if reading.workbook is None:
        raise XlsxLimitError(reading.problems[0])
    return reading.workbook


def _true(value: str | None, what: str = "") -> bool:
    """An XML boolean as the programs write it (1, 0, true, false); anything else is read
    differently by different programs."""
    if value is None or value in ("0", "false"):
        return False
    if value in ("1", "true"):
        return True
    raise XlsxAmbiguity(f"{what or 'a setting'} is '{shown(value, 20)}', which programs read differently")


def _read(parts: Parts, graph: Graph) -> RawWorkbook:
    raw = RawWorkbook()
    _workbook(parts.tree(graph.workbook), graph, raw)
    theme = next((r.part for r in graph.workbook_rels if r.type == THEME and r.part), None)
    try:
        raw.looks = read_styles(parts.tree(graph.styles) if graph.styles else None,
                                parts.tree(theme) if theme and parts.is_xml(theme) else None)
    except XlsxAmbiguity as exc:
        raise XlsxAmbiguity(exc.detail) from None
    limits = _Limits()
    strings = _shared_strings(parts.tree(graph.strings), limits) if graph.strings else []
    for entry in graph.sheets:
        raw.sheets.append(SheetInfo(entry.name, entry.state, entry.part))
        if entry.kind != "worksheet":  # a chart sheet has no cells
            raw.cells[entry.name], raw.cached[entry.name], raw.protected[entry.name] = {}, {}, False
            continue
        try:
            _read_sheet(parts, entry.part, strings, entry.name, limits, raw)
            _links(parts, entry.part, entry.name, raw)
        except XlsxAmbiguity as exc:
            exc.sheet = exc.sheet or entry.name
            raise
        parts.drop(entry.part)
    return raw


def _links(parts: Parts, part: str, sheet: str, raw: RawWorkbook) -> None:
    """The sheet's links: each hyperlink's cells and where it goes (its relationship's target,
    with the place inside it; or #place, a place in this workbook)."""
    data = parts.data(part)
    if b"hyperlink" not in data:
        return
    targets = {r.id: r.target for r in read_relationships(parts, part)}
    links: dict[str, str] = {}
    for el in parts.tree(part).iterfind(f"{MAIN}hyperlinks/{MAIN}hyperlink"):
        rid, place = el.get(f"{{{R_NS}}}id"), el.get("location")
        target = targets.get(rid, "") if rid else ""
        links[el.get("ref") or ""] = target + (f"#{place}" if place else "") if target else f"#{place or ''}"
    if links:
        raw.hyperlinks[sheet] = links


@dataclass(frozen=True)
class _SheetRead:
    """Everything reading one sheet's part gave (its cells, formats, merges, protection...)."""

    cells: dict[str, Any]
    cached: dict[str, Any]
    styled: dict[str, int]
    merged: list[str]
    shading: list[Shading]
    protected: bool
    count: int


# Sheets already read in this process, by everything their reading depends on: the part's
# bytes (compared whole: only the very same sheet is read from memory), the workbook's date
# system and formats, and the limits. A worker validating a round meets the same unchanged
# sheet of a template (the Checks sheet, say) in return after return. A sheet whose cells
# took a shared string depends on that file's table too, and is never kept: the reading
# itself says so, as no scan of the bytes can (t="&#115;" is t="s" to a parser).
_SHEETS: dict[tuple[Any, ...], _SheetRead] = {}


def _read_sheet(parts: Parts, part: str, strings: list[str], sheet: str, limits: _Limits, raw: RawWorkbook) -> None:
    data = parts.data(part)
    # A sheet with links needs its relationships too, and is always read.
    key = None if b"hyperlink" in data or not memorable(data) else (
        data, raw.date1904, len(raw.looks.looks), tuple(raw.looks.differentials),
        (L.MAX_ROWS, L.MAX_COLUMNS, L.MAX_CELLS_PER_SHEET, L.MAX_STRING_CHARS, L.MAX_ELEMENTS_LARGE))
    held = recall(_SHEETS, key) if key is not None else None
    if held is None:
        _sheet(parts.tree(part), strings, sheet, limits, raw)
        if key is not None and not limits.last_used_strings:
            remember(_SHEETS, key, _SheetRead(raw.cells[sheet], raw.cached[sheet], raw.styles[sheet],
                                              raw.merged[sheet], raw.shading[sheet], raw.protected[sheet],
                                              limits.last))
            raw.cells[sheet], raw.cached[sheet] = dict(raw.cells[sheet]), dict(raw.cached[sheet])
        return
    limits.cells(held.count, sheet)
    limits.total += held.count
    raw.cells[sheet], raw.cached[sheet], raw.styles[sheet] = dict(held.cells), dict(held.cached), dict(held.styled)
    raw.merged[sheet], raw.shading[sheet], raw.protected[sheet] = list(held.merged), list(held.shading), held.protected


def _workbook(root: Any, graph: Graph, raw: RawWorkbook) -> None:
    """The names, flags and protection of the workbook part."""
    names = [s.name for s in graph.sheets]
    properties = root.findall(MAIN + "workbookPr")
    if len(properties) > 1:
        raise XlsxAmbiguity("the workbook's settings are written twice")
    if properties:
        raw.date1904 = _true(properties[0].get("date1904"), "the workbook's date system")
    protection = root.find(MAIN + "workbookProtection")
    raw.structure_locked = protection is not None and protection.get("lockStructure") in ("1", "true")
    for el in root.iterfind(f"{MAIN}definedNames/{MAIN}definedName"):
        name, text, local = el.get("name", ""), el.text or "", el.get("localSheetId")
        sheet = None
        if local is not None:  # sheet-scoped: kept apart, as it can shadow a workbook name
            if not (local.isascii() and local.isdigit()) or int(local) >= len(names):
                raise XlsxAmbiguity(f"the defined name '{shown(name, 40)}' belongs to a sheet that does not exist")
            sheet = names[int(local)]
        if sheet is None:
            raw.names[name] = text
        raw.defined.append(DefinedName(name, text, sheet, _true(el.get("hidden"), "a name's hidden flag")))


def _text(el: Any, limits: _Limits, what: str) -> str:
    """Plain text, or rich-text runs, of a shared string or inline string; phonetic hints
    (rPh) are not text. Anything else inside is something one program would show and
    another not."""
    plain: str | None = None
    runs: list[str] = []
    for child in el:
        tag = child.tag
        if tag == T:
            if plain is not None:
                raise XlsxAmbiguity(f"{what} has two texts")
            plain = child.text or ""
        elif tag == R:
            runs.extend(t.text or "" for t in child if t.tag == T)
        elif tag not in (RPH, MAIN + "phoneticPr", EXT_LIST):
            raise XlsxAmbiguity(f"{what} holds content that programs read differently")
    if plain is not None and runs:
        raise XlsxAmbiguity(f"{what} has both plain text and formatted text, which programs show differently")
    text = unescape(plain if plain is not None else "".join(runs))
    if len(text) > L.MAX_STRING_CHARS:
        limits.text(text)
    return text


def _shared_strings(root: Any, limits: _Limits) -> list[str]:
    declared = root.get("uniqueCount", "0")
    if not declared.isdigit() or len(declared) > 12 or int(declared) > L.MAX_SHARED_STRINGS:
        raise limits.fail(P.TOO_MUCH_TEXT, detail=f"the text table claims {declared[:20]} different pieces of text")
    strings: list[str] = []
    for si in root:
        if si.tag != MAIN + "si":
            if si.tag == EXT_LIST:
                continue
            raise XlsxAmbiguity("the table of text holds something other than text")
        if len(strings) >= L.MAX_SHARED_STRINGS:
            raise limits.fail(P.TOO_MUCH_TEXT, detail=f"more than {L.MAX_SHARED_STRINGS:,} different "
                                                      "pieces of text")
        first = si[0] if len(si) == 1 else None
        if first is not None and first.tag == T:  # plain text: the usual
            text = first.text or ""
            text = unescape(text) if "_x" in text else text
            if len(text) > L.MAX_STRING_CHARS:
                limits.text(text)
        else:
            text = _text(si, limits, f"piece of text {len(strings)} in the table of text")
        strings.append(text)
    return strings


# Cell addresses already parsed, to (row, column): a pure function of the text, so most
# cells of a return skip the parse. Bounded: a hostile file's addresses are all new.
_ADDRESSES: dict[str, tuple[int, int]] = {}
_ADDRESSES_MAX = 100_000
_CELL_RE = re.compile(r"([A-Z]{1,3})([1-9]\d{0,6})\Z")


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _address(coord: str) -> tuple[int, int] | None:
    hit = _ADDRESSES.get(coord)
    if hit is None:
        match = _CELL_RE.match(coord)
        if match is None:
            return None
        hit = (int(match.group(2)), _column_number(match.group(1)))
        if len(_ADDRESSES) < _ADDRESSES_MAX:
            _ADDRESSES[coord] = hit
    return hit


def _place(coord: str | None, row: int, column: int) -> tuple[str, tuple[int, int]]:
    """A cell's address and (row, column), read from its ``r`` or, without one, placed after
    the cell before it, as Excel and Calc place it."""
    if coord is None:
        return f"{column_letters(column + 1)}{row}", (row, column + 1)
    hit = _address(coord)
    if hit is None:
        raise XlsxReadError(f"a cell has no valid address ({shown(coord, 20)!r})")
    return coord, hit


def _inline(el: Any, limits: _Limits) -> str:
    """An inline string's text (``<is>``)."""
    first = el[0] if len(el) == 1 else None
    if first is not None and first.tag == T and not len(first):  # plain text: the usual
        value: str = first.text or ""
        value = unescape(value) if "_x" in value else value
        if len(value) > L.MAX_STRING_CHARS:
            limits.text(value)
        return value
    return _text(el, limits, "the cell's text")


# Formulas already screened and made, by their text: returns repeat the same few hundred.
# Bounded, as a hostile file's formulas are all new.
_FORMULAS: dict[str, Formula] = {}
_FORMULAS_MAX = 16384


def _formula_of(text: str) -> Formula:
    formula = Formula("=" + text)
    if len(_FORMULAS) < _FORMULAS_MAX:
        _FORMULAS[text] = formula
    return formula


class _Span:
    """A formula written once for a block of cells (array and data-table formulas)."""

    __slots__ = ("anchor", "formula", "ref")

    def __init__(self, anchor: str, formula: Formula, ref: str) -> None:
        self.anchor, self.formula, self.ref = anchor, formula, ref


def _data_table(f: Any) -> Formula:
    """How Excel shows a data table's formula: {=TABLE(row input, column input)}."""
    r1, r2 = f.get("r1", ""), f.get("r2", "")
    if f.get("dt2D") in ("1", "true"):
        return Formula(f"=TABLE({r1},{r2})")
    return Formula(f"=TABLE({r1},)" if f.get("dtr") in ("1", "true") else f"=TABLE(,{r1})")


def _sheet(root: Any, strings: list[str], sheet: str, limits: _Limits, raw: RawWorkbook) -> None:
    if root.tag != MAIN + "worksheet":
        raise XlsxAmbiguity("the sheet's part holds no sheet")
    datas = [child for child in root if child.tag == SHEET_DATA]
    if len(datas) > 1:
        raise XlsxAmbiguity("the sheet's cells are written twice")
    cells: dict[str, Any] = {}
    cached: dict[str, Any] = {}
    styled: dict[str, int] = {}
    shared: dict[str, tuple[str, str, tuple[int, int, int, int]]] = {}  # si -> (master, text, block)
    spans: list[_Span] = []
    own_formula: set[str] = set()
    count = 0
    row_number = 0
    max_row, max_column = limits.max_row, limits.max_column
    date1904 = raw.date1904
    formats = len(raw.looks.looks)
    addresses, known = _ADDRESSES, _FORMULAS
    max_chars = L.MAX_STRING_CHARS
    coord: str | None = ""
    used_strings = False
    try:
        for row in datas[0] if datas else ():
            if row.tag != ROW:
                raise XlsxAmbiguity("the sheet's data holds something other than rows")
            r = row.get("r")
            if r is None:
                row_number += 1
            elif r.isascii() and r.isdigit() and int(r) > row_number:
                row_number = int(r)
            else:
                raise XlsxAmbiguity(f"row {shown(r, 12)} is written twice, out of order or without a number",
                                    cell=f"row {shown(r, 12)}")
            if row_number > max_row:  # named by its first cell, as a person would look for it
                first = row[0].get("r") if len(row) else None
                limits.place_at(row_number, 1, first or f"A{row_number}", sheet)
            column = 0
            for c in row:
                if c.tag != CELL:
                    if c.tag == EXT_LIST:
                        continue
                    raise XlsxAmbiguity(f"row {row_number} holds something other than cells", cell=f"A{row_number}")
                count += 1
                coord = c.get("r")
                hit = addresses.get(coord)  # None (no address) is a miss, like any other
                if hit is None:
                    place, hit = _place(coord, row_number, column)
                    coord = place
                if hit[1] > max_column or hit[0] > max_row:
                    limits.place_at(hit[0], hit[1], coord, sheet)
                if hit[0] != row_number or hit[1] <= column:
                    raise XlsxAmbiguity("the cell is written twice, out of order, or in another row's place")
                column = hit[1]
                style = c.get("s")
                if style is not None and style != "0":
                    if not (style.isascii() and style.isdigit()) or int(style) >= formats:
                        raise XlsxAmbiguity(f"the cell's format is '{shown(style, 12)}', which the style sheet "
                                            "does not define")
                    styled[coord] = int(style)
                n = len(c)
                if not n:
                    continue  # a formatted but empty cell
                kind = c.get("t")
                first = c[0]
                tag = first.tag
                # The usual cells first: a number, a plain inline text, a formula of its own.
                if n == 1 and tag == V and kind is None:
                    value = typed("n", first.text or "", strings, date1904)
                    if value is not None:
                        cells[coord] = value
                    continue
                if n == 1 and tag == IS and kind == "inlineStr":
                    text = first[0].text if len(first) == 1 and first[0].tag == T and not len(first[0]) else None
                    if text is None or "_x" in text or len(text) > max_chars:
                        text = _inline(first, limits)  # rich text, escapes, empty or too long
                    cells[coord] = text
                    continue
                v = f = inline = None
                for child in c:
                    tag = child.tag
                    if tag == V and v is None:
                        v = child.text or ""
                    elif tag == F and f is None:
                        f = child
                    elif tag == IS and inline is None:
                        inline = child
                    elif tag != EXT_LIST:
                        raise XlsxAmbiguity("the cell holds content that programs read differently")
                if kind == "inlineStr":
                    if inline is None or v is not None:
                        raise XlsxAmbiguity("the cell's text is written in two ways")
                    value = _inline(inline, limits)
                elif inline is not None:
                    raise XlsxAmbiguity("the cell's text is written in two ways")
                elif v is None:
                    value = None
                else:
                    value = typed(kind or "n", v, strings, date1904)
                    used_strings = used_strings or kind == "s"
                if f is None:
                    if value is not None:
                        cells[coord] = value
                    continue
                own_formula.add(coord)
                cached[coord] = value
                text = f.text
                if text and f.get("t") is None:  # a formula of its own: the usual
                    formula = known.get(text)
                    if formula is None:
                        _screened(text, sheet, coord)
                        formula = _formula_of(text)
                    cells[coord] = formula
                else:
                    cells[coord] = _formula(f, coord, sheet, shared, spans)
    except XlsxAmbiguity as exc:
        exc.cell = exc.cell or coord or ""
        raise
    for span in spans:
        _spread(span, cells, cached, own_formula, count, sheet, limits)
    limits.cells(count, sheet)
    limits.total += count
    limits.last, limits.last_used_strings = count, used_strings
    _sheet_extras(root, datas[0] if datas else None, sheet, limits, raw)
    raw.cells[sheet], raw.cached[sheet], raw.styles[sheet] = cells, cached, styled


def _formula(f: Any, coord: str, sheet: str, shared: dict[str, tuple[str, str, tuple[int, int, int, int]]],
             spans: list[_Span]) -> Formula:
    """The formula a cell's <f> gives it, with every kind written once for many cells."""
    text, kind = f.text or "", f.get("t") or "normal"
    if kind == "shared":
        si = f.get("si")
        if si is None:
            raise XlsxAmbiguity("the cell's shared formula has no number")
        if text:
            if si in shared:  # programs disagree on which master a cell then follows
                raise XlsxAmbiguity(f"the shared formula {shown(si, 12)} is defined twice "
                                    f"(in {shared[si][0]} and {coord})")
            block = bounds(f.get("ref") or coord)
            if block is None or (block[0], block[1]) != _corner(coord):
                raise XlsxAmbiguity("the shared formula does not start at its own cell")
            _screened(text, sheet, coord)
            shared[si] = (coord, text, block)
            return Formula("=" + text)
        master = shared.get(si)
        if master is None:  # Calc shows nothing, or an error, Excel another value
            raise XlsxAmbiguity("the cell uses a shared formula that is not written before it")
        col, row = _corner(coord)
        min_col, min_row, max_col, max_row = master[2]
        if not (min_col <= col <= max_col and min_row <= row <= max_row):
            raise XlsxAmbiguity(f"the cell uses the shared formula of {master[0]} from outside the cells it "
                                f"covers ({shown(f'{min_col}:{max_col}', 30)})")
        return Formula(translate(master[1], master[0], coord))
    if kind == "dataTable":
        formula = _data_table(f)
        spans.append(_Span(coord, formula, f.get("ref") or coord))
        return formula
    if kind not in ("normal", "array"):
        raise XlsxAmbiguity(f"the cell's formula is of the unknown kind '{shown(kind, 20)}'")
    if not text.strip():  # Calc shows Err:520; Excel repairs the file
        raise XlsxAmbiguity("the cell has a formula with no text")
    _screened(text, sheet, coord)
    formula = Formula("=" + text)
    if kind == "array":
        spans.append(_Span(coord, formula, f.get("ref") or coord))
    return formula


def _screened(text: str, sheet: str, coord: str) -> None:
    concern = screen(text)
    if concern is not None:
        raise Stop(concern.kind.problem(sheet=sheet, cell=coord,
                                        detail=f"the formula in sheet {shown(sheet, 40)}, cell {coord}: {concern.what}"))


def _corner(coord: str) -> tuple[int, int]:
    row, column = _address(coord) or (0, 0)
    return column, row


def _spread(span: _Span, cells: dict[str, Any], cached: dict[str, Any], own: set[str], budget: int,
            sheet: str, limits: _Limits) -> None:
    """Give every cell of an array or data-table formula's block that formula (it is written
    once, on the block's first cell), as Excel and Calc show it there."""
    block = bounds(span.ref)
    if block is None or (block[0], block[1]) != _corner(span.anchor):
        raise XlsxAmbiguity("the formula's block does not start at its own cell", cell=span.anchor)
    min_col, min_row, max_col, max_row = block
    limits.place_at(max_row, max_col, f"{get_column_letter(min(max_col, 18278))}{max_row}", sheet)
    if (max_col - min_col + 1) * (max_row - min_row + 1) > max(budget, 1) + L.MAX_COLUMNS:
        raise XlsxAmbiguity("the formula covers far more cells than the sheet holds", cell=span.anchor)
    for row in range(min_row, max_row + 1):
        for col in range(min_col, max_col + 1):
            coord = f"{get_column_letter(col)}{row}"
            if coord == span.anchor:
                continue
            if coord in own:
                raise XlsxAmbiguity(f"the cell has a formula of its own inside the block of {span.anchor}",
                                    cell=coord)
            if coord in cells:
                cached[coord] = cells[coord]
            cells[coord] = span.formula


def _sheet_extras(root: Any, data: Any, sheet: str, limits: _Limits, raw: RawWorkbook) -> None:
    """Everything of a sheet but its cells, in one pass over its elements: protection, merged
    cells, conditional formats; ranges a reader could size a grid from; and cells or rows
    anywhere but in the sheet's data (an extension list, say), which Excel and Calc never
    read and a reader that searches the part would."""
    merged: list[str] = []
    shading: list[Shading] = []
    protection = None
    for child in root:
        if child is data:
            continue
        tag = child.tag
        stray = next(child.iter(CELL), None)
        if stray is None:
            stray = next(child.iter(ROW, SHEET_DATA), None)
        if stray is not None:
            raise XlsxAmbiguity("the sheet holds cells outside its data, which some programs read",
                                cell=stray.get("r") or "")
        if tag in _AREAS:
            for element in (child,) if tag == DIMENSION else child:
                ref = element.get("ref") or ""
                for area in ref.split():
                    for corner in area.split(":")[:2]:
                        limits.place(corner, sheet)
                if tag == MERGE_CELLS:
                    merged.append(ref)
        elif tag == PROTECTION and protection is None:
            protection = child
        elif tag == CONDITIONAL:
            _shading(child, raw, shading)
        elif tag == EXT_LIST:
            _x14_shading(child, shading)
    raw.merged[sheet] = merged
    # Protection counts whatever password form it carries (legacy hash, algorithmName/hashValue, none).
    raw.protected[sheet] = protection is not None and _true(protection.get("sheet"), "the sheet's protection")
    raw.shading[sheet] = shading


DIMENSION, MERGE_CELLS, PROTECTION = MAIN + "dimension", MAIN + "mergeCells", MAIN + "sheetProtection"
CONDITIONAL = MAIN + "conditionalFormatting"
_AREAS = frozenset({DIMENSION, MERGE_CELLS, MAIN + "hyperlinks"})


def _shading(block: Any, raw: RawWorkbook, shading: list[Shading]) -> None:
    """A conditional format's rules that change how its cells look."""
    sqref = block.get("sqref") or ""
    for rule in block.iterfind(MAIN + "cfRule"):
        hides = any(el.get("showValue") in ("0", "false") for el in rule.iter(MAIN + "dataBar", MAIN + "iconSet"))
        dxf = rule.get("dxfId")
        differential = raw.looks.differential(int(dxf)) if dxf and dxf.isdigit() else None
        if hides or (differential and (differential.format is not None or differential.font is not None)):
            shading.append(Shading(sqref, differential.format if differential else None,
                                   differential.font if differential else None, hides))


def _x14_shading(extensions: Any, shading: list[Shading]) -> None:
    """Excel 2010's own conditional formats, in the sheet's extLst, whose looks are written inline."""
    for block in extensions.iter(_X14 + "conditionalFormatting"):
        sqref = " ".join(el.text or "" for el in block.iter(_XM + "sqref"))
        for rule in block.iter(_X14 + "cfRule"):
            hides = any(el.get("showValue") in ("0", "false") for el in rule.iter(_X14 + "dataBar", _X14 + "iconSet"))
            fmt = next(rule.iter(MAIN + "numFmt"), None)
            colour = next(rule.iter(MAIN + "color"), None)
            font = (colour.get("rgb") or "")[-6:].upper() or None if colour is not None else None
            if hides or fmt is not None or font is not None:
                shading.append(Shading(sqref, fmt.get("formatCode", "") if fmt is not None else None, font, hides))

