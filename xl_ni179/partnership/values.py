"""Reading one value of the configuration file: of its kind (text, number, date, list...),
spelt as file names and Excel's names allow, naming a code the file defines, and every key
one its table takes (``partnership.keys``). A problem is recorded with its key path, its
line and what to do, never raised, so that one load reports every problem in the file."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

from xl_ni179.errors import ConfigProblem
from xl_ni179.partnership.keys import KEYS, TABLE_NAMES
from xl_ni179.partnership.lines import key_lines, line_of
from xl_ni179.partnership.model import CONFIG_CODE_RE, EMAIL_RE, YEAR_RE

# Parts of file names (NI179_<code>_<round id>.xlsx, chasers/<round id>/) and of defined names
# (project_savings_<code>): what every file system and Excel accept.
ROUND_ID_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$")
MAX_CODE = 32  # the store's column for an organisation code
WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}

T = TypeVar("T")


class _Bad:
    """A value that could not be read (its problem is recorded): checks that need it are skipped."""

    def __repr__(self) -> str:
        return "<unreadable>"


BAD: Any = _Bad()


def suggestion(word: str, known: list[str] | tuple[str, ...] | set[str]) -> str:
    """'; did you mean "closes"?' when one known word is close to ``word``, else ''."""
    import difflib  # only when there is a problem to report

    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.75)
    if not close:
        folded = {k.lower(): k for k in known}
        close = [folded[word.lower()]] if word.lower() in folded else []
    return f'; did you mean "{close[0]}"?' if close else ""


def _kind_name(kind: type | tuple) -> str:
    names = {
        str: "text in quotes",
        float: "a number",
        int: "a whole number",
        bool: "true or false",
        list: "a list in [ ]",
        dict: "a table",
        dt.date: "a date written like 2009-05-15",
    }
    return names.get(kind, str(kind)) if isinstance(kind, type) else "a value of the right kind"


class ValueReader:
    """Reads the values of the parsed TOML, recording every problem on the way."""

    def __init__(self, source: str, text: str) -> None:
        self.source, self.text = source, text
        self.problems: list[ConfigProblem] = []

    @cached_property
    def lines(self) -> dict[str, int]:
        # Placed only once a problem needs its line: scanning the layout of a large
        # configuration costs more than parsing it, on every command.
        return key_lines(self.text)

    def fail(self, key: str, problem: str) -> Any:
        self.problems.append(ConfigProblem(key, problem, line_of(self.lines, key)))
        return BAD

    # -- reading values ----------------------------------------------------------------------

    def known_keys(self, table: dict[str, Any], kind: str, prefix: str) -> None:
        """Every key of ``table`` must be one of ``KEYS[kind]``."""
        known = KEYS[kind]
        for key in table:
            if key not in known:
                where = f"{prefix}.{key}" if prefix else key
                hint = suggestion(key, known) or f" ({TABLE_NAMES[kind]} takes: {', '.join(known)})"
                what = (
                    "a table the configuration has"
                    if kind == ""
                    else f"a key of {TABLE_NAMES[kind]}"
                )
                self.fail(where, f'"{key}" is not {what}, so it would be ignored{hint}')

    def get(
        self, table: dict[str, Any], key: str, prefix: str, kind: type | tuple, default: Any = ...
    ) -> Any:
        full = f"{prefix}.{key}" if prefix else key
        if key not in table:
            if default is ...:
                return self.fail(full, "is missing")
            return default
        value = table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if kind is dt.date:  # a date and time is a datetime, which is also a date: not wanted here
            if type(value) is not dt.date:
                hint = (
                    " (write it without quotes)"
                    if isinstance(value, str) and _looks_like_date(value)
                    else ""
                )
                found = (
                    f"{value:%Y-%m-%d %H:%M}, a date with a time"
                    if isinstance(value, dt.datetime)
                    else repr(value)
                )
                return self.fail(full, f"must be {_kind_name(kind)}{hint} (found {found})")
            return value
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            return self.fail(full, f"must be {_kind_name(kind)} (found {quoted(value)})")
        return value

    def table(
        self, data: dict, key: str, kind: str | None = None, prefix: str = "", default: Any = ...
    ) -> Any:
        value = self.get(data, key, prefix, dict, default)
        if kind and isinstance(value, dict):
            self.known_keys(value, kind, f"{prefix}.{key}" if prefix else key)
        return value

    def array(self, data: dict, key: str, kind: str, default: Any = ...) -> list[tuple[str, dict]]:
        """The tables of ``[[key]]``, each with its key path; unreadable ones are left out."""
        items = self.get(data, key, "", list, default)
        if items is BAD:
            return []
        out = []
        for i, item in enumerate(items):
            where = f"{key}[{i}]"
            if not isinstance(item, dict):
                self.fail(where, f"must be a table ([[{key}]])")
                continue
            self.known_keys(item, kind, where)
            out.append((where, item))
        return out

    def each(self, values: Any, key: str, check: Callable[[Any, str], T]) -> list[T]:
        """``check`` applied to each item of a list (key paths ``key[i]``); bad items left out."""
        if not isinstance(values, list):
            return []
        out = []
        for i, value in enumerate(values):
            checked = check(value, f"{key}[{i}]")
            if checked is not BAD:
                out.append(checked)
        return out

    def year(self, value: Any, key: str) -> Any:
        match = YEAR_RE.match(value) if isinstance(value, str) else None
        if match is None:
            return self.fail(
                key, f'must be a financial year written like "2009/10" (found {quoted(value)})'
            )
        first, second = match.groups()
        if (int(first) + 1) % 100 != int(second):
            return self.fail(
                key,
                f"{quoted(value)} is not a financial year: the second part must follow the first "
                f'(write "{first}/{(int(first) + 1) % 100:02d}")',
            )
        return value

    def code(self, value: Any, key: str, what: str = "a code") -> Any:
        if value is BAD:
            return BAD
        if not CONFIG_CODE_RE.match(value):
            fixed = re.sub(r"[^A-Za-z0-9_]+", "_", value).strip("_")
            fixed = fixed if fixed[:1].isalpha() else f"X{fixed}"
            return self.fail(
                key,
                f"{quoted(value)} cannot be {what}: it is used in file names and in the workbook's "
                "names, so it may hold only letters, digits and underscores, starting with a "
                f'letter (for example "{fixed}")',
            )
        if len(value) > MAX_CODE:
            return self.fail(
                key, f"{quoted(value)} cannot be {what}: it is longer than {MAX_CODE} characters"
            )
        return value

    def round_id(self, value: Any, key: str) -> Any:
        if value is BAD:
            return BAD
        if ROUND_ID_RE.match(value) and value.split(".")[0].upper() not in WINDOWS_RESERVED:
            return value
        fixed = re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-._")[:64] or "2009-10-outturn"
        return self.fail(
            key,
            f"{quoted(value)} cannot be a round id: the id is part of file and folder names "
            f"(NI179_<code>_<round id>.xlsx), so it may hold only letters, digits, '-', '_' and "
            "'.', must start and end with a letter or digit, be at most 64 characters and not "
            f'be a name Windows keeps for devices (CON, NUL...); write it like "{fixed}"',
        )

    def known(self, value: Any, key: str, known: dict[str, Any] | set[str], what: str) -> Any:
        """``value`` must be one of ``known`` (codes defined elsewhere in the file)."""
        if value is BAD:
            return BAD
        if not isinstance(value, str):
            return self.fail(key, f"must be {what} in quotes (found {quoted(value)})")
        if value not in known:
            return self.fail(key, f"{quoted(value)} is not {what}{suggestion(value, set(known))}")
        return value

    def email(self, value: Any, key: str) -> Any:
        if not isinstance(value, str) or not EMAIL_RE.match(value):
            return self.fail(key, f"{quoted(value)} is not an email address")
        return value


def quoted(value: Any, limit: int = 60) -> str:
    """A value from the file as a message quotes it: escaped, and cut short if long."""
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _looks_like_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value.strip())
    except ValueError:
        return False
    return True
