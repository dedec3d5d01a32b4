"""The cells of the Gains sheet the template calculates, and their checks: each net gain
line and each total still holds the template's calculation, and a year's totals are plausible.

A computed cell is declared once (``Computed``): the check here and the receipt check of
saved results (``xl_ni179.checks.saved``) share it. The year's gross and net figures, in
Python and as Excel expressions, serve the checks across years too
(``xl_ni179.checks.across_years``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from xl_ni179.checks.base import Check, FromValues, Values, data_check, is_number, num_sum
from xl_ni179.rules.data_rules import IMPLAUSIBLE, NET_MISMATCH, NET_NEGATIVE, TOTAL_MISMATCH
from xl_ni179.spec import layout
from xl_ni179.spec.formulas import Formula, canonical_formula
from xl_ni179.spec.schema import GAINS, TOLERANCE, Schema

IMPLAUSIBLE_SHARE = 0.20


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
def net_gains(schema: Schema) -> Iterator[Check]:
    return (_computed_check(c) for c in computed_cells(schema) if c.code == NET_MISMATCH.code)


@data_check(TOTAL_MISMATCH)
def totals(schema: Schema) -> Iterator[Check]:
    return (_computed_check(c) for c in computed_cells(schema) if c.code == TOTAL_MISMATCH.code)


@data_check(IMPLAUSIBLE)
def gains_implausible(schema: Schema) -> Iterator[Check]:
    for year in schema.years:
        gross_range = layout.gross_range(schema, year)
        cell = layout.total_cells(schema, year)["gross"]
        yield Check(
            IMPLAUSIBLE.code,
            GAINS,
            cell,
            "",
            f"gross gains {year}",
            f"SUM({gross_range})>{IMPLAUSIBLE_SHARE:g}*{layout.BASELINE_REF}",
            lambda v, y=year: (
                is_number(gross(schema, v, y))
                and gross(schema, v, y) > IMPLAUSIBLE_SHARE * v.baseline
            ),
            {"year": year, "limit": IMPLAUSIBLE_SHARE},
            lambda v, y=year: {"value": gross(schema, v, y)},
        )


@data_check(NET_NEGATIVE)
def net_gains_negative(schema: Schema) -> Iterator[Check]:
    for year in schema.years:
        cell = layout.total_cells(schema, year)["net"]
        yield Check(
            NET_NEGATIVE.code,
            GAINS,
            cell,
            "",
            f"net gains {year}",
            f"AND({count_excel(schema, year)}>0,{net_excel(schema, year)}<0)",
            lambda v, y=year: (
                any_number(schema, v, y) and is_number(net(schema, v, y)) and net(schema, v, y) < 0
            ),
            {"year": year},
            lambda v, y=year: {"value": net(schema, v, y)},
        )


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
def gross(schema: Schema, v: Values, year: str) -> float:
    """The year's gross gains, as SUM() adds them."""
    return num_sum([v.input(f.name) for f in schema.of_group("gains", year)])


def net(schema: Schema, v: Values, year: str) -> float:
    """The year's net gains: gross gains less costs."""
    return gross(schema, v, year) - num_sum(
        [v.input(f.name) for f in schema.of_group("costs", year)]
    )


def any_number(schema: Schema, v: Values, year: str) -> bool:
    """Whether any gain or cost of the year is a figure (``count_excel`` above nought)."""
    names = [f.name for f in schema.of_group("gains", year) + schema.of_group("costs", year)]
    return any(is_number(v.input(n)) for n in names)


def count_excel(schema: Schema, year: str) -> str:
    return f"COUNT({layout.gross_range(schema, year)},{layout.costs_range(schema, year)})"


def net_excel(schema: Schema, year: str) -> str:
    return f"(SUM({layout.gross_range(schema, year)})-SUM({layout.costs_range(schema, year)}))"
