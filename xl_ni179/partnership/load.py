"""The partnership configuration: one TOML file, loaded into frozen dataclasses.

Loading checks everything a later step relies on, so that a mistake in the file is
reported once, with the file and the key, instead of surfacing as a traceback later.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from xl_ni179.errors import ConfigError
from xl_ni179.partnership.model import (
    CODE_RE,
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
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), "", f"cannot be read ({exc})") from None
    return parse_partnership(text, str(path))


def workspace_config(folder: str | Path) -> Path | None:
    """The workspace's configuration file, or None when the folder has none."""
    config = Path(folder) / WORKSPACE_CONFIG_NAME
    return config if config.exists() else None


def load_workspace_partnership(folder: str | Path) -> Partnership:
    """The workspace's configuration if it has one, else the built-in partnership."""
    return load_partnership(workspace_config(folder))


def parse_partnership(text: str, source: str) -> Partnership:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "", f"is not valid TOML: {exc}") from None
    return _Reader(source).partnership(data)


class _Reader:
    """Turns the parsed TOML into dataclasses, naming the key of the first problem."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.source, key, problem)

    def get(self, table: dict[str, Any], key: str, prefix: str, kind: type | tuple, default: Any = ...) -> Any:
        full = f"{prefix}.{key}" if prefix else key
        if key not in table:
            if default is ...:
                raise self.fail(full, "is missing")
            return default
        value = table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.fail(full, f"must be {_kind_name(kind)} (found {value!r})")
        return value

    def table(self, data: dict, key: str, prefix: str = "") -> dict:
        return self.get(data, key, prefix, dict)

    def array(self, data: dict, key: str) -> list[dict]:
        items = self.get(data, key, "", list)
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.fail(f"{key}[{i}]", "must be a table ([[{key}]])")
        return items

    def year(self, value: Any, key: str) -> str:
        match = YEAR_RE.match(value) if isinstance(value, str) else None
        if match is None:
            raise self.fail(key, f"must be a financial year written like \"2009/10\" (found {value!r})")
        first, second = match.groups()
        if (int(first) + 1) % 100 != int(second):
            raise self.fail(key, f"'{value}' is not a financial year: the second part must follow the first")
        return value

    def code(self, value: str, key: str) -> str:
        if not CODE_RE.match(value):
            raise self.fail(key, f"'{value}' must be letters, digits and underscores, starting with a letter")
        return value

    def partnership(self, data: dict) -> Partnership:
        top = self.table(data, "partnership")
        sectors = self.sectors(self.table(data, "sectors"))
        orgs = self.organisations(self.array(data, "organisations"), sectors)
        codes = {o.code for o in orgs}
        agreements = self.agreements(self.array(data, "agreements"), codes)
        rounds = self.rounds(self.array(data, "rounds"))
        vfm = self.vfm(self.table(data, "vfm"), codes)
        budget = self.table(data, "budget")
        funding = self.funding(data.get("funding", []))
        projects = self.projects(data.get("projects", []), codes, {f.code for f in funding})
        email = self.get(top, "consolidator_email", "partnership", str)
        if not EMAIL_RE.match(email):
            raise self.fail("partnership.consolidator_email", f"'{email}' is not an email address")
        reply_mb = self.get(top, "reply_limit_mb", "partnership", float, float(REPLY_LIMIT_MB))
        if not 0.5 <= reply_mb <= 100:
            raise self.fail("partnership.reply_limit_mb", f"must be between 0.5 and 100 megabytes (found "
                            f"{reply_mb:g}); keep it below your mail server's message size limit")
        return Partnership(
            name=self.get(top, "name", "partnership", str),
            group=self.get(top, "group", "partnership", str, ""),
            consolidator_name=self.get(top, "consolidator_name", "partnership", str, "Consolidator"),
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
            reply_limit_bytes=int(reply_mb * 1024 * 1024),
            source=self.source,
        )

    def sectors(self, table: dict) -> dict[str, Sector]:
        out = {}
        for code, body in table.items():
            key = f"sectors.{code}"
            if not isinstance(body, dict):
                raise self.fail(key, "must be a table with name and guidance")
            out[code] = Sector(code, self.get(body, "name", key, str), self.get(body, "guidance", key, str))
        if not out:
            raise self.fail("sectors", "must define at least one sector")
        return out

    def organisations(self, items: list[dict], sectors: dict[str, Sector]) -> list[Organisation]:
        orgs, seen = [], set()
        for i, item in enumerate(items):
            key = f"organisations[{i}]"
            code = self.code(self.get(item, "code", key, str), f"{key}.code")
            if code in seen:
                raise self.fail(f"{key}.code", f"organisation code '{code}' is used twice")
            seen.add(code)
            sector = self.get(item, "sector", key, str)
            if sector not in sectors:
                raise self.fail(f"{key}.sector", f"unknown sector '{sector}' (known: {', '.join(sectors)})")
            baseline = self.get(item, "baseline", key, float)
            if not baseline > 0:
                raise self.fail(f"{key}.baseline", f"must be a positive amount in £000 (found {baseline})")
            emails = self.get(item, "emails", key, list, [])
            for j, email in enumerate(emails):
                if not isinstance(email, str) or not EMAIL_RE.match(email):
                    raise self.fail(f"{key}.emails[{j}]", f"{email!r} is not an email address")
            name = self.get(item, "name", key, str)
            orgs.append(Organisation(code, name, self.get(item, "short_name", key, str, name), sector,
                                     baseline, tuple(emails)))
        if not orgs:
            raise self.fail("organisations", "must list at least one organisation")
        return orgs

    def agreements(self, items: list[dict], codes: set[str]) -> list[Agreement]:
        out = []
        for i, item in enumerate(items):
            key = f"agreements[{i}]"
            code = self.code(self.get(item, "code", key, str), f"{key}.code")
            method = self.get(item, "method", key, str, "additive")
            if method not in METHODS:
                raise self.fail(f"{key}.method", f"must be 'additive' or 'compound' (found '{method}')")
            members = self.get(item, "members", key, list)
            for j, member in enumerate(members):
                if member not in codes:
                    raise self.fail(f"{key}.members[{j}]", f"'{member}' is not an organisation code")
            rates = {}
            for year, rate in self.get(item, "rates", key, dict).items():
                self.year(year, f"{key}.rates")
                if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate < 100:
                    raise self.fail(f"{key}.rates.\"{year}\"",
                                    f"must be a percentage between 0 and 100 (found {rate!r})")
                rates[year] = float(rate)
            reported, counts_from = self.agreement_start(item, key, rates)
            out.append(Agreement(code, self.get(item, "name", key, str), method, tuple(members), rates,
                                 reported, counts_from))
        return out

    def agreement_start(self, item: dict, key: str, rates: dict[str, float]) -> tuple[tuple[str, ...], str]:
        """(reported-only years, first counted year). ``counts_from`` names the agreement's first
        year; the older ``reported_only`` list (the years before it) is still accepted."""
        if not rates:
            raise self.fail(f"{key}.rates", "must give a rate for at least one year")
        years = sorted(rates, key=year_start)
        reported = self.get(item, "reported_only", key, list, [])
        for year in reported:
            if year not in rates:
                raise self.fail(f"{key}.reported_only", f"'{year}' has no rate in {key}.rates")
        counted = [y for y in years if y not in reported]
        if "counts_from" in item:
            start = self.year(item["counts_from"], f"{key}.counts_from")
            if start not in rates:
                raise self.fail(f"{key}.counts_from", f"'{start}' has no rate in {key}.rates")
            before = [y for y in years if year_start(y) < year_start(start)]
            if reported and sorted(reported, key=year_start) != before:
                raise self.fail(f"{key}.reported_only",
                                f"must be the years before counts_from ({', '.join(before) or 'none'}); "
                                "leave it out and counts_from is enough")
            return tuple(before), start
        if not counted or any(year_start(y) > year_start(counted[0]) for y in reported):
            raise self.fail(f"{key}.reported_only", "must be the agreement's first years, before the years "
                                                    "that count towards its target")
        return tuple(y for y in years if y in reported), counted[0]

    def rounds(self, items: list[dict]) -> list[Round]:
        out: list[Round] = []
        for i, item in enumerate(items):
            key = f"rounds[{i}]"
            actual = [self.year(y, f"{key}.actual_years") for y in self.get(item, "actual_years", key, list)]
            forecast = [self.year(y, f"{key}.forecast_years") for y in self.get(item, "forecast_years", key, list, [])]
            years = [*actual, *forecast]
            if not years:
                raise self.fail(key, "must have at least one actual or forecast year")
            if [year_start(y) for y in years] != list(range(year_start(years[0]), year_start(years[0]) + len(years))):
                raise self.fail(key, "actual years then forecast years must be consecutive years in order")
            deadline = self.get(item, "deadline", key, dt.date)
            opens = self.get(item, "opens", key, dt.date, None)
            closes = self.get(item, "closes", key, dt.date, None)
            if opens is not None and opens > deadline:
                raise self.fail(f"{key}.opens", f"{opens} is after the deadline {deadline}")
            if closes is not None and closes < deadline:
                raise self.fail(f"{key}.closes", f"{closes} is before the deadline {deadline}")
            round_id = self.get(item, "id", key, str)
            if round_id in {r.id for r in out}:
                raise self.fail(f"{key}.id", f"round id '{round_id}' is used twice")
            out.append(Round(round_id, self.get(item, "title", key, str),
                             tuple(actual), tuple(forecast), deadline,
                             str(self.get(item, "template_version", key, str)), opens, closes))
        if not out:
            raise self.fail("rounds", "must define at least one collection round")
        return out

    def vfm(self, table: dict, codes: set[str]) -> Vfm:
        scores = {}
        for code, score in self.get(table, "scores", "vfm", dict, {}).items():
            if code not in codes:
                raise self.fail(f"vfm.scores.{code}", f"'{code}' is not an organisation code")
            if isinstance(score, bool) or score not in (1, 2, 3, 4):
                raise self.fail(f"vfm.scores.{code}", f"must be a score from 1 to 4 (found {score!r})")
            scores[code] = score
        return Vfm(self.get(table, "assessment", "vfm", str, "Use of Resources"),
                   self.get(table, "target", "vfm", int, 3),
                   self.get(table, "national_district_share_at_3_or_above", "vfm", float, 0.6), scores)

    def funding(self, items: list) -> list[Funding]:
        out = []
        for i, item in enumerate(items):
            key = f"funding[{i}]"
            if not isinstance(item, dict):
                raise self.fail(key, "must be a table ([[funding]])")
            out.append(Funding(self.get(item, "code", key, str), self.get(item, "source", key, str),
                               self.get(item, "purpose", key, str), self.get(item, "amount", key, float)))
        return out

    def projects(self, items: list, codes: set[str], funding: set[str]) -> list[Project]:
        out = []
        for i, item in enumerate(items):
            key = f"projects[{i}]"
            if not isinstance(item, dict):
                raise self.fail(key, "must be a table ([[projects]])")
            code = self.code(self.get(item, "code", key, str), f"{key}.code")
            parts = self.get(item, "participants", key, list)
            for j, p in enumerate(parts):
                if p not in codes:
                    raise self.fail(f"{key}.participants[{j}]", f"'{p}' is not an organisation code")
            funds = self.get(item, "funding", key, list, [])
            for j, f in enumerate(funds):
                if f not in funding:
                    raise self.fail(f"{key}.funding[{j}]", f"'{f}' is not a funding code")
            out.append(Project(code, self.get(item, "name", key, str), tuple(parts), tuple(funds),
                               self.get(item, "status", key, str, "")))
        return out


def _kind_name(kind: type | tuple) -> str:
    names = {str: "text", float: "a number", int: "a whole number", bool: "true or false",
             list: "a list", dict: "a table", dt.date: "a date (YYYY-MM-DD)"}
    return names.get(kind, str(kind)) if isinstance(kind, type) else "a value of the right kind"
