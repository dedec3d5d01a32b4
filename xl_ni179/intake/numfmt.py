"""Number formats: when two spellings are the same format, and what a format shows.

A cell shows its value through its number format, so a format can make the figure a
partner sees differ from the value we record: a date format turns 39945 into
12/05/2009, ``0,,`` divides by a million, ``;;;`` hides everything, ``"63.5"`` shows the
same text whatever the value. ``canonical`` reduces a format code to one spelling (Calc
writes ``[RED]\\-`` where the template has ``[Red]-``), so formats are compared by what
they do; ``shows`` renders a value roughly as a spreadsheet would, for the message that
tells a finance officer what their cell displays.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

GENERAL = "general"
# Characters a format shows as themselves without quotes or a backslash.
_PLAIN_LITERALS = frozenset("$-+/():!^&'~{}<>= ")
_SECTION_SPLIT = re.compile(r';(?=(?:[^"]*"[^"]*")*[^"]*\Z)')
_DATE_TOKEN = re.compile(r"(?i)yyyy|yy|mmmmm|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|a/p")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EPOCH = dt.datetime(1899, 12, 30)


@lru_cache(maxsize=1024)  # returns use a handful of formats; bounded for a hostile file's many
def canonical(code: str) -> str:
    """One spelling of a format code: literals escaped one way, codes and colours in lower case."""
    out: list[str] = []
    i, n = 0, len(code)
    while i < n:
        ch = code[i]
        if ch == '"':
            end = code.find('"', i + 1)
            end = n if end < 0 else end
            out.extend("\\" + c for c in code[i + 1 : end])
            i = end + 1
            continue
        if ch == "\\" and i + 1 < n:
            out.append("\\" + code[i + 1])
            i += 2
            continue
        if ch == "[":
            end = code.find("]", i)
            end = n - 1 if end < 0 else end
            out.append(code[i : end + 1].lower())
            i = end + 1
            continue
        out.append("\\" + ch if ch in _PLAIN_LITERALS else ch.lower())
        i += 1
    return "".join(out)


def sections(code: str) -> list[str]:
    """The format's sections (positive;negative;zero;text), split outside quotes."""
    return _SECTION_SPLIT.split(code)


def _bare(section: str) -> str:
    """A section without its quoted text, escaped characters and [colour] or [condition]."""
    section = re.sub(r'"[^"]*"', "", section)
    section = re.sub(r"\\.", "", section)
    return re.sub(r"\[[^\]]*\]", "", section)


def is_date(code: str) -> bool:
    """Does the format show numbers as dates or times?"""
    first = _bare(sections(code)[0]).lower()
    return (
        bool(re.search(r"[dmyhs]", first.replace("general", "")))
        and "0" not in first
        and "#" not in first
    )


def _literal(section: str) -> str:
    """The text a section shows around the value (its quoted and escaped characters)."""
    parts = re.findall(r'"([^"]*)"|\\(.)', section)
    return "".join(a or b for a, b in parts)


def _date_text(value: float, section: str) -> str:
    try:
        when = _EPOCH + dt.timedelta(days=value)
    except (OverflowError, ValueError):
        return str(value)
    body = re.sub(r"\[[^\]]*\]", "", section)

    def token(match: re.Match[str]) -> str:
        t = match.group(0).lower()
        return {
            "yyyy": f"{when.year:04d}",
            "yy": f"{when.year % 100:02d}",
            "mmmmm": _MONTHS[when.month - 1][0],
            "mmmm": _MONTHS[when.month - 1],
            "mmm": _MONTHS[when.month - 1][:3],
            "mm": f"{when.month:02d}",
            "m": str(when.month),
            "dddd": _DAYS[when.weekday()],
            "ddd": _DAYS[when.weekday()][:3],
            "dd": f"{when.day:02d}",
            "d": str(when.day),
            "hh": f"{when.hour:02d}",
            "h": str(when.hour),
            "ss": f"{when.second:02d}",
            "s": str(when.second),
            "am/pm": "AM" if when.hour < 12 else "PM",
            "a/p": "A" if when.hour < 12 else "P",
        }[t]

    pieces = re.split(r'("[^"]*"|\\.)', body)
    return "".join(
        p[1:-1] if p.startswith('"') else p[1:] if p.startswith("\\") else _DATE_TOKEN.sub(token, p)
        for p in pieces
    )


# The number's placeholders: digits with grouping commas, decimals, then scaling commas.
_DIGITS = re.compile(r"[0#?](?:[0#?]|,(?=[0#?]))*(?:\.([0#?]*))?(,*)")


def _plain(part: str) -> str:
    """A section's surroundings of the number as shown: colours and conditions dropped,
    quotes and escapes taken off."""
    return re.sub(r"\[[^\]]*\]", "", part).replace('"', "").replace("\\", "")


def _number_text(value: float, section: str) -> str:
    bare = _bare(section)
    percent = bare.count("%")
    # Placeholders only count outside quoted text, escapes and [colours]: mask those first.
    masked = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', lambda m: "\0" * len(m.group(0)), section)
    digits = _DIGITS.search(masked)
    if digits is None:  # no digit placeholder: the section shows only its text
        return _literal(section)
    places = len(digits.group(1) or "")
    value = (
        value * 100**percent / 1000 ** len(digits.group(2))
    )  # each trailing comma divides by 1,000
    grouped = "," in digits.group(0).rstrip(",")
    text = f"{abs(value):,.{places}f}" if grouped else f"{abs(value):.{places}f}"
    return _plain(section[: digits.start()]) + text + _plain(section[digits.end() :])


def shows(value: Any, code: str) -> str:
    """Roughly what a cell holding ``value`` shows with the format ``code``, for a message:
    'a date, 12/05/2009', 'nothing', '3,994,500.0%'..."""
    if isinstance(value, bool) or value is None:
        return "nothing" if value is None else str(value).upper()
    parts = sections(code)
    if isinstance(value, str):
        if len(parts) >= 4:
            text = parts[3]
            return (
                "nothing"
                if not _bare(text).strip() and not _literal(text)
                else f"'{_literal(text.replace('@', chr(0))).replace(chr(0), value) or value}'"
            )
        return f"'{value}'"
    if not isinstance(value, int | float):
        return f"'{value}'"
    if code.strip().lower() in ("", GENERAL):
        return f"'{value:g}'"
    if len(parts) == 1:
        section = parts[0]
    elif value < 0:
        section = parts[1]
    elif value == 0 and len(parts) >= 3:
        section = parts[2]
    else:
        section = parts[0]
    number = abs(value) if len(parts) > 1 and value < 0 else value
    if not _bare(section).strip() and not _literal(section):
        return "nothing"
    if is_date(section):
        return f"a date, {_date_text(number, section)}"
    text = _number_text(number, section)
    if "%" in _bare(section):
        return f"a percentage, {text}"
    return f"'{text}'"
