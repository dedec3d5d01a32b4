"""Partner text made safe to repeat: bounded where it is quoted, visible where it is printed.

Anything a partner's file or message holds (cell text, sheet and file names, subjects)
may be made by someone who has read this code. It reaches findings, replies, the store,
terminals and logs; these two functions are the only way it should get there. This module
imports nothing of ours, so every layer may use it.
"""

from __future__ import annotations

import unicodedata

QUOTE_CHARS = 200  # of the partner's own text, in any one place a finding quotes it

# Shown by their usual escape; every other invisible character by its code.
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# In a workbook's cell a line break and a tab are what the partner typed (Alt+Enter makes one).
_KEPT_IN_CELLS = {ch: ch for ch in _NAMED}
# Excel's limit for the text of one cell, in UTF-16 units (an emoji is two).
CELL_UNITS = 32_767
# Unicode categories that move the cursor, change the direction of what follows, hide text
# or cannot be printed at all: controls (C0, DEL, C1), format characters (bidi overrides and
# isolates, zero-width characters), line and paragraph separators, surrogates (bytes that
# were not valid text), private-use and unassigned code points.
_HIDDEN = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` if it is at most ``limit`` characters long; else its first ``limit``
    characters, an ellipsis and how long the whole text is."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters; the first {limit:,} are shown)"


def visible(text: str) -> str:
    """``text`` for a terminal or a log: every character that could move the cursor, start an
    escape sequence (CSI, OSC), reverse the text's direction or hide itself is written as an
    escape (``\\r``, ``\\n``, ``\\t``, ``\\x1b``, ``\\x9b``, ``\\u202e``...), so partner text can
    never forge a line or restyle the terminal. Ordinary text, accents and other scripts
    included, is unchanged; so is a backslash (a Windows path stays readable)."""
    return _escaped(text, _NAMED)


def in_cell(text: str) -> str:
    """``text`` for a cell or comment of a workbook we write: escaped as ``visible`` escapes it
    (``\\x07``, ``\\x1b``, ``\\u202e``...), except line breaks and tabs, which a cell shows as
    what they are. Every character XML 1.0 cannot hold is among those escaped, so the file stays
    valid; and none is dropped, so the reader sees that the partner's text held one.

    The escapes make a text longer: one that no longer fits a cell (``CELL_UNITS``) is cut,
    saying so as ``quote`` does, rather than stopping the whole workbook."""
    shown = _escaped(text, _KEPT_IN_CELLS)
    if len(shown) <= CELL_UNITS // 2 or shown == text:  # a code point is at most 2 units
        return shown  # (a text too long as the partner wrote it is the writer's to refuse)
    if len(shown.encode("utf-16-le")) // 2 <= CELL_UNITS:
        return shown
    return quote(shown, CELL_UNITS // 2 - 100)  # the note after it is well under 100 units


def _escaped(text: str, named: dict[str, str]) -> str:
    if text.isprintable():  # the usual case: nothing to escape (it also allows no-break spaces)
        return text
    out = []
    for ch in text:
        if ch in named:
            out.append(named[ch])
        elif unicodedata.category(ch) in _HIDDEN:
            code = ord(ch)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
        else:
            out.append(ch)
    return "".join(out)
