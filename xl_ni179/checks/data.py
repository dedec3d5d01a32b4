"""The checks of the data rules (declared in ``xl_ni179.rules.data_rules``).

Each data check below is written once as a Check generator that carries BOTH forms of the
test: an Excel expression (TRUE when failing) that the template's Checks sheet
evaluates live as the partner types, and a Python predicate that the validator applies
on receipt. Keeping the two side by side is what lets a test prove they agree.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Protocol, TypeGuard, TypeVar

from xl_ni179.checks import dates, email_address
from xl_ni179.rules.base import Rule
from xl_ni179.rules.data_rules import (
    BELOW_PREVIOUS,
    COMMENTARY,
    DATE_INVALID,
    EMAIL_INVALID,
    GAINS_FELL,
    IMPLAUSIBLE,
    NEGATIVE,
    NET_MISMATCH,
    NET_NEGATIVE,
    NOT_NUMBER,
    OUT_OF_RANGE,
    RAG_INVALID,
    REQUIRED,
    RESTATED,
    SIGNOFF_DATE_IMPLAUSIBLE,
    SIGNOFF_SAME_PERSON,
    TOTAL_MISMATCH,
)
from xl_ni179.spec import layout
from xl_ni179.spec.formulas import Formula, canonical_formula
from xl_ni179.spec.schema import (
    DATE,
    EMAIL,
    GAINS,
    MONEY,
    SIGNING_SLACK_DAYS,
    SIGNOFF,
    TOLERANCE,
    WORKSTREAMS,
    Schema,
    gains_name,
    rag_name,
)


class Values(Protocol):
    """What a Python predicate can look at in a return."""

    def input(self, name: str) -> Any: ...  # value of an input cell (None when blank)
    def cell(self, sheet: str, coord: str) -> Any: ...  # raw content; formulas are Formula
    @property
    def baseline(self) -> float: ...


Result = TypeVar("Result", covariant=True)


class FromValues(Protocol[Result]):
    """Something a check computes from a return: whether it fails, a message parameter, a figure.

    Checks built in a loop capture their cell names as default arguments (``lambda v, n=name:``),
    so the callable may take optional parameters after the values; mypy cannot infer such a
    lambda against ``Callable[[Values], bool]`` (python/mypy#15459), this protocol accepts it.
    """

    def __call__(self, values: Values, /, *args: Any, **kwargs: Any) -> Result: ...


@dataclass(frozen=True)
class Check:
    """One rule applied to one place in the workbook."""

    code: str
    sheet: str
    cell: str
    field: str
    label: str
    excel: str  # Excel expression, TRUE when failing
    fails: FromValues[bool] = dataclass_field(compare=False)
    params: dict[str, Any] = dataclass_field(default_factory=dict, compare=False)
    # Extra message parameters computed from the return (amounts, the rating...).
    detail: FromValues[dict[str, Any]] | None = dataclass_field(default=None, compare=False)

    def message_params(self, values: Values) -> dict[str, Any]:
        params = dict(self.params)
        if self.field:
            raw = values.input(self.field)
            params["value"] = "" if raw is None else as_text(raw)
        if self.detail:
            params.update(self.detail(values))
        return params


def blank(value: Any) -> bool:
    # Mirrors LEN(TRIM(x))=0: Excel's TRIM removes spaces only.
    return value is None or (isinstance(value, str) and value.strip(" ") == "")


def is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:  # 9.9e307 stays short
        return str(int(value))
    return "" if value is None else str(value)


def num_sum(values: list[Any]) -> float:
    # Mirrors SUM(): text and blanks are ignored.
    return sum(v for v in values if is_number(v))


IMPLAUSIBLE_SHARE = 0.20
# The largest amount (£000) any money cell may hold: £10bn. The 13 partners' baselines sum to
# about £2.3bn a year, so no real figure comes near it, while it keeps every sum of a return
# (and of a partnership of returns) far from what a float, or a spreadsheet, can hold.
MONEY_CEILING = 10_000_000


@dataclass(frozen=True)
class DataCheck:
    """One kind of check: the rule codes it may emit and how it is placed in a return of a schema.

    As in frictionless-py, a check declares its errors: ``emits`` lists the codes of the
    rules its Check instances carry, so a test can prove every data rule has a check and
    every code a check names is a rule.
    """

    name: str
    emits: tuple[str, ...]
    place: Callable[[Schema], Iterable[Check]] = dataclass_field(compare=False)

    def checks(self, schema: Schema) -> list[Check]:
        out = list(self.place(schema))
        for check in out:
            if check.code not in self.emits:
                raise ValueError(
                    f"check {self.name!r} emits {check.code!r}, which it does not declare"
                )
        return out


DATA_CHECKS: list[DataCheck] = []  # in Checks-sheet order


def data_check(
    *rules: Rule,
) -> Callable[[Callable[[Schema], Iterable[Check]]], Callable[[Schema], Iterable[Check]]]:
    """Register the decorated function as a check that emits ``rules``."""

    def register_check(
        fn: Callable[[Schema], Iterable[Check]],
    ) -> Callable[[Schema], Iterable[Check]]:
        DATA_CHECKS.append(
            DataCheck(fn.__name__.strip("_").replace("_", "-"), tuple(r.code for r in rules), fn)
        )
        return fn

    return register_check


def build_checks(schema: Schema) -> list[Check]:
    """Every data check for a return of this schema, in Checks-sheet order."""
    return [check for kind in DATA_CHECKS for check in kind.checks(schema)]


@data_check(REQUIRED)
def _required(schema: Schema) -> Iterator[Check]:
    for f in schema.fields:
        if f.required:
            yield Check(
                REQUIRED.code,
                f.sheet,
                f.cell,
                f.name,
                f.label,
                f"LEN(TRIM({f.name}))=0",
                lambda v, n=f.name: blank(v.input(n)),
            )


@data_check(NOT_NUMBER)
def _money_not_a_number(schema: Schema) -> Iterator[Check]:
    for f in schema.fields:
        if f.type == MONEY:
            yield Check(
                NOT_NUMBER.code,
                f.sheet,
                f.cell,
                f.name,
                f.label,
                f"AND(LEN(TRIM({f.name}))>0,NOT(ISNUMBER({f.name})))",
                lambda v, n=f.name: not blank(v.input(n)) and not is_number(v.input(n)),
            )


@data_check(NEGATIVE)
def _money_negative(schema: Schema) -> Iterator[Check]:
    for f in schema.fields:
        if f.type == MONEY:
            yield Check(
                NEGATIVE.code,
                f.sheet,
                f.cell,
                f.name,
                f.label,
                f"AND(ISNUMBER({f.name}),{f.name}<0)",
                lambda v, n=f.name: is_number(v.input(n)) and v.input(n) < 0,
            )


@data_check(OUT_OF_RANGE)
def _money_out_of_range(schema: Schema) -> Iterator[Check]:
    for f in schema.fields:
        if f.type == MONEY:
            yield Check(
                OUT_OF_RANGE.code,
                f.sheet,
                f.cell,
                f.name,
                f.label,
                f"AND(ISNUMBER({f.name}),ABS({f.name})>{MONEY_CEILING})",
                lambda v, n=f.name: is_number(v.input(n)) and abs(v.input(n)) > MONEY_CEILING,
                {"limit": MONEY_CEILING},
            )


@data_check(RAG_INVALID)
def _rag(schema: Schema) -> Iterator[Check]:
    for f in schema.of_group("rag"):
        n = f.name
        yield Check(
            RAG_INVALID.code,
            f.sheet,
            f.cell,
            n,
            f.label,
            f'AND(LEN(TRIM({n}))>0,{n}<>"Green",{n}<>"Amber",{n}<>"Red")',
            lambda v, n=n: (
                not blank(v.input(n))
                and as_text(v.input(n)).lower() not in ("green", "amber", "red")
            ),
            {"year": f.year},
        )


@data_check(COMMENTARY)
def _rag_commentary(schema: Schema) -> Iterator[Check]:
    for f in schema.of_group("commentary"):
        rag = rag_name(f.year or "")
        yield Check(
            COMMENTARY.code,
            f.sheet,
            f.cell,
            f.name,
            f.label,
            f'AND(OR({rag}="Amber",{rag}="Red"),LEN(TRIM({f.name}))=0)',
            lambda v, n=f.name, r=rag: (
                as_text(v.input(r)).lower() in ("amber", "red") and blank(v.input(n))
            ),
            {"year": f.year},
            lambda v, r=rag: {"value": as_text(v.input(r)).title()},
        )


@data_check(EMAIL_INVALID, DATE_INVALID)
def _signoff_email_and_date(schema: Schema) -> Iterator[Check]:
    for f in schema.fields:
        n = f.name
        if f.type == EMAIL:
            yield Check(
                EMAIL_INVALID.code,
                f.sheet,
                f.cell,
                n,
                f.label,
                email_address.excel_failing(n),
                lambda v, n=n: (
                    not blank(v.input(n)) and not email_address.email_ok(as_text(v.input(n)))
                ),
            )
        elif f.type == DATE:
            # The typed text is read by the helper cells beside it (xl_ni179.checks.dates).
            read = dates.absolute(f.sheet, dates.cells_for(f.cell)["read"])
            yield Check(
                DATE_INVALID.code,
                f.sheet,
                f.cell,
                n,
                f.label,
                f"AND(LEN(TRIM({n}))>0,NOT(ISNUMBER({read})))",
                lambda v, n=n: not blank(v.input(n)) and dates.read_serial(v.input(n)) is None,
                {"examples": dates.EXAMPLES},
            )


@dataclass(frozen=True)
class Computed:
    """A locked cell of the Gains sheet that the template calculates from inputs: its
    formula, the inputs it reads and its value worked out here. The net and total checks
    below and the receipt check of saved results (``xl_ni179.checks.saved``) share it."""

    code: str  # the rule that checks the cell still holds the template's calculation
    cell: str
    label: str
    formula: str
    inputs: tuple[str, ...]
    expected: FromValues[float] = dataclass_field(compare=False)
    params: dict[str, Any] = dataclass_field(default_factory=dict, compare=False)


def computed_cells(schema: Schema) -> list[Computed]:
    """Every net gain line and every gross, costs and net total, year by year."""
    out = []
    for year in schema.years:
        for _ws, cell, g, c in layout.net_cells(schema, year):
            out.append(
                Computed(
                    NET_MISMATCH.code,
                    cell,
                    f"net gain {year}",
                    layout.net_formula(g, c),
                    (g, c),
                    lambda v, g=g, c=c: num_sum([v.input(g)]) - num_sum([v.input(c)]),
                    {"year": year},
                )
            )
    for year in schema.years:
        gains = tuple(f.name for f in schema.of_group("gains", year))
        costs = tuple(f.name for f in schema.of_group("costs", year))
        cells = layout.total_cells(schema, year)
        for kind, adds, takes in (
            ("gross", gains, ()),
            ("costs", costs, ()),
            ("net", gains, costs),
        ):

            def expected(
                v: Values, adds: tuple[str, ...] = adds, takes: tuple[str, ...] = takes
            ) -> float:
                return num_sum([v.input(n) for n in adds]) - num_sum([v.input(n) for n in takes])

            out.append(
                Computed(
                    TOTAL_MISMATCH.code,
                    cells[kind],
                    f"{kind} total {year}",
                    layout.total_formula(schema, kind, year),
                    adds + takes,
                    expected,
                    {"year": year, "kind": kind},
                )
            )
    return out


@data_check(NET_MISMATCH)
def _net_gains(schema: Schema) -> Iterator[Check]:
    return (_computed_check(c) for c in computed_cells(schema) if c.code == NET_MISMATCH.code)


@data_check(TOTAL_MISMATCH)
def _totals(schema: Schema) -> Iterator[Check]:
    return (_computed_check(c) for c in computed_cells(schema) if c.code == TOTAL_MISMATCH.code)


@data_check(IMPLAUSIBLE)
def _gains_implausible(schema: Schema) -> Iterator[Check]:
    for year in schema.years:
        gross = layout.gross_range(schema, year)
        cell = layout.total_cells(schema, year)["gross"]
        yield Check(
            IMPLAUSIBLE.code,
            GAINS,
            cell,
            "",
            f"gross gains {year}",
            f"SUM({gross})>{IMPLAUSIBLE_SHARE:g}*{layout.BASELINE_REF}",
            lambda v, y=year: (
                is_number(_gross(schema, v, y))
                and _gross(schema, v, y) > IMPLAUSIBLE_SHARE * v.baseline
            ),
            {"year": year, "limit": IMPLAUSIBLE_SHARE},
            lambda v, y=year: {"value": _gross(schema, v, y)},
        )


@data_check(NET_NEGATIVE)
def _net_gains_negative(schema: Schema) -> Iterator[Check]:
    for year in schema.years:
        cell = layout.total_cells(schema, year)["net"]
        yield Check(
            NET_NEGATIVE.code,
            GAINS,
            cell,
            "",
            f"net gains {year}",
            f"AND({_count(schema, year)}>0,{_net_expr(schema, year)}<0)",
            lambda v, y=year: (
                _any_number(schema, v, y)
                and is_number(_net(schema, v, y))
                and _net(schema, v, y) < 0
            ),
            {"year": year},
            lambda v, y=year: {"value": _net(schema, v, y)},
        )


@data_check(BELOW_PREVIOUS)
def _forecast_below_previous(schema: Schema) -> Iterator[Check]:
    forecasts = [y for y in schema.years if y not in schema.actual_years]
    for year in forecasts:
        previous = schema.years[schema.years.index(year) - 1]
        cell = layout.total_cells(schema, year)["net"]
        yield Check(
            BELOW_PREVIOUS.code,
            GAINS,
            cell,
            "",
            f"net gains {year}",
            f"AND({_count(schema, year)}>0,{_net_expr(schema, year)}<{_net_expr(schema, previous)})",
            lambda v, y=year, p=previous: (
                _any_number(schema, v, y)
                and is_number(_net(schema, v, y))
                and is_number(_net(schema, v, p))
                and _net(schema, v, y) < _net(schema, v, p)
            ),
            {"year": year, "previous": previous},
            lambda v, y=year, p=previous: {
                "value": _net(schema, v, y),
                "before": _net(schema, v, p),
            },
        )


@data_check(SIGNOFF_SAME_PERSON)
def _signoff_independent(schema: Schema) -> Iterator[Check]:
    preparer, officer = schema.get("signoff_preparer"), schema.get("signoff_s151_officer")
    if preparer and officer:
        p_key, o_key = _person_key_excel(preparer.name), _person_key_excel(officer.name)
        yield Check(
            SIGNOFF_SAME_PERSON.code,
            SIGNOFF,
            officer.cell,
            officer.name,
            officer.label,
            f"AND(LEN({p_key})>0,{p_key}={o_key})",
            lambda v, p=preparer.name, o=officer.name: _same_person(v.input(p), v.input(o)),
            detail=lambda v, p=preparer.name: {"preparer": as_text(v.input(p))},
        )


@data_check(SIGNOFF_DATE_IMPLAUSIBLE)
def _signoff_date_plausible(schema: Schema) -> Iterator[Check]:
    """A sign-off date is in the round's window: not before the last actual year ended (its
    figures were not final), nor more than a month after the round's deadline (or its closing
    date). A typo such as 2005 for 2009, or a day and month read the wrong way, is the usual cause.
    The window is fixed by the round, so the workbook and the validator agree on any day."""
    first, last = _first_signing_day(schema), schema.last_signing_day
    for f in schema.fields:
        if f.type != DATE:
            continue
        n = f.name
        read = dates.absolute(f.sheet, dates.cells_for(f.cell)["read"])
        bounds = ([f"{read}<DATE({first.year},{first.month},{first.day})"] if first else []) + (
            [f"{read}>DATE({last.year},{last.month},{last.day})"] if last else []
        )
        if not bounds:
            continue
        yield Check(
            SIGNOFF_DATE_IMPLAUSIBLE.code,
            f.sheet,
            f.cell,
            n,
            f.label,
            f"AND(ISNUMBER({read}),OR({','.join(bounds)}))",
            lambda v, n=n: _date_outside(dates.read_serial(v.input(n)), first, last),
            detail=lambda v, n=n: _date_detail(dates.read_serial(v.input(n)), first, last),
        )


def _first_signing_day(schema: Schema) -> dt.date | None:
    """The day after the last actual year of the return ended (years run April to March)."""
    if not schema.actual_years:
        return None
    return dt.date(int(schema.actual_years[-1][:4]) + 1, 4, 1)


def _date_outside(serial: float | None, first: dt.date | None, last: dt.date | None) -> bool:
    return serial is not None and (
        (first is not None and serial < dates.serial(first))
        or (last is not None and serial > dates.serial(last))
    )


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _date_detail(
    serial: float | None, first: dt.date | None, last: dt.date | None
) -> dict[str, Any]:
    """The date as read, in words (no day/month order to misread), and which end of the window
    it is beyond."""
    day = dates.as_day(serial) if serial is not None else None
    shown = _long_date(day) if day else as_text(serial)
    example = (first or dt.date.today()) + dt.timedelta(days=43)
    if first is not None and serial is not None and serial < dates.serial(first):
        why = (
            f"before {_long_date(first)}, so before the last year in this return ({first.year - 1}/"
            f"{first.year % 100:02d}) had ended"
        )
    elif last is not None:
        why = (
            f"after {_long_date(last)}, more than {SIGNING_SLACK_DAYS} days after this round's deadline: "
            "check the year, and that the day comes before the month"
        )
    else:
        why = "outside this round"
    return {"value": shown, "why": why, "example": example.strftime("%d/%m/%Y")}


def _money(value: Any) -> str:
    return f"£{value:,.1f}k" if is_number(value) else "blank"


@data_check(RESTATED)
def _actual_restated(schema: Schema) -> list[Check]:
    """Each prefilled input against the figure held beside it, as reported before."""
    out = []
    for f in schema.prefill_fields():
        prior = schema.prior_cell(f)
        ref = (
            f"'{GAINS}'!${prior.rstrip('0123456789')}${prior.lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}"
        )

        def fails(v: Values, n: str = f.name, c: str = prior) -> bool:
            before, now = v.cell(GAINS, c), v.input(n)
            return is_number(before) and (
                abs(now - before) > TOLERANCE if is_number(now) else blank(now)
            )

        out.append(
            Check(
                RESTATED.code,
                f.sheet,
                f.cell,
                f.name,
                f.label,
                f"AND(ISNUMBER({ref}),IF(ISNUMBER({f.name}),ABS({f.name}-{ref})>{TOLERANCE:g},"
                f"LEN(TRIM({f.name}))=0))",
                fails,
                {"year": f.year},
                lambda v, n=f.name, c=prior: {
                    "before": _money(v.cell(GAINS, c)),
                    "value": _money(v.input(n)),
                },
            )
        )
    return out


@data_check(GAINS_FELL)
def _gains_fell(schema: Schema) -> list[Check]:
    """Each workstream's gross gains in an actual year against the actual year before."""
    out = []
    for previous, year in zip(schema.actual_years, schema.actual_years[1:], strict=False):
        for stream, _ in WORKSTREAMS:
            now, was = (
                schema.field(gains_name(stream, year)),
                schema.field(gains_name(stream, previous)),
            )
            out.append(
                Check(
                    GAINS_FELL.code,
                    now.sheet,
                    now.cell,
                    now.name,
                    now.label,
                    f"AND(ISNUMBER({now.name}),ISNUMBER({was.name}),N({now.name})<N({was.name})-{TOLERANCE:g})",
                    lambda v, n=now.name, w=was.name: (
                        is_number(v.input(n))
                        and is_number(v.input(w))
                        and v.input(n) < v.input(w) - TOLERANCE
                    ),
                    {"year": year, "previous": previous},
                    lambda v, n=now.name, w=was.name: {"value": v.input(n), "before": v.input(w)},
                )
            )
    return out


