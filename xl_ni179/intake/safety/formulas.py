"""What no formula in a return may do: reach outside the workbook.

Every formula a returned file carries is screened here, wherever it stands: a cell of any
sheet (hidden ones and added ones too), a conditional format, a data validation (Excel
2010's x14 kind as well), a defined name, a chart series, a shape's link or a form
control. A formula reaches outside when it

* calls a function that fetches or sends data, runs code or reads the computer
  (``OUTWARD``): WEBSERVICE, RTD, CALL, INFO, HYPERLINK, IMAGE, the Excel 4.0 macro
  functions that a defined name can run, an add-in's (``_xll.``) or a macro's
  (``_xludf.``) function;
* uses another file's cells (``[1]Sheet!A1``, ``'\\\\host\\share\\[book.xlsx]S'!A1``);
* is a DDE link (``app|topic!item``);
* carries a web or network address in its text ("http://...", "\\\\host\\share").

Formulas are read with openpyxl's tokenizer, so text in quotes and quoted sheet names never
look like a function, and a function is found however it is spelt: any case, a space
before its bracket (Calc reads that as the call; Excel as a name), Excel's ``_xlfn.``,
``_xlws.`` and ``_xlpm.`` prefixes, or passed by name without brackets (``MAP(A1:A3,
WEBSERVICE)``). A defined name that stands for such a formula is screened itself.
"""

from __future__ import annotations

import re

from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.problems import Kind

# What each function does that a return must not, in the words a finding uses.
_FETCHES = "fetches data from the internet"
_RUNS = "runs a program or macro code"
_MACRO = "is an Excel 4.0 macro function"
OUTWARD: dict[str, str] = {
    "WEBSERVICE": _FETCHES,
    "FILTERXML": "reads data fetched from the internet",
    "IMAGE": _FETCHES,
    "STOCKHISTORY": _FETCHES,
    "TRANSLATE": "sends text to an online service",
    "DETECTLANGUAGE": "sends text to an online service",
    "COPILOT": "sends data to an online service",
    "PY": "runs Python code on an online service",
    "RTD": "takes live data from another program",
    "DDE": "takes data from another program",
    "DDEAUTO": "takes data from another program",
    "CALL": _RUNS,
    "REGISTER": _RUNS,
    "REGISTER.ID": _RUNS,
    "EXEC": _RUNS,
    "EXECUTE": _RUNS,
    "RUN": _RUNS,
    "INFO": "reads facts about the computer, such as its folders",
    "HYPERLINK": "opens a link to a web page or another file",
    "INDIRECT": "builds a reference from text, which LibreOffice can point at another file",
    "SQL.REQUEST": "queries a database",
    # The CUBE functions read an external data connection.
    **{
        f"CUBE{name}": "reads an external data connection"
        for name in (
            "KPIMEMBER",
            "MEMBER",
            "MEMBERPROPERTY",
            "RANKEDMEMBER",
            "SET",
            "SETCOUNT",
            "VALUE",
        )
    },
    # Excel 4.0 macro functions run from a defined name: they read and write files, start
    # programs, talk to other programs over DDE, or build any formula from text.
    **{
        name: _MACRO
        for name in (
            "EVALUATE",
            "FORMULA",
            "FORMULA.ARRAY",
            "FORMULA.FILL",
            "FOPEN",
            "FCLOSE",
            "FREAD",
            "FREADLN",
            "FWRITE",
            "FWRITELN",
            "FSIZE",
            "FPOS",
            "FILES",
            "DIRECTORY",
            "OPEN",
            "SAVE.AS",
            "SEND.KEYS",
            "SEND.MAIL",
            "APP.ACTIVATE",
            "INITIATE",
            "REQUEST",
            "POKE",
            "TERMINATE",
            "SET.NAME",
            "SET.VALUE",
            "HALT",
            "ALERT",
            "RETURN",
            "GOTO",
            "ON.TIME",
            "ON.KEY",
            "ON.ENTRY",
            "ON.SHEET",
            "ON.WINDOW",
            "ON.RECALC",
            "ON.DATA",
            "ON.DOUBLECLICK",
            "UNREGISTER",
        )
    },
}
# Prefixes Excel writes before a function's name in the file; each is taken off in turn.
_NAME_PREFIXES = ("_XLFN.", "_XLWS.", "_XLPM.")
# Functions whose name says they are not Excel's own: an add-in's code (XLL) or a macro's.
_FOREIGN_PREFIXES = {
    "_XLL.": "calls a function of an add-in program",
    "_XLUDF.": "calls a macro function",
}
# Excel 4.0 macro functions that read the workbook, the computer or the network: GET.CELL,
# GET.WORKSPACE (the operating system, the user's folders), GET.DOCUMENT...
_MACRO_FAMILIES = ("GET.", "WORKBOOK.", "WINDOW.", "FILE.")

