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
    if text.isprintable():  # the usual case: nothing to escape (it also allows no-break spaces)
        return text
    out = []
    for ch in text:
        if ch in _NAMED:
            out.append(_NAMED[ch])
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
