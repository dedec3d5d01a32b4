"""Which line of a TOML file each key is on, so that a problem is shown where it is typed.

``tomllib`` gives values, not positions, so the lines are found by a small reading of the
file's layout: table headers (``[vfm.scores]``, ``[[rounds]]``, counted), ``key = value``
lines, and the multi-line strings and arrays whose insides are not keys. A key path is
written as the configuration's messages write it: ``rounds[1].closes``,
``sectors.county.name``, ``agreements[0].rates``. What this reading does not place (a key
inside an inline table, say) is given the line of the nearest enclosing key or table.
"""

from __future__ import annotations

import re

_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r"\"(?:[^\"\\]|\\.)*\"|'[^']*'"
_KEY = rf"(?:{_BARE}|{_QUOTED})(?:\s*\.\s*(?:{_BARE}|{_QUOTED}))*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_KEY})\s*(\]\]?)\s*(?:#.*)?$")
_ASSIGN = re.compile(rf"^\s*({_KEY})\s*=")
_PART = re.compile(rf"{_BARE}|{_QUOTED}")


def _parts(key: str) -> list[str]:
    out = []
    for token in _PART.findall(key):
        if token[:1] in "\"'":
            token = token[1:-1]
        out.append(token)
    return out


def _path(parts: list[str]) -> str:
    """Parts joined as the messages write them: ``a.b``, quoting a part that is not a bare key."""
    return ".".join(p if re.fullmatch(_BARE, p) else f'"{p}"' for p in parts)


def key_lines(text: str) -> dict[str, int]:
    """{key path: line number (from 1)} for every table header and key the file writes."""
    lines: dict[str, int] = {}
    counts: dict[str, int] = {}
    table = ""
    open_string: str | None = None  # the delimiter of a multi-line string we are inside
    depth = 0  # brackets left open by a multi-line array or inline table
    for number, line in enumerate(text.splitlines(), start=1):
        if open_string:
            if open_string in line:
                open_string = None
            continue
        if depth == 0:
            header = _HEADER.match(line)
            if header:
                name = _path(_parts(header[2]))
                if header[1] == "[[":
                    counts[name] = counts.get(name, -1) + 1
                    table = f"{name}[{counts[name]}]"
                    lines.setdefault(name, number)
                else:
                    table = _indexed(name, counts)
                lines.setdefault(table, number)
                continue
            assign = _ASSIGN.match(line)
            if assign:
                key = _path(_parts(assign[1]))
                lines.setdefault(f"{table}.{key}" if table else key, number)
        open_string, depth = _scan_value(line, depth)
    return lines


def _indexed(name: str, counts: dict[str, int]) -> str:
    """``[rounds.x]`` after the second ``[[rounds]]`` belongs to ``rounds[1]``."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        head = ".".join(parts[:i])
        if head in counts:
            return ".".join([f"{head}[{counts[head]}]", *parts[i:]])
    return name


def _scan_value(line: str, depth: int) -> tuple[str | None, int]:
    """After this line: the multi-line string still open (if any), and the bracket depth."""
    i, quote = 0, None
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = None
        elif line.startswith('"""', i) or line.startswith("'''", i):
            delimiter = line[i : i + 3]
            end = line.find(delimiter, i + 3)
            if end < 0:
                return delimiter, depth
            i = end + 3
            continue
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth = max(0, depth - 1)
        i += 1
    return None, depth


def line_of(lines: dict[str, int], key: str) -> int | None:
    """The line of ``key``, or of the nearest enclosing key or table that has one."""
    while key:
        if key in lines:
            return lines[key]
        cut = max(key.rfind("."), key.rfind("["))
        key = key[:cut] if cut > 0 else ""
    return None