_ADDRESS = re.compile(
    r"(?:https?|ftp|file|mailto|smb|webdav)\s*:|\\\\|//[A-Za-z0-9]", re.IGNORECASE
)
_DDE_FUNCTION = re.compile(r"\bDDE(?:AUTO)?\s*\(", re.IGNORECASE)
_WORKBOOK_IN_REF = re.compile(r"\[[^\[\]]*\][^\[\]!\"]*!")
_IDENTIFIER = re.compile(r"[A-Za-z_\\][A-Za-z0-9_.\\]*")
_QUOTED = re.compile(r'"(?:[^"]|"")*"')
# A sheet name can hold none of these (Excel refuses them): before a reference's '!', they
# can only be part of a path or another workbook's name.
_NOT_IN_SHEET_NAMES = frozenset("[]\\/:?*")


def _strip(name: str) -> str:
    name = name.strip().upper()
    while name.startswith(_NAME_PREFIXES):
        name = name.split(".", 1)[1]
    return name


def function_concern(name: str) -> str | None:
    """Why the function (or name) ``name`` may not stand in a return's formula; None when it may."""
    upper = name.strip().upper()
    for prefix, why in _FOREIGN_PREFIXES.items():
        if prefix in upper:
            return why
    bare = _strip(upper)
    if bare in OUTWARD:
        return OUTWARD[bare]
    if bare.startswith(_MACRO_FAMILIES):
        return _MACRO
    return None


class Concern:
    """One reason a formula reaches outside: the kind of problem and what it is."""

    __slots__ = ("kind", "what")

    def __init__(self, kind: Kind, what: str) -> None:
        self.kind, self.what = kind, what


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
    return bool(_DDE_FUNCTION.search("".join(outside)))


def _sheet_part(reference: str) -> str:
    """What stands before a reference's '!' (a sheet, or a workbook and sheet), quotes kept."""
    if "!" not in reference:
        return ""
    if reference.startswith("'"):
        end = reference.rfind("'!")
        return reference[: end + 1] if end > 0 else reference.rpartition("!")[0]
    return reference.rpartition("!")[0]


def _outside_reference(reference: str) -> bool:
    """Does this reference (a token of the tokenizer) name another file's cells or names?"""
    before = _sheet_part(reference)
    if before.startswith("'") and before.endswith("'"):
        before = before[1:-1].replace("''", "'")
    return bool(_NOT_IN_SHEET_NAMES.intersection(before)) or reference.startswith("[")


def has_external_ref(formula: str) -> bool:
    """True when a formula uses cells or names of another workbook: [1]Sheet!A1,
    '[1]My sheet'!A1, [1]!Name, 'C:\\path\\[book.xlsx]Sheet'!A1, '\\\\host\\share\\x'!A1."""
    concern = screen(formula)
    return concern is not None and concern.kind is P.EXTERNAL_LINK


def _tokens(formula: str) -> list[tuple[str, str, str]] | None:
    from xl_ni179.spec.formulas import tokens_of

    items = tokens_of("=" + formula.removeprefix("="))
    if items is None:
        return None
    return [(t.value, t.type, t.subtype) for t in items]


def _screen_text(formula: str) -> Concern | None:
    """Every reason, by reading the formula token by token."""
    if has_dde(formula):
        return Concern(P.DDE_LINK, "a DDE link to another program")
    tokens = _tokens(formula)
    if tokens is None:
        return _screen_unreadable(formula)
    for value, kind, sub in tokens:
        if kind == "FUNC" and sub == "OPEN":
            why = function_concern(value[:-1])
            if why:
                return Concern(P.OUTWARD_FORMULA, f"{_strip(value[:-1])}, which {why}")
        elif kind == "OPERAND" and sub == "RANGE":
            if _outside_reference(value):
                return Concern(P.EXTERNAL_LINK, "it uses cells from another file")
            name = value.rpartition("!")[2]
            why = function_concern(name)
            if why:
                return Concern(P.OUTWARD_FORMULA, f"{_strip(name)}, which {why}")
        elif kind == "OPERAND" and sub == "TEXT" and _ADDRESS.search(value):
            return Concern(P.OUTWARD_FORMULA, "a web or network address")
    return None


def _screen_unreadable(formula: str) -> Concern | None:
    """A formula the tokenizer cannot follow: look at every word outside its strings."""
    if _ADDRESS.search(formula):
        return Concern(P.OUTWARD_FORMULA, "a web or network address")
    bare = _QUOTED.sub('""', formula)
    if _WORKBOOK_IN_REF.search(bare):
        return Concern(P.EXTERNAL_LINK, "it uses cells from another file")
    for word in _IDENTIFIER.findall(bare):
        why = function_concern(word)
        if why:
            return Concern(P.OUTWARD_FORMULA, f"{_strip(word)}, which {why}")
    return None


# Formulas already screened and found clean: returns repeat the same few hundred. Bounded,
# as every formula of a hostile file is new.
_CLEAN: set[str] = set()
_CLEAN_MAX = 16384
_CLEAN_LONGEST = 4096  # longer formulas are screened each time: no file leaves megabytes behind


def screen(formula: str) -> Concern | None:
    """Why this formula (with or without its leading '=') reaches outside the workbook, or None."""
    if formula in _CLEAN:
        return None
    concern = _screen_text(formula)
    if concern is None and len(_CLEAN) < _CLEAN_MAX and len(formula) <= _CLEAN_LONGEST:
        _CLEAN.add(formula)
    return concern
