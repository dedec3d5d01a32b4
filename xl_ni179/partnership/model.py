"""The partnership configuration as frozen dataclasses: organisations, agreements, rounds.

``xl_ni179.partnership.load`` reads them from the TOML file and checks them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field, fields
from functools import cached_property

from xl_ni179.errors import UnknownRoundError
from xl_ni179.partnership.senders import (
    SenderMatch,
    filed_under,
    normal_address,
    sender_index,
    shared_addresses,
)

YEAR_RE = re.compile(r"^(\d{4})/(\d{2})$")
# A code in the configuration (organisation, sector, agreement, project): it is used in file and
# defined names. (A rule's code is another thing: xl_ni179.rules.base.RULE_CODE_RE.)
CONFIG_CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
METHODS = ("additive", "compound")
# NI 179 counts gains since 1 April 2008: its figure for a year is cumulative from here.
NI179_FIRST_YEAR = "2008/09"


def year_key(year: str) -> str:
    """'2009/10' -> '2009_10', the suffix used in defined names."""
    return year.replace("/", "_")


def year_start(year: str) -> int:
    return int(year[:4])


@dataclass(frozen=True)
class Sector:
    code: str
    name: str
    guidance: str


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    short_name: str
    sector: str
    baseline: float  # 2007/08 expenditure, £000
    emails: tuple[str, ...]


@dataclass(frozen=True)
class Agreement:
    code: str
    name: str
    method: str
    members: tuple[str, ...]
    rates: dict[str, float]  # year -> percentage of baseline
    reported_only: tuple[str, ...] = ()  # the agreement's years before counts_from
    counts_from: str = NI179_FIRST_YEAR  # the agreement's first year: its gains count from here

    @property
    def years(self) -> list[str]:
        return sorted(self.rates, key=year_start)

    @property
    def label(self) -> str:
        """How a sentence names it: 'the MAA' for a short code, else 'the Leicestershire LAA'."""
        if self.code.isalpha() and self.code.isupper() and len(self.code) <= 5:
            return f"the {self.code}"
        return f"the {self.name}"


@dataclass(frozen=True)
class Round:
    id: str
    title: str
    actual_years: tuple[str, ...]
    forecast_years: tuple[str, ...]
    deadline: dt.date
    template_version: str
    opens: dt.date | None = None
    closes: dt.date | None = None  # None: the round never closes

    @property
    def years(self) -> list[str]:
        return [*self.actual_years, *self.forecast_years]

    def is_actual(self, year: str) -> bool:
        return year in self.actual_years

    def is_open_on(self, day: dt.date) -> bool:
        """Taking returns on ``day``: opened (or no opening date) and not yet closed."""
        return (self.opens is None or self.opens <= day) and not self.is_closed_on(day)

    def is_closed_on(self, day: dt.date) -> bool:
        return self.closes is not None and day > self.closes

    def has_opened_by(self, day: dt.date) -> bool:
        return (self.opens or self.deadline) <= day


@dataclass(frozen=True)
class Funding:
    code: str
    source: str
    purpose: str
    amount: float  # pounds


@dataclass(frozen=True)
class Project:
    code: str
    name: str
    participants: tuple[str, ...]
    funding: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class Vfm:
    assessment: str
    target: int
    national_district_share: float
    scores: dict[str, int]


REPLY_LIMIT_MB = 5  # half of Postfix's default message_size_limit (10,240,000 bytes)


@dataclass(frozen=True)
class Partnership:
    name: str
    group: str
    consolidator_name: str
    consolidator_email: str
    illustrative: bool
    sectors: dict[str, Sector]
    organisations: tuple[Organisation, ...]
    agreements: tuple[Agreement, ...]
    rounds: tuple[Round, ...]
    vfm: Vfm
    laa_budget: float
    feasibility_spent: float
    funding: tuple[Funding, ...]
    projects: tuple[Project, ...]
    # The largest reply (with its checked copy) the intake sends, as the mail server counts it.
    reply_limit_bytes: int = REPLY_LIMIT_MB * 1024 * 1024
    source: str = field(default="", compare=False)

    @cached_property
    def content_key(self) -> str:
        """A hash of everything the partnership says (not where it was read from): equal
        partnerships share one key, so caches can key on it (the dataclass holds dicts and
        so cannot be hashed itself). Worked out once per object and pickled with it."""
        content = repr([getattr(self, f.name) for f in fields(self) if f.compare])
        return hashlib.sha256(content.encode()).hexdigest()

    @cached_property
    def _by_code(self) -> dict[str, Organisation]:
        """Each code's organisation (the first listed, should a code be listed twice)."""
        found: dict[str, Organisation] = {}
        for org in self.organisations:
            found.setdefault(org.code, org)
        return found

    def organisation(self, code: str) -> Organisation:
        return self._by_code[code]

    def find_organisation(self, code: str) -> Organisation | None:
        return self._by_code.get(code)

    def agreements_of(self, org_code: str) -> list[Agreement]:
        return [a for a in self.agreements if org_code in a.members]

    def projects_of(self, org_code: str) -> list[Project]:
        return [p for p in self.projects if org_code in p.participants]

    def round(self, round_id: str | None = None, *, on: dt.date | None = None) -> Round:
        """The round with this id; without an id, the default round on ``on`` (today if not
        given): see ``default_round``."""
        if round_id is None:
            return self.default_round(on or dt.date.today())
        for rnd in self.rounds:
            if rnd.id == round_id:
                return rnd
        known = ", ".join(r.id for r in self.rounds)
        raise UnknownRoundError(
            f"There is no round '{round_id}' in the configuration (rounds: {known})."
        )

    @property
    def latest_round(self) -> Round:
        """The round with the latest deadline."""
        return max(self.rounds, key=lambda r: r.deadline)

    def open_rounds(self, day: dt.date) -> list[Round]:
        """Rounds taking returns on ``day``, the most recently opened first."""
        return sorted(
            (r for r in self.rounds if r.is_open_on(day)),
            key=lambda r: (r.opens or r.deadline, r.deadline),
            reverse=True,
        )

    def default_round(self, day: dt.date) -> Round:
        """The round a command works on when none is named.

        The round open on ``day`` (the most recently opened, if rounds overlap); if none is
        open, the latest round that had opened by ``day`` (the one last collected); if none
        has opened yet, the first round to open. Run long after the rounds (as the shipped,
        historical configuration is), this is the latest round.
        """
        open_now = self.open_rounds(day)
        if open_now:
            return open_now[0]
        started = [r for r in self.rounds if r.has_opened_by(day)]
        if started:
            return max(started, key=lambda r: (r.opens or r.deadline, r.deadline))
        return min(self.rounds, key=lambda r: (r.opens or r.deadline, r.deadline))

    @cached_property
    def _senders(self) -> dict[str, tuple[Organisation, ...]]:
        return sender_index(self.organisations)

    def sender(self, address: str | None) -> SenderMatch[Organisation]:
        """The organisations that list ``address`` (xl_ni179.partnership.senders says what
        an address listed by several means)."""
        key = normal_address(address or "")
        return SenderMatch(key, self._senders.get(key, ()))

    def warnings(self) -> list[str]:
        """What the configuration allows but will make go wrong, in the consolidator's terms
        (``ni179 config check`` prints them): an address listed by several organisations."""
        return [match.config_warning for match in shared_addresses(self.organisations)]

    def filed_under(self, named: str | None, sender: str | None) -> str | None:
        """The organisation a return naming ``named``, sent from ``sender``, counts for."""
        return filed_under(named, self.sender(sender) if sender else None)

    def organisation_for_email(self, email: str | None) -> Organisation | None:
        """The organisation ``email`` speaks for: None when no organisation lists it, or
        several do (never the first of them)."""
        return self.sender(email).organisation
