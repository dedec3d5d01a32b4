"""Formulas compared by meaning, not spelling.

Spreadsheet programs re-spell a formula when they save it: Excel and LibreOffice drop
the quotes around a sheet name that needs none ('Gains'!B30 becomes Gains!B30), Calc
writes TRUE as TRUE(), Gnumeric writes 0.05 as 0.0500000000000000000007, Excel adds
``_xlfn.`` to newer functions, and case, spacing and ``$`` vary. ``canonical_formula``
reduces a formula to one spelling of its token stream (openpyxl's tokenizer does the
lexing), so two formulas are equal exactly when they differ only in such spelling:
another reference, operator, constant or function still makes them different.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Generic, TypeVar

from openpyxl.formula.tokenizer import Token, Tokenizer


class Formula(str):
    """A cell's formula, kept as its text with a leading '='; plain text is plain str."""


_PREFIXES = ("_XLFN.", "_XLWS.")
# A reference split into quoted sheet names, other runs, and the ':' and '!' between them.
_REF_PARTS = re.compile(r"'(?:[^']|'')*'|[^':!]+|[:!]")
_OPERANDS_BEFORE = {(Token.OPERAND, ""), (Token.FUNC, Token.CLOSE), (Token.PAREN, Token.CLOSE)}


def unwrap(text: str) -> str:
    """The formula without its leading '=' or the braces of an array formula ({=...})."""
    text = text.strip()
    if text.startswith("{=") and text.endswith("}"):
        text = text[1:-1]
    return text[1:] if text.startswith("=") else text


# What a worker learns of formulas is kept for the next return, bounded by the length of
# the formulas rather than their number: a token takes about 60 bytes a character of its
# formula and a hostile file's formulas can be as long as it likes, so a count would let one
# file leave hundreds of megabytes behind for the next partner's return to run out of memory
# over. Every template's formulas together are about 40,000 characters; a formula longer
# than a sixteenth of the budget is never kept, so no one formula pushes the template's out.
KEPT_CHARS = 100_000
LONGEST_KEPT = KEPT_CHARS // 16
Result = TypeVar("Result")


class _KeptByLength(Generic[Result]):
    """``fn`` of a formula's text, the results of the formulas met first kept up to
    ``KEPT_CHARS`` characters of formula text in all (then the oldest make way).

    A plain dictionary, read without a lock: a return asks for several hundred formulas,
    nearly all kept, and an LRU's bookkeeping on each of those reads (cachetools', say)
    costs the return half a millisecond more than the lexing it saves on the first return.
    """

    def __init__(self, fn: Callable[[str], Result]) -> None:
        self.fn = fn
        self.kept: dict[str, Result] = {}
        self.chars = 0
        self.lock = threading.Lock()

    def __call__(self, text: str) -> Result:
        try:
            return self.kept[text]
        except KeyError:
            pass
        result = self.fn(text)
        if len(text) <= LONGEST_KEPT:
            with self.lock:
                if text not in self.kept:
                    self.kept[text] = result
                    self.chars += len(text)
                    while self.chars > KEPT_CHARS:
                        oldest = next(iter(self.kept))
                        del self.kept[oldest]
                        self.chars -= len(oldest)
        return result

    def cache_clear(self) -> None:
        with self.lock:
            self.kept.clear()
            self.chars = 0


def _tokens(formula: str) -> tuple[Token, ...] | None:
    try:
        return tuple(Tokenizer(formula).items)
    except Exception:  # noqa: BLE001 - the tokenizer raises a bare Exception on text it cannot follow
        return None


# The tokens of ``formula`` (which starts with '='), None when it cannot be followed. Shared by
# the formula screen and ``canonical_formula``, which read every formula of a return: lexing
# is most of the cost of the first return a worker reads. The tokens are read, never changed.
tokens_of = _KeptByLength(_tokens)