def person_key(value: Any) -> str:
    """A name as compared for sign-off: the part before any comma (the preparer writes 'name,
    job title'), without spaces, in lower case. Mirrors ``_person_key_excel``."""
    return as_text(value).split(",", 1)[0].replace(" ", "").lower()


def _person_key_excel(name: str) -> str:
    return f'LOWER(SUBSTITUTE(LEFT({name},IFERROR(FIND(",",{name})-1,LEN({name})))," ",""))'


def _same_person(preparer: Any, officer: Any) -> bool:
    key = person_key(preparer)
    return key != "" and key == person_key(officer)


def _computed_check(computed: Computed) -> Check:
    code, cell, formula, expected = (
        computed.code,
        computed.cell,
        computed.formula,
        computed.expected,
    )
    body = formula.removeprefix("=")
    excel = f"IF(ISNUMBER('{GAINS}'!{cell}),ABS('{GAINS}'!{cell}-({body}))>{TOLERANCE:g},TRUE)"

    def fails(v: Values) -> bool:
        raw = v.cell(GAINS, cell)
        if isinstance(raw, Formula):
            return normalise_formula(raw) != normalise_formula(formula)
        return not is_number(raw) or abs(raw - expected(v)) > TOLERANCE

    return Check(
        code,
        GAINS,
        cell,
        "",
        computed.label,
        excel,
        fails,
        computed.params,
        lambda v: {"expected": expected(v)},
    )


def normalise_formula(text: str) -> str:
    """The formula's meaning, whatever spelling the program that saved it used."""
    return canonical_formula(text)


# A sum beyond what a float holds is Excel's #NUM!, which makes these checks show an error
# rather than fail: each predicate then holds too (money-out-of-range reports the cause).
def _gross(schema: Schema, v: Values, year: str) -> float:
    return num_sum([v.input(f.name) for f in schema.of_group("gains", year)])


def _net(schema: Schema, v: Values, year: str) -> float:
    return _gross(schema, v, year) - num_sum(
        [v.input(f.name) for f in schema.of_group("costs", year)]
    )


def _any_number(schema: Schema, v: Values, year: str) -> bool:
    names = [f.name for f in schema.of_group("gains", year) + schema.of_group("costs", year)]
    return any(is_number(v.input(n)) for n in names)


def _count(schema: Schema, year: str) -> str:
    return f"COUNT({layout.gross_range(schema, year)},{layout.costs_range(schema, year)})"


def _net_expr(schema: Schema, year: str) -> str:
    return f"(SUM({layout.gross_range(schema, year)})-SUM({layout.costs_range(schema, year)}))"
