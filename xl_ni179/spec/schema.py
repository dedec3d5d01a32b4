"""The return schema: every input of the partner workbook, declared once.

A field is a defined name in the workbook (readable words a consolidator can type in a
formula, e.g. ``gains_procurement_2009_10``), with its label, sheet, cell, type, whether
it is required and the year it belongs to. The template builder places exactly these
cells, the reader reads them back by name, the rules check them and the docs list them.

Gains are cumulative, as NI 179 defines them: the figure for a year is the ongoing
cash-releasing gains in place by the end of that year since 1 April 2008.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from functools import cached_property

from xl_ni179.partnership import Partnership, Round, year_key


def column_letters(number: int) -> str:
    """A column's letters from its number: 1 is A, 28 is AB (without importing openpyxl, so
    that the declarations stay light for the ribbon and the parent process)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


MONEY, TEXT, CHOICE, DATE, EMAIL = "money", "text", "choice", "date", "email"
RAG_VALUES = ("Green", "Amber", "Red")
# £50 (amounts are in £000): two figures closer than this differ by a partner's ledger rounding,
# not by a change; the workbook's checks and the checks on receipt both use it.
TOLERANCE = 0.05

# Sheet names are part of the template's contract: the reader finds cells by them.
# The Checks sheet summarises each rule; Check details lists each check of each cell (a
# table of its own, so that neither scrolls under the other's headings).
COVER, GAINS, FORECAST, PROJECTS, SIGNOFF, CHECKS, CHECK_DETAILS, META = (
    "Cover",
    "Gains",
    "Forecast",
    "Projects",
    "Sign-off",
    "Checks",
    "Check details",
    "_meta",
)
SHEETS = (COVER, GAINS, FORECAST, PROJECTS, SIGNOFF, CHECKS, CHECK_DETAILS, META)
# The sheet a checked copy (and the ribbon's Validate) puts first, listing the findings; a
# return that comes back with it is let in.
ANNOTATION_SHEET = "Validation results"

WORKSTREAMS: tuple[tuple[str, str], ...] = (
    ("procurement", "Procurement"),
    ("back_office", "Corporate and back office"),
    ("shared_services", "Shared services"),
    ("assets", "Asset management"),
    ("workforce", "Workforce and productive time"),
    ("service_redesign", "Service redesign"),
    ("other", "Other"),
)

# Row layout of the Gains sheet: three blocks of workstream rows, each with a total row.
GROSS_HEADER, COSTS_HEADER, NET_HEADER = 6, 17, 28
FIRST_YEAR_COL = 2  # column B holds the first year of the round


def block_rows(header: int) -> list[int]:
    return [header + 2 + i for i in range(len(WORKSTREAMS))]


def total_row(header: int) -> int:
    return header + 2 + len(WORKSTREAMS)


MEMO_ONEOFF_ROW, MEMO_NONCASH_ROW = 40, 41
CARRY_CASH_ROW, CARRY_NONCASH_ROW = 44, 45
BASELINE_ROW = 48
FORECAST_FIRST_ROW = 6
PROJECT_FIRST_ROW = 6
SIGNOFF_FIRST_ROW = 5
PREFILL_GROUPS = ("gains", "costs", "memo")
SIGNING_SLACK_DAYS = 30  # a return signed off after the deadline is late, not implausible


@dataclass(frozen=True)
class Field:
    name: str  # the defined name
    label: str
    sheet: str
    cell: str  # absolute-free A1 address, e.g. "B8"
    type: str
    required: bool = False
    year: str | None = None
    year_kind: str | None = None  # "actual" or "forecast"
    allowed: tuple[str, ...] = ()
    group: str = ""  # gains, costs, memo, carry_forward, rag, commentary, project, signoff, explain
    help: str = ""

    @property
    def ref(self) -> str:
        """Absolute reference for formulas, e.g. 'Sign-off'!$B$5."""
        col = "".join(c for c in self.cell if c.isalpha())
        row = "".join(c for c in self.cell if c.isdigit())
        return f"'{self.sheet}'!${col}${row}"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["allowed"] = list(self.allowed)
        return data


