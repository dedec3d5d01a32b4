"""What to look for in each kind of XML part: expat handlers that stop at the first problem."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.xmlscan import Handler, Stop, local, shown

_DDE_FUNCTION_RE = re.compile(r"\bDDE(?:AUTO)?\s*\(", re.IGNORECASE)


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


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
    a part then cost expat one call instead of three.
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
