"""What the safety layer reports: a problem, named by the code of the file rule it breaks.

The safety layer (and the reader's cell limits) must run before any workbook library and
must not depend on the rule set, so they report small records, code and parameters, that
``xl_ni179.intake.screen`` turns into findings with the rule's message. ``CODES`` lists
every code this layer may report; a test checks each one is a rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xl_ni179.intake.safety import limits as L


@dataclass(frozen=True)
class Problem:
    """One problem with a file: the rule's code, where (if one place), and the message parameters."""

    code: str
    sheet: str = ""
    cell: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    """A kind of problem: ``Kind("zip-bomb").problem(detail=...)``."""

    code: str

    def problem(self, *, sheet: str = "", cell: str = "", **params: Any) -> Problem:
        return Problem(self.code, sheet, cell, params)


AMBIGUOUS_CELL = Kind("ambiguous-cell")
AMBIGUOUS_PACKAGE = Kind("ambiguous-package")
BINARY_XLSB = Kind("binary-xlsb")
CORRUPT_FILE = Kind("corrupt-file")
CSV_FILE = Kind("csv-file")
DATA_CONNECTION = Kind("data-connection")
DDE_LINK = Kind("dde-link")
DUPLICATE_PART = Kind("duplicate-part")
EMBEDDED_OBJECT = Kind("embedded-object")
EMPTY_FILE = Kind("empty-file")
EXTERNAL_LINK = Kind("external-link")
HTML_FILE = Kind("html-file")
LEGACY_XLS = Kind("legacy-xls")
MACROS = Kind("macros")
MISSING_PART = Kind("missing-part")
NOT_A_WORKBOOK = Kind("not-a-workbook")
ODS_FILE = Kind("ods-file")
OUTWARD_FORMULA = Kind("outward-formula")
PARSE_CRASHED = Kind("parse-crashed")
PARSE_MEMORY = Kind("parse-memory")
PARSE_TIMEOUT = Kind("parse-timeout")
PASSWORD_PROTECTED = Kind("password-protected")
SHEET_TOO_LARGE = Kind("sheet-too-large")
STRICT_XLSX = Kind("strict-xlsx")
TOO_LARGE = Kind("too-large")
TOO_MANY_CELLS = Kind("too-many-cells")
TOO_MANY_PARTS = Kind("too-many-parts")
TOO_MUCH_TEXT = Kind("too-much-text")
UNSAFE_PART_PATH = Kind("unsafe-part-path")
XML_DTD = Kind("xml-dtd")
ZIP_BOMB = Kind("zip-bomb")

CODES = frozenset(k.code for k in globals().values() if isinstance(k, Kind))


class Found:
    """Findings so far: one per code and sheet, and no more than MAX_FINDINGS."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self._keys: set[tuple[str, str]] = set()

    def add(self, problem: Problem) -> None:
        key = (problem.code, problem.sheet)
        if key not in self._keys and len(self.items) < L.MAX_FINDINGS:
            self._keys.add(key)
            self.items.append(problem)

    def has(self, *codes: str) -> bool:
        return any(f.code in codes for f in self.items)

    @property
    def full(self) -> bool:
        return len(self.items) >= L.MAX_FINDINGS
