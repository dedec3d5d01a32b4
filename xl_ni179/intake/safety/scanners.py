"""What to look for in each kind of XML part: expat handlers that stop at the first problem."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.xmlscan import Handler, Stop, local, shown

_REF_RE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_DDE_FUNCTION_RE = re.compile(r"\bDDE(?:AUTO)?\s*\(", re.IGNORECASE)
FORMULA_TAGS = frozenset({"f", "formula", "formula1", "formula2"})


def column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_DIGITS = "0123456789"
COLUMNS = {column_letters(n): n for n in range(1, 16385)}  # A..XFD, every column Excel has


def has_dde(formula: str) -> bool:
    """True when a formula holds a DDE reference (app|topic!item) or a DDE function.

    '|' is no operator in Excel's formula grammar, so outside strings ("..."), quoted
    sheet names ('...') and structured-reference brackets (where ' escapes the next
    character) it can only be a DDE link.
    """
    lowered = formula.lower()
    if "|" not in formula and "dde" not in lowered:
        return False
    outside: list[str] = []
    quote = ""
    depth = 0
    escaped = False
    for ch in formula:
        if quote:
            if ch == quote:
                quote = ""  # a doubled quote reopens at once: same result as an escape
        elif depth:
            if escaped:
                escaped = False
            elif ch == "'":
                escaped = True
            elif ch == "[":
                depth += 1
            elif ch == "]":
                depth -= 1
        elif ch in "\"'":
            quote = ch
        elif ch == "[":
            depth = 1
        elif ch == "|":
            return True
        else:
            outside.append(ch)
    return bool(_DDE_FUNCTION_RE.search("".join(outside)))


_WORKBOOK_IN_REF_RE = re.compile(r"\[[^\[\]]*\][^\[\]!\"]*!")


def has_external_ref(formula: str) -> bool:
    """True when a formula uses cells or names of another workbook: [1]Sheet!A1,
    '[1]My sheet'!A1, [1]!Name, 'C:\\path\\[book.xlsx]Sheet'!A1.

    A sheet name cannot hold '[' or ']', so a bracket before the '!' of a reference names
    a workbook; the brackets of a structured reference (Table1[Column]) are never followed
    by '!'. Most formulas have no '[' at all and cost one comparison.
    """
    if "[" not in formula:
        return False
    from openpyxl.formula.tokenizer import Token, Tokenizer

    try:
        tokens = Tokenizer("=" + formula.removeprefix("=")).items
    except Exception:  # noqa: BLE001 - the tokenizer raises a bare Exception on text it cannot follow
        return _WORKBOOK_IN_REF_RE.search(re.sub(r'"[^"]*"', "", formula)) is not None
    return any(t.type == Token.OPERAND and t.subtype == Token.RANGE and "[" in t.value.rpartition("!")[0]
               for t in tokens)


def external_ref_finding(where: str, sheet: str = "", cell: str = "") -> Stop:
    return Stop(P.EXTERNAL_LINK.problem(sheet=sheet, cell=cell, detail=where))


def dde_finding(where: str, sheet: str = "", cell: str = "") -> Stop:
    return Stop(P.DDE_LINK.problem(sheet=sheet, cell=cell, detail=where))


class FormulaText(Handler):
    """Collects the text of formula elements and checks each for DDE.

    Text and end-of-element events are only asked for inside a formula: most elements of
    a sheet then cost expat one call instead of three.
    """

    track_end = False

    def begin_text(self) -> None:
        self.text: list[str] = []
        self.length = 0
        self.parser.CharacterDataHandler = self._chars
        self.parser.EndElementHandler = self.end

    def _chars(self, data: str) -> None:
        if self.length < L.MAX_FORMULA_CHARS:
            self.text.append(data)
            self.length += len(data)

    def end_text(self) -> str:
        self.parser.CharacterDataHandler = None
        self.parser.EndElementHandler = None
        return "".join(self.text)


@dataclass
class Totals:
    """Counts that run across every sheet of one workbook."""

    cells: int = 0


class SheetScan(FormulaText):
    """A worksheet: every reference within the limits, cell counts, no DDE formulas.

    Called for every element of the sheet, so the common path (a cell with an ordinary
    reference) is kept to a dictionary lookup and a few comparisons.
    """

    def __init__(self, part: str, sheet: str, totals: Totals) -> None:
        super().__init__(part, L.MAX_ELEMENTS_LARGE)
        self.sheet = sheet
        self.totals = totals
        self.row = 0
        self.column = 0
        self.cells = 0
        self.cell = ""
        self.max_rows, self.max_columns = L.MAX_ROWS, L.MAX_COLUMNS
        self.max_cells, self.max_total = L.MAX_CELLS_PER_SHEET, L.MAX_CELLS_TOTAL

    def _position(self, ref: str) -> tuple[int, int]:
        letters = ref.rstrip(_DIGITS)
        digits = ref[len(letters):]
        column = COLUMNS.get(letters)
        if column and digits.isascii() and digits.isdigit() and digits[0] != "0" \
                and len(digits) <= 7:
            return column, int(digits)
        match = _REF_RE.fullmatch(ref)  # absolute ($A$1), lower case or invalid
        if not match or int(match.group(2)) == 0:
            raise Stop(P.CORRUPT_FILE.problem(
                sheet=self.sheet,
                detail=f"sheet '{shown(self.sheet)}' has an invalid cell reference "
                       f"'{shown(ref, 20)}'"))
        return column_number(match.group(1)), int(match.group(2))

    def _check(self, column: int, row: int) -> None:
        if column > self.max_columns or row > self.max_rows:
            raise Stop(P.SHEET_TOO_LARGE.problem(
                sheet=self.sheet, cell=f"{column_letters(column)}{row}",
                rows=f"{self.max_rows:,}", columns=self.max_columns))

    def _check_range(self, ref: str | None) -> None:
        for area in (ref or "").split():
            for corner in area.split(":")[:2]:
                self._check(*self._position(corner))

    def _too_many(self) -> Stop:
        if self.cells > self.max_cells:
            return Stop(P.TOO_MANY_CELLS.problem(
                sheet=self.sheet,
                detail=f"sheet '{shown(self.sheet)}' has more than {self.max_cells:,} cells"))
        return Stop(P.TOO_MANY_CELLS.problem(
            detail=f"more than {self.max_total:,} cells across all sheets"))

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.elements += 1  # tick(), inlined: this runs for every element of every sheet
        if self.elements > self.max_elements:
            raise self.too_many_elements()
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "c":
            ref = attrs.get("r")
            if ref:
                column, row = self._position(ref)
            else:  # a cell without a reference follows the previous one
                column, row = self.column + 1, self.row or 1
            self.column, self.row, self.cell = column, row, ref or ""
            if column > self.max_columns or row > self.max_rows:
                self._check(column, row)
            self.cells += 1
            self.totals.cells += 1
            if self.cells > self.max_cells or self.totals.cells > self.max_total:
                raise self._too_many()
        elif name == "v":
            pass
        elif name == "row":
            ref = attrs.get("r")
            self.row = self._position(f"A{ref}")[1] if ref else self.row + 1
            self.column = 0
            self._check(1, self.row)
        elif name in ("dimension", "mergeCell", "hyperlink"):
            # openpyxl expands merged and hyperlinked ranges cell by cell; read-only
            # readers size their grid from <dimension>.
            self._check_range(attrs.get("ref"))
        elif name in FORMULA_TAGS:
            self.begin_text()

    def end(self, name: str) -> None:
        if local(name) not in FORMULA_TAGS:
            return
        text = self.end_text()
        if has_dde(text):
            raise dde_finding(f"a formula on sheet '{shown(self.sheet)}'",
                              sheet=self.sheet, cell=self.cell)
        if has_external_ref(text):
            raise external_ref_finding(
                f"a formula on sheet '{shown(self.sheet)}' uses cells from another file",
                sheet=self.sheet, cell=self.cell)


class SharedStringsScan(Handler):
    """The shared string table: how many strings, and no string longer than Excel allows."""

    def __init__(self, part: str) -> None:
        super().__init__(part, L.MAX_ELEMENTS_LARGE)
        self.count = 0
        self.length = 0

    def _too_much(self, detail: str) -> Stop:
        return Stop(P.TOO_MUCH_TEXT.problem(detail=detail))

    def _chars(self, data: str) -> None:
        self.length += len(data)
        if self.length > L.MAX_STRING_CHARS:
            raise self._too_much(f"one piece of text is longer than the {L.MAX_STRING_CHARS:,} "
                                 "characters a cell can hold")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.tick()
        tag = local(name)
        if tag == "si":
            self.count += 1
            self.length = 0
            if self.count > L.MAX_SHARED_STRINGS:
                raise self._too_much(f"more than {L.MAX_SHARED_STRINGS:,} different pieces of "
                                     "text")
        elif tag == "t":
            self.parser.CharacterDataHandler = self._chars
        elif tag == "sst":
            declared = attrs.get("uniqueCount", "0")
            # Some readers size their table from this number before reading a string.
            if not declared.isdigit() or len(declared) > 12 \
                    or int(declared) > L.MAX_SHARED_STRINGS:
                raise self._too_much(f"the text table claims {shown(declared, 20)} different "
                                     "pieces of text")

    def end(self, name: str) -> None:
        if local(name) == "t":
            self.parser.CharacterDataHandler = None


@dataclass
class Relationship:
    id: str
    type: str
    target: str
    external: bool


class RelsScan(Handler):
    """A relationships part: collects every relationship."""

    def __init__(self, part: str) -> None:
        super().__init__(part)
        self.rels: list[Relationship] = []

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.tick()
        if local(name) == "Relationship":
            self.rels.append(Relationship(
                attrs.get("Id", ""), attrs.get("Type", ""), attrs.get("Target", ""),
                attrs.get("TargetMode", "").lower() == "external"))


class ContentTypesScan(Handler):
    """[Content_Types].xml: every declared content type, by part name or extension."""

    def __init__(self, part: str) -> None:
        super().__init__(part)
        self.overrides: dict[str, str] = {}
        self.defaults: dict[str, str] = {}

    def of(self, part: str) -> str:
        """The content type declared for ``part``: its own, else its extension's."""
        folded = part.casefold()
        for name, content_type in self.overrides.items():
            if name.casefold() == folded:  # part names are case-insensitive
                return content_type
        return self.defaults.get(posixpath.splitext(part)[1].lstrip(".").lower(), "")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.tick()
        tag = local(name)
        if tag == "Override":
            self.overrides[attrs.get("PartName", "").lstrip("/")] = attrs.get("ContentType", "")
        elif tag == "Default":
            self.defaults[attrs.get("Extension", "").lower()] = attrs.get("ContentType", "")