@dataclass(frozen=True)
class Schema:
    round_id: str
    years: tuple[str, ...]
    actual_years: tuple[str, ...]
    fields: tuple[Field, ...]
    # Actual years an earlier round also collected as actuals: their inputs can be prefilled
    # from the organisation's earlier return, and a change to one is a restatement.
    prefill_years: tuple[str, ...] = ()
    # The last day a sign-off date may be without a warning: a month after the round's deadline.
    last_signing_day: dt.date | None = None

    @cached_property
    def _by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    @cached_property
    def by_folded_name(self) -> dict[str, Field]:
        """Each input by its name in lower case, as defined names are compared."""
        return {f.name.lower(): f for f in self.fields}

    def field(self, name: str) -> Field:
        return self._by_name[name]

    def get(self, name: str) -> Field | None:
        return self._by_name.get(name)

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    @cached_property
    def _groups(self) -> dict[tuple[str, str | None], tuple[Field, ...]]:
        return {}  # filled by of_group: the data checks ask for the same groups of every return

    def of_group(self, group: str, year: str | None = None) -> list[Field]:
        found = self._groups.get((group, year))
        if found is None:
            found = self._groups[(group, year)] = tuple(
                f for f in self.fields if f.group == group and (year is None or f.year == year)
            )
        return list(found)

    def year_column(self, year: str) -> str:
        return column_letters(FIRST_YEAR_COL + self.years.index(year))

    def prefill_fields(self) -> list[Field]:
        """The inputs filled in from an earlier return: a prefill year's gains, costs and memo lines."""
        return [
            f for f in self.fields if f.year in self.prefill_years and f.group in PREFILL_GROUPS
        ]

    def prior_column(self, year: str) -> str:
        """Where the figures as reported before sit, to the right of the round's years."""
        return column_letters(FIRST_YEAR_COL + len(self.years) + self.prefill_years.index(year))

    def prior_cell(self, f: Field) -> str:
        return f"{self.prior_column(f.year or '')}{f.cell.lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}"

    def fingerprint(self) -> str:
        """Changes whenever any field's name, place or type changes."""
        text = json.dumps([f.to_dict() for f in self.fields], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# Every defined name of the return is spelled here, and only here: other modules ask.
STATUS_NAME, BASELINE_NAME = "status", "baseline"


def gains_name(workstream: str, year: str) -> str:
    return f"gains_{workstream}_{year_key(year)}"


def costs_name(workstream: str, year: str) -> str:
    return f"costs_{workstream}_{year_key(year)}"


def oneoff_name(year: str) -> str:
    return f"oneoff_{year_key(year)}"


def noncash_name(year: str) -> str:
    return f"noncash_{year_key(year)}"


def rag_name(year: str) -> str:
    return f"rag_{year_key(year)}"


def rag_commentary_name(year: str) -> str:
    return f"rag_commentary_{year_key(year)}"


def project_savings_name(project_code: str) -> str:
    return f"project_savings_{project_code}"


def project_comment_name(project_code: str) -> str:
    return f"project_comment_{project_code}"


def total_name(kind: str, year: str) -> str:
    """The computed total of a Gains block: ``kind`` is gross, costs or net."""
    return f"{kind}_total_{year_key(year)}"


def target_name(kind: str, agreement_code: str, year: str) -> str:
    """An agreement's target for a year: ``kind`` is annual or cumulative."""
    return f"target_{kind}_{agreement_code.lower()}_{year_key(year)}"


def explain_name(code: str) -> str:
    return "explain_" + code.replace("-", "_")


def build_schema(
    partnership: Partnership, rnd: Round, warning_codes: list[str] | None = None
) -> Schema:
    """The fields of a return for ``rnd``. ``warning_codes`` get an explanation box each."""
    if warning_codes is None:
        from xl_ni179.rules import RULES

        warning_codes = [
            r.code
            for r in RULES.values()
            if r.severity == "warning" and r.category in ("data", "cross-return")
        ]
    fields: list[Field] = []
    for index, year in enumerate(rnd.years):
        col = column_letters(FIRST_YEAR_COL + index)
        kind = "actual" if rnd.is_actual(year) else "forecast"
        required = kind == "actual"
        for (stream, stream_label), g_row, c_row in zip(
            WORKSTREAMS, block_rows(GROSS_HEADER), block_rows(COSTS_HEADER), strict=True
        ):
            fields.append(
                Field(
                    gains_name(stream, year),
                    f"{stream_label}: gross ongoing cash-releasing gains, {year} ({kind})",
                    GAINS,
                    f"{col}{g_row}",
                    MONEY,
                    required,
                    year,
                    kind,
                    group="gains",
                    help="£000, cumulative since 1 April 2008; enter 0 if none",
                )
            )
            fields.append(
                Field(
                    costs_name(stream, year),
                    f"{stream_label}: costs of achieving the gains, {year} ({kind})",
                    GAINS,
                    f"{col}{c_row}",
                    MONEY,
                    required,
                    year,
                    kind,
                    group="costs",
                    help="£000, cumulative since 1 April 2008; enter 0 if none",
                )
            )
        fields.append(
            Field(
                oneoff_name(year),
                f"One-off savings, {year} (memo, does not count)",
                GAINS,
                f"{col}{MEMO_ONEOFF_ROW}",
                MONEY,
                False,
                year,
                kind,
                group="memo",
            )
        )
        fields.append(
            Field(
                noncash_name(year),
                f"Non-cashable gains, {year} (memo, does not count)",
                GAINS,
                f"{col}{MEMO_NONCASH_ROW}",
                MONEY,
                False,
                year,
                kind,
                group="memo",
            )
        )
    fields.append(
        Field(
            "carry_forward_cashable",
            "2004 spending review over-achievement carried forward: cashable",
            GAINS,
            f"B{CARRY_CASH_ROW}",
            MONEY,
            group="carry_forward",
            help="£000; only if you exceeded the 2004 spending review target",
        )
    )
    fields.append(
        Field(
            "carry_forward_noncashable",
            "2004 spending review over-achievement carried forward: non-cashable",
            GAINS,
            f"B{CARRY_NONCASH_ROW}",
            MONEY,
            group="carry_forward",
            help="£000; only if you exceeded the 2004 spending review target",
        )
    )
    for i, year in enumerate(rnd.forecast_years):
        row = FORECAST_FIRST_ROW + i
        fields.append(
            Field(
                rag_name(year),
                f"Forecast confidence (Green/Amber/Red), {year}",
                FORECAST,
                f"B{row}",
                CHOICE,
                False,
                year,
                "forecast",
                RAG_VALUES,
                group="rag",
            )
        )
        fields.append(
            Field(
                rag_commentary_name(year),
                f"Commentary on the forecast for {year}",
                FORECAST,
                f"C{row}",
                TEXT,
                False,
                year,
                "forecast",
                group="commentary",
                help="required for Amber or Red",
            )
        )
    for i, project in enumerate(partnership.projects):
        row = PROJECT_FIRST_ROW + i
        fields.append(
            Field(
                project_savings_name(project.code),
                f"{project.name}: expected ongoing savings (£000 a year)",
                PROJECTS,
                f"C{row}",
                MONEY,
                group="project",
            )
        )
        fields.append(
            Field(
                project_comment_name(project.code),
                f"{project.name}: progress and comments",
                PROJECTS,
                f"D{row}",
                TEXT,
                group="project",
            )
        )
    signoff = [
        ("signoff_preparer", "Prepared by (name and job title)", TEXT, True),
        ("signoff_s151_officer", "Section 151 officer or equivalent (name)", TEXT, True),
        ("signoff_date", "Date signed off", DATE, True),
        ("signoff_email", "Contact email for queries", EMAIL, True),
        ("signoff_phone", "Contact telephone", TEXT, False),
    ]
    for i, (name, label, kind, required) in enumerate(signoff):
        fields.append(
            Field(
                name, label, SIGNOFF, f"B{SIGNOFF_FIRST_ROW + i}", kind, required, group="signoff"
            )
        )
    for i, code in enumerate(warning_codes):
        fields.append(
            Field(
                explain_name(code),
                f"Explanation for warning {code}",
                CHECKS,
                f"F{CHECKS_FIRST_ROW + i}",
                TEXT,
                group="explain",
                help="explain why the figures are right; an explained warning no longer blocks",
            )
        )
    earlier = [r for r in partnership.rounds if r.deadline < rnd.deadline]
    prefill_years = tuple(y for y in rnd.actual_years if any(y in r.actual_years for r in earlier))
    return Schema(
        rnd.id,
        tuple(rnd.years),
        tuple(rnd.actual_years),
        tuple(fields),
        prefill_years,
        rnd.deadline + dt.timedelta(days=SIGNING_SLACK_DAYS),
    )


# The Checks sheet lists warning rules first so their explanation boxes sit at fixed rows.
CHECKS_FIRST_ROW = 6