def _canonical(text: str) -> str:
    body = unwrap(text)
    tokens = tokens_of("=" + body)
    if tokens is None:
        return "\x00" + body  # unreadable: equal only to the very same text
    following: list[Token | None] = [None] * len(tokens)  # the next token that is not a space
    upcoming = None
    for i in range(len(tokens) - 1, -1, -1):
        following[i] = upcoming
        if tokens[i].type != Token.WSPACE:
            upcoming = tokens[i]
    out: list[str] = []
    previous: tuple[str, str] | None = None
    skip = -1
    for i, token in enumerate(tokens):
        kind, sub, value = token.type, token.subtype, token.value
        if i == skip:
            continue
        if kind == Token.WSPACE:
            # Between two operands a space is Excel's intersection operator; elsewhere it is layout.
            nxt = following[i]
            if (
                previous in _OPERANDS_BEFORE
                and nxt is not None
                and (nxt.type == Token.OPERAND or nxt.subtype == Token.OPEN)
            ):
                out.append(" ")
            continue
        if kind == Token.OPERAND:
            out.append(_operand(sub, value))
            previous = (Token.OPERAND, "")
            continue
        if kind == Token.FUNC and sub == Token.OPEN:
            name = value[:-1].upper()
            while name.startswith(_PREFIXES):
                name = name[len("_XLFN.") :]
            if (
                name in ("TRUE", "FALSE")
                and i + 1 < len(tokens)
                and tokens[i + 1].type == Token.FUNC
                and tokens[i + 1].subtype == Token.CLOSE
            ):
                out.append(name)  # TRUE() is TRUE
                skip = i + 1
                previous = (Token.OPERAND, "")
                continue
            value = name + "("
        out.append(value)
        previous = (kind, sub)
    return "".join(out)


# One spelling for every way of writing the same formula (no leading '='): returns repeat
# the same few hundred formulas.
canonical_formula = _KeptByLength(_canonical)


def _operand(sub: str, value: str) -> str:
    if sub == Token.NUMBER:
        try:
            number = float(value)
        except ValueError:
            return value.upper()
        return str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number)
    if sub == Token.TEXT:
        return value  # text keeps its case: FIND and EXACT see it
    if sub == Token.RANGE:
        return _reference(value)
    return value.upper()  # TRUE/FALSE, #REF! and other errors


def _reference(text: str) -> str:
    """Gains!$B$8:'Gains'!B9, gains!b8:b9 ... -> GAINS!B8:B9 (a name: its upper case)."""
    parts = []
    for part in _REF_PARTS.findall(text):
        if part.startswith("'"):
            part = part[1:-1].replace("''", "'")
        parts.append(part.replace("$", "").upper())
    joined = "".join(parts)
    # 'Sheet'!A1:'Sheet'!B2 is Sheet!A1:B2
    first, colon, second = joined.partition(":")
    if colon and "!" in first and second.startswith(first.rsplit("!", 1)[0] + "!"):
        joined = first + ":" + second[len(first.rsplit("!", 1)[0]) + 1 :]
    return joined


def same_formula(a: str, b: str) -> bool:
    return canonical_formula(a) == canonical_formula(b)


_REF_RE = re.compile(r"^=?\s*(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?(\d+)\s*$")


@lru_cache(maxsize=4096)  # every return defines the same names; bounded for hostile files
def parse_reference(text: str) -> tuple[str, str] | None:
    """'Sheet name'!$B$8, Gains!B8, gains!b8 ... -> ("Sheet name", "B8"); None for anything else.

    The sheet keeps the spelling found (sheet names compare without case: see ``same_place``).
    """
    match = _REF_RE.match(text)
    if not match:
        return None
    sheet = (match.group(1) or "").replace("''", "'") or match.group(2)
    return sheet, f"{match.group(3).upper()}{match.group(4)}"


def same_place(a: tuple[str, str] | None, b: tuple[str, str] | None) -> bool:
    """Two parsed references name the same cell (sheet names, like Excel's, ignore case)."""
    return a is not None and b is not None and a[0].casefold() == b[0].casefold() and a[1] == b[1]
