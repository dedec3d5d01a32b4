"""The partnership configuration: one TOML file, loaded into frozen dataclasses.

Loading checks everything a later step relies on, and reports every problem in the file
at once (``ConfigError.problems``), each with its key path, its line and what to do:

- every key must be one the configuration knows: a misspelt one (``closses``) would
  otherwise be ignored and the round would never close, so it is an error, with "did you
  mean" the key it is closest to;
- every value must be of its kind (text, number, date, list...), and every code it names
  (a sector, an organisation, a funding code, a year) must exist;
- ids and codes that become parts of file names and defined names (round ids, organisation
  and project codes) must be spelt so that every file system and Excel accept them.

The keys each table takes are declared once, in ``KEYS``; docs/config.md documents each one
(a test checks it). No validation library is used: the checks are mostly references
between tables, the messages are written for the consolidator, and a library such as
pydantic would add about half a second and 20 MB to every command's start (every command
loads the configuration).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from xl_ni179.errors import ConfigError, ConfigProblem
from xl_ni179.partnership.lines import key_lines, line_of
from xl_ni179.partnership.model import (
    CONFIG_CODE_RE,
    EMAIL_RE,
    METHODS,
    REPLY_LIMIT_MB,
    YEAR_RE,
    Agreement,
    Funding,
    Organisation,
    Partnership,
    Project,
    Round,
    Sector,
    Vfm,
    year_start,
)

DEFAULT_CONFIG_NAME = "leicestershire.toml"
WORKSPACE_CONFIG_NAME = "config.toml"  # a workspace's own configuration, in its folder

# The keys of each table, each documented in docs/config.md. "[]" marks an array of tables.
KEYS: dict[str, tuple[str, ...]] = {
    "": (
        "partnership",
        "sectors",
        "organisations",
        "agreements",
        "rounds",
        "vfm",
        "budget",
        "funding",
        "projects",
    ),
    "partnership": (
        "name",
        "group",
        "consolidator_name",
        "consolidator_email",
        "illustrative",
        "reply_limit_mb",
    ),
    "sectors.*": ("name", "guidance"),
    "organisations[]": ("code", "name", "short_name", "sector", "baseline", "emails"),
    "agreements[]": ("code", "name", "method", "members", "rates", "counts_from", "reported_only"),
    "rounds[]": (
        "id",
        "title",
        "actual_years",
        "forecast_years",
        "opens",
        "deadline",
        "closes",
        "template_version",
    ),
    "vfm": ("assessment", "target", "national_district_share_at_3_or_above", "scores"),
    "budget": ("laa_budget", "feasibility_spent"),
    "funding[]": ("code", "source", "purpose", "amount"),
    "projects[]": ("code", "name", "participants", "funding", "status"),
}
# What a table is called in a sentence.
TABLE_NAMES = {
    "": "the configuration",
    "partnership": "[partnership]",
    "sectors.*": "a sector",
    "organisations[]": "an organisation",
    "agreements[]": "an agreement",
    "rounds[]": "a round",
    "vfm": "[vfm]",
    "budget": "[budget]",
    "funding[]": "a funding entry",
    "projects[]": "a project",
}

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


def default_config_text() -> str:
    return resources.files("xl_ni179.data").joinpath(DEFAULT_CONFIG_NAME).read_text("utf-8")


def load_partnership(path: str | Path | None = None) -> Partnership:
    """Load and check a partnership file; without a path, the shipped Leicestershire one."""
    if path is None:
        return parse_partnership(default_config_text(), f"<built-in {DEFAULT_CONFIG_NAME}>")
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), "", "the file does not exist") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            str(path),
            "",
            f"cannot be read: it is not UTF-8 text ({exc.reason} at byte "
            f"{exc.start}); save it again as UTF-8",
        ) from None
    except OSError as exc:
        raise ConfigError(str(path), "", f"cannot be read ({exc.strerror or exc})") from None
    return parse_partnership(text, str(path))


def workspace_config(folder: str | Path) -> Path | None:
    """The workspace's configuration file, or None when the folder has none."""
    config = Path(folder) / WORKSPACE_CONFIG_NAME
    return config if config.exists() else None


def load_workspace_partnership(folder: str | Path) -> Partnership:
    """The workspace's configuration if it has one, else the built-in partnership."""
    return load_partnership(workspace_config(folder))