@dataclass
class SheetEntry:
    name: str
    rel_id: str


class WorkbookScan(FormulaText):
    """workbook.xml: the sheets, external references and defined names (checked for DDE)."""

    def __init__(self, part: str) -> None:
        super().__init__(part)
        self.sheets: list[SheetEntry] = []
        self.external_references = 0
        self.name = ""

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.tick()
        tag = local(name)
        if tag == "sheet":
            rel_id = next((v for k, v in attrs.items() if local(k) == "id"), "")
            self.sheets.append(SheetEntry(attrs.get("name", ""), rel_id))
        elif tag == "externalReference":
            self.external_references += 1
        elif tag == "definedName":
            self.name = attrs.get("name", "")
            self.begin_text()

    def end(self, name: str) -> None:
        if local(name) == "definedName":
            text = self.end_text()
            if has_dde(text):
                raise dde_finding(f"the defined name '{shown(self.name, 40)}'")
            if has_external_ref(text):
                raise external_ref_finding(
                    f"the defined name '{shown(self.name, 40)}' uses cells from another file")


class ExternalLinkScan(Handler):
    """An externalLink part: which kind of link it holds (another workbook, DDE, OLE)."""

    def __init__(self, part: str) -> None:
        super().__init__(part)
        self.kinds: set[str] = set()
        self.depth = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.tick()
        self.depth += 1
        if self.depth == 2:
            self.kinds.add(local(name))

    def end(self, name: str) -> None:
        self.depth -= 1
