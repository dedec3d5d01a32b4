"""The configuration file's tables read into the partnership's dataclasses: every code a
table names (a sector, an organisation, a funding code, a year) must be one the file defines,
and every problem is recorded (``ValueReader.fail``), so that one load reports them all."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xl_ni179.partnership.model import (
    EMAIL_RE,
    METHODS,
    REPLY_LIMIT_MB,
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
from xl_ni179.partnership.values import BAD, ValueReader, quoted, suggestion


class Reader(ValueReader):
    """Turns the parsed TOML into dataclasses, recording every problem on the way."""

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
            self.fail("partnership.consolidator_email", f"{quoted(email)} is not an email address")
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
                    f"must be 'additive' or 'compound' (found {quoted(method)})"
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
                        f"must be a percentage between 0 and 100 (found {quoted(rate)})",
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
                self.fail(key, f"must be a score from 1 to 4 (found {quoted(score)})")
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


def _raw_codes(items: list[tuple[str, dict]]) -> set[str]:
    return {item["code"] for _, item in items if isinstance(item.get("code"), str)}