def parse_partnership(text: str, source: str) -> Partnership:
    """Check ``text`` and build the partnership; ``ConfigError`` lists every problem found."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"is not valid TOML: {exc}") from None
    reader = _Reader(source, text)
    partnership = reader.partnership(data)
    if reader.problems:
        problems = sorted(reader.problems, key=lambda p: p.line or 0)
        raise ConfigError(source, problems=problems)
    return partnership


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


class _Reader:
    """Turns the parsed TOML into dataclasses, recording every problem on the way."""

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
            return self.fail(full, f"must be {_kind_name(kind)} (found {_q(value)})")
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
                key, f'must be a financial year written like "2009/10" (found {_q(value)})'
            )
        first, second = match.groups()
        if (int(first) + 1) % 100 != int(second):
            return self.fail(
                key,
                f"{_q(value)} is not a financial year: the second part must follow the first "
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
                f"{_q(value)} cannot be {what}: it is used in file names and in the workbook's "
                "names, so it may hold only letters, digits and underscores, starting with a "
                f'letter (for example "{fixed}")',
            )
        if len(value) > MAX_CODE:
            return self.fail(
                key, f"{_q(value)} cannot be {what}: it is longer than {MAX_CODE} characters"
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
            f"{_q(value)} cannot be a round id: the id is part of file and folder names "
            f"(NI179_<code>_<round id>.xlsx), so it may hold only letters, digits, '-', '_' and "
            "'.', must start and end with a letter or digit, be at most 64 characters and not "
            f'be a name Windows keeps for devices (CON, NUL...); write it like "{fixed}"',
        )

    def known(self, value: Any, key: str, known: dict[str, Any] | set[str], what: str) -> Any:
        """``value`` must be one of ``known`` (codes defined elsewhere in the file)."""
        if value is BAD:
            return BAD
        if not isinstance(value, str):
            return self.fail(key, f"must be {what} in quotes (found {_q(value)})")
        if value not in known:
            return self.fail(key, f"{_q(value)} is not {what}{suggestion(value, set(known))}")
        return value

    # -- the file ----------------------------------------------------------------------------

    def partnership(self, data: dict) -> Partnership:
        self.known_keys(data, "", "")
        top = self.table(data, "partnership", "partnership")
        missing = not isinstance(top, dict)  # then reported once, not once for each key it lacks
        top = top if isinstance(top, dict) else {}
        sectors = self.sectors(self.table(data, "sectors"))
        org_items = self.array(data, "organisations", "organisations[]")
        orgs = self.organisations(org_items, sectors)
        codes = _raw_codes(org_items)  # a badly spelt code is reported once, not at each mention
        agreements = self.agreements(self.array(data, "agreements", "agreements[]"), codes)
        rounds = self.rounds(self.array(data, "rounds", "rounds[]"))
        vfm = self.vfm(self.table(data, "vfm", "vfm"), codes)
        budget = self.table(data, "budget", "budget")
        budget = budget if isinstance(budget, dict) else {}
        funding_items = self.array(data, "funding", "funding[]", [])
        funding = self.funding(funding_items)
        projects = self.projects(
            self.array(data, "projects", "projects[]", []), codes, _raw_codes(funding_items)
        )
        email: Any = BAD if missing else self.get(top, "consolidator_email", "partnership", str)
        name: Any = BAD if missing else self.get(top, "name", "partnership", str)
        if isinstance(email, str) and not EMAIL_RE.match(email):
            self.fail("partnership.consolidator_email", f"{_q(email)} is not an email address")
        reply_mb = self.get(top, "reply_limit_mb", "partnership", float, float(REPLY_LIMIT_MB))
        if isinstance(reply_mb, float) and not 0.5 <= reply_mb <= 100:
            self.fail(
                "partnership.reply_limit_mb",
                f"must be between 0.5 and 100 megabytes (found "
                f"{reply_mb:g}); keep it below your mail server's message size limit",
            )
        reply_bytes = int(reply_mb * 1024 * 1024) if isinstance(reply_mb, float) else BAD
        return Partnership(
            name=name,
            group=self.get(top, "group", "partnership", str, ""),
            consolidator_name=self.get(
                top, "consolidator_name", "partnership", str, "Consolidator"
            ),
            consolidator_email=email,
            illustrative=self.get(top, "illustrative", "partnership", bool, False),
            sectors=sectors,
            organisations=tuple(orgs),
            agreements=tuple(agreements),
            rounds=tuple(rounds),
            vfm=vfm,
            laa_budget=self.get(budget, "laa_budget", "budget", float, 0.0),
            feasibility_spent=self.get(budget, "feasibility_spent", "budget", float, 0.0),
            funding=tuple(funding),
            projects=tuple(projects),
            reply_limit_bytes=reply_bytes,
            source=self.source,
        )

    def sectors(self, table: Any) -> dict[str, Sector]:
        out: dict[str, Sector] = {}
        if not isinstance(table, dict):
            return out
        for code, body in table.items():
            key = f"sectors.{code}"
            if not isinstance(body, dict):
                self.fail(key, "must be a table with name and guidance ([sectors." + code + "])")
                continue
            self.known_keys(body, "sectors.*", key)
            out[code] = Sector(
                code, self.get(body, "name", key, str), self.get(body, "guidance", key, str)
            )
        if not table:
            self.fail("sectors", "must define at least one sector")
        return out

    def organisations(
        self, items: list[tuple[str, dict]], sectors: dict[str, Sector]
    ) -> list[Organisation]:
        orgs, seen = [], set()
        for key, item in items:
            code = self.code(
                self.get(item, "code", key, str), f"{key}.code", "an organisation code"
            )
            if code is not BAD and code in seen:
                self.fail(f"{key}.code", f"organisation code '{code}' is used twice")
            seen.add(code)
            sector = self.known(
                self.get(item, "sector", key, str),
                f"{key}.sector",
                sectors,
                "a sector of [sectors]",
            )
            baseline = self.get(item, "baseline", key, float)
            if baseline is not BAD and not baseline > 0:
                self.fail(
                    f"{key}.baseline", f"must be a positive amount in £000 (found {baseline:g})"
                )
            emails = self.each(self.get(item, "emails", key, list, []), f"{key}.emails", self.email)
            name = self.get(item, "name", key, str)
            orgs.append(
                Organisation(
                    code,
                    name,
                    self.get(item, "short_name", key, str, name),
                    sector,
                    baseline,
                    tuple(emails),
                )
            )
        if not items and not any(p.key.startswith("organisations") for p in self.problems):
            self.fail("organisations", "must list at least one organisation ([[organisations]])")
        return orgs

    def email(self, value: Any, key: str) -> Any:
        if not isinstance(value, str) or not EMAIL_RE.match(value):
            return self.fail(key, f"{_q(value)} is not an email address")
        return value

    def agreements(self, items: list[tuple[str, dict]], codes: set[str]) -> list[Agreement]:
        out, seen = [], set()
        for key, item in items:
            code = self.code(self.get(item, "code", key, str), f"{key}.code", "an agreement code")
            if code is not BAD and code in seen:
                self.fail(f"{key}.code", f"agreement code '{code}' is used twice")
            seen.add(code)
            method = self.get(item, "method", key, str, "additive")
            if method is not BAD and method not in METHODS:
                self.fail(
                    f"{key}.method",
                    f"must be 'additive' or 'compound' (found {_q(method)})"
                    f"{suggestion(method, METHODS)}",
                )
            members = self.each(
                self.get(item, "members", key, list),
                f"{key}.members",
                lambda v, k: self.known(v, k, codes, "an organisation code"),
            )
            rates = {}
            table = self.get(item, "rates", key, dict)
            for year, rate in table.items() if isinstance(table, dict) else ():
                if self.year(year, f"{key}.rates") is BAD:
                    continue
                if (
                    isinstance(rate, bool)
                    or not isinstance(rate, int | float)
                    or not 0 <= rate < 100
                ):
                    self.fail(
                        f'{key}.rates."{year}"',
                        f"must be a percentage between 0 and 100 (found {_q(rate)})",
                    )
                    continue
                rates[year] = float(rate)
            if table is BAD:
                continue
            reported, counts_from = self.agreement_start(item, key, rates)
            out.append(
                Agreement(
                    code,
                    self.get(item, "name", key, str),
                    method,
                    tuple(members),
                    rates,
                    reported,
                    counts_from,
                )
            )
        return out

    def agreement_start(
        self, item: dict, key: str, rates: dict[str, float]
    ) -> tuple[tuple[str, ...], str]:
        """(reported-only years, first counted year). ``counts_from`` names the agreement's first
        year; the older ``reported_only`` list (the years before it) is still accepted."""
        if not rates:
            self.fail(f"{key}.rates", "must give a rate for at least one year")
            return (), ""
        years = sorted(rates, key=year_start)
        reported = self.each(
            self.get(item, "reported_only", key, list, []), f"{key}.reported_only", self.year
        )
        for year in reported:
            if year not in rates:
                self.fail(f"{key}.reported_only", f"'{year}' has no rate in {key}.rates")
        counted = [y for y in years if y not in reported]
        if "counts_from" in item:
            start = self.year(item["counts_from"], f"{key}.counts_from")
            if start is BAD:
                return (), years[0]
            if start not in rates:
                self.fail(
                    f"{key}.counts_from",
                    f"'{start}' has no rate in {key}.rates (its years: {', '.join(years)})",
                )
                return (), years[0]
            before = [y for y in years if year_start(y) < year_start(start)]
            if reported and sorted(reported, key=year_start) != before:
                self.fail(
                    f"{key}.reported_only",
                    f"must be the years before counts_from ({', '.join(before) or 'none'}); "
                    "leave it out and counts_from is enough",
                )
            return tuple(before), start
        if not counted or any(year_start(y) > year_start(counted[0]) for y in reported):
            self.fail(
                f"{key}.reported_only",
                "must be the agreement's first years, before the years "
                "that count towards its target",
            )
            return (), years[0]
        return tuple(y for y in years if y in reported), counted[0]

    def rounds(self, items: list[tuple[str, dict]]) -> list[Round]:
        out: list[Round] = []
        ids: set[str] = set()
        for key, item in items:
            actual = self.each(
                self.get(item, "actual_years", key, list), f"{key}.actual_years", self.year
            )
            forecast = self.each(
                self.get(item, "forecast_years", key, list, []), f"{key}.forecast_years", self.year
            )
            years = [*actual, *forecast]
            if not years:
                if "actual_years" in item:
                    self.fail(key, "must have at least one actual or forecast year")
            elif [year_start(y) for y in years] != list(
                range(year_start(years[0]), year_start(years[0]) + len(years))
            ):
                self.fail(
                    key, "actual years then forecast years must be consecutive years in order"
                )
            deadline = self.get(item, "deadline", key, dt.date)
            opens = self.get(item, "opens", key, dt.date, None)
            closes = self.get(item, "closes", key, dt.date, None)
            if deadline is not BAD:
                if opens not in (None, BAD) and opens > deadline:
                    self.fail(f"{key}.opens", f"{opens} is after the deadline {deadline}")
                if closes not in (None, BAD) and closes < deadline:
                    self.fail(f"{key}.closes", f"{closes} is before the deadline {deadline}")
            round_id = self.round_id(self.get(item, "id", key, str), f"{key}.id")
            if round_id is not BAD and round_id in ids:
                self.fail(f"{key}.id", f"round id '{round_id}' is used twice")
            ids.add(round_id)
            version = self.get(item, "template_version", key, str)
            out.append(
                Round(
                    round_id,
                    self.get(item, "title", key, str),
                    tuple(actual),
                    tuple(forecast),
                    deadline,
                    str(version),
                    opens,
                    closes,
                )
            )
        if not items and not any(p.key.startswith("rounds") for p in self.problems):
            self.fail("rounds", "must define at least one collection round ([[rounds]])")
        return out

    def vfm(self, table: Any, codes: set[str]) -> Vfm:
        table = table if isinstance(table, dict) else {}
        scores = {}
        given = self.get(table, "scores", "vfm", dict, {})
        for code, score in given.items() if isinstance(given, dict) else ():
            key = f"vfm.scores.{code}"
            if self.known(code, key, codes, "an organisation code") is BAD:
                continue
            if isinstance(score, bool) or score not in (1, 2, 3, 4):
                self.fail(key, f"must be a score from 1 to 4 (found {_q(score)})")
                continue
            scores[code] = score
        return Vfm(
            self.get(table, "assessment", "vfm", str, "Use of Resources"),
            self.get(table, "target", "vfm", int, 3),
            self.get(table, "national_district_share_at_3_or_above", "vfm", float, 0.6),
            scores,
        )

    def funding(self, items: list[tuple[str, dict]]) -> list[Funding]:
        out, seen = [], set()
        for key, item in items:
            code = self.code(self.get(item, "code", key, str), f"{key}.code", "a funding code")
            if code is not BAD and code in seen:
                self.fail(f"{key}.code", f"funding code '{code}' is used twice")
            seen.add(code)
            out.append(
                Funding(
                    code,
                    self.get(item, "source", key, str),
                    self.get(item, "purpose", key, str),
                    self.get(item, "amount", key, float),
                )
            )
        return out

    def projects(
        self, items: list[tuple[str, dict]], codes: set[str], funding: set[str]
    ) -> list[Project]:
        out, seen = [], set()
        for key, item in items:
            code = self.code(self.get(item, "code", key, str), f"{key}.code", "a project code")
            if code is not BAD and code in seen:
                self.fail(f"{key}.code", f"project code '{code}' is used twice")
            seen.add(code)
            parts = self.each(
                self.get(item, "participants", key, list),
                f"{key}.participants",
                lambda v, k: self.known(v, k, codes, "an organisation code"),
            )
            funds = self.each(
                self.get(item, "funding", key, list, []),
                f"{key}.funding",
                lambda v, k: self.known(v, k, funding, "a funding code of [[funding]]"),
            )
            out.append(
                Project(
                    code,
                    self.get(item, "name", key, str),
                    tuple(parts),
                    tuple(funds),
                    self.get(item, "status", key, str, ""),
                )
            )
        return out


def _q(value: Any, limit: int = 60) -> str:
    """A value from the file as a message quotes it: escaped, and cut short if long."""
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _raw_codes(items: list[tuple[str, dict]]) -> set[str]:
    return {item["code"] for _, item in items if isinstance(item.get("code"), str)}


def _looks_like_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value.strip())
    except ValueError:
        return False
    return True
