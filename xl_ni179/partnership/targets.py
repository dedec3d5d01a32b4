"""Target arithmetic: the one place that turns an agreement's rates into money.

Additive (the partnership's method): cumulative rate = sum of annual rates.
Compound (the national CSR07 method): cumulative rate = product of (1 + r) - 1.
Years listed as reported_only carry an annual target but do not count towards the
cumulative one.

Each agreement also counts *gains* from its own first year (``counts_from``): NI 179 is
cumulative from 1 April 2008, so an agreement starting in 2009/10 counts NI 179 at a year
less NI 179 at the end of 2008/09. Comparing gains since April 2008 with a target that
starts a year later would flatter that agreement.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from xl_ni179.partnership.model import NI179_FIRST_YEAR, Agreement, year_start


def counted_years(agreement: Agreement) -> list[str]:
    return [y for y in agreement.years if y not in agreement.reported_only]


@dataclass(frozen=True)
class Rate:
    """One year's agreed rate, a percentage of baseline."""

    percent: float

    def value(self) -> float:
        return self.percent / 100

    def excel(self) -> str:
        return f"{self.percent:g}%"


@dataclass(frozen=True)
class Sum:
    """Rates added up (the additive method)."""

    terms: tuple[Rate, ...]

    def value(self) -> float:
        return sum(t.value() for t in self.terms)

    def excel(self) -> str:
        return "(" + "+".join(t.excel() for t in self.terms) + ")"


@dataclass(frozen=True)
class Growth:
    """Rates compounded: the product of (1 + rate), less 1 (the compound method)."""

    terms: tuple[Rate, ...]

    def value(self) -> float:
        product = 1.0
        for t in self.terms:
            product *= 1 + t.value()
        return product - 1

    def excel(self) -> str:
        return "(" + "*".join(f"(1+{t.excel()})" for t in self.terms) + "-1)"


@dataclass(frozen=True)
class Difference:
    """One compounded rate less another: a compound agreement's in-year rate."""

    now: Growth
    before: Growth

    def value(self) -> float:
        return self.now.value() - self.before.value()

    def excel(self) -> str:
        return f"({self.now.excel()}-{self.before.excel()})"


Term = Rate | Sum | Growth | Difference


def rate_term(agreement: Agreement, year: str, cumulative: bool) -> Term | None:
    """The target rate for ``year`` (cumulative, or in-year) as a term that gives both its value
    (``value()``, a fraction of baseline) and its Excel formula (``excel()``): the template's
    targets and the consolidation's are the same arithmetic. None outside the agreement."""
    if year not in agreement.rates:
        return None
    if year in agreement.reported_only:
        return Rate(agreement.rates[year])
    upto = tuple(
        Rate(agreement.rates[y])
        for y in counted_years(agreement)
        if year_start(y) <= year_start(year)
    )
    if agreement.method == "compound":
        if not cumulative and len(upto) > 1:
            return Difference(Growth(upto), Growth(upto[:-1]))
        return Growth(upto)
    return Sum(upto) if cumulative else Rate(agreement.rates[year])


def cumulative_rate(agreement: Agreement, year: str) -> float | None:
    """Cumulative target for ``year`` as a fraction of baseline, or None outside the agreement."""
    term = rate_term(agreement, year, cumulative=True)
    return None if term is None else term.value()


def annual_rate(agreement: Agreement, year: str) -> float | None:
    """In-year target for ``year`` as a fraction of baseline, or None outside the agreement."""
    term = rate_term(agreement, year, cumulative=False)
    return None if term is None else term.value()


def annual_target(agreement: Agreement, baseline: float, year: str) -> float | None:
    rate = annual_rate(agreement, year)
    return None if rate is None else baseline * rate


def cumulative_target(agreement: Agreement, baseline: float, year: str) -> float | None:
    rate = cumulative_rate(agreement, year)
    return None if rate is None else baseline * rate


def previous_year(year: str) -> str:
    """'2009/10' -> '2008/09'."""
    first = year_start(year) - 1
    return f"{first}/{(first + 1) % 100:02d}"


def base_year(agreement: Agreement) -> str | None:
    """The year whose NI 179 figure is taken off an agreement's gains (the year before it
    starts), or None when it starts with NI 179 itself."""
    if year_start(agreement.counts_from) <= year_start(NI179_FIRST_YEAR):
        return None
    return previous_year(agreement.counts_from)


def counted_gains(
    agreement: Agreement, year: str, ni179: Mapping[str, float | None]
) -> float | None:
    """Gains that count towards ``agreement`` in ``year``, from NI 179 by year (cumulative since
    April 2008). None when a figure it needs is missing.

    From the agreement's first year on: NI 179 at ``year`` less NI 179 at its base year. A year
    before the agreement starts (reported, not counted) is compared with its own rate, so it
    shows NI 179 for that year itself.
    """
    value = _number(ni179.get(year))
    base = base_year(agreement)
    if value is None or base is None or year_start(year) < year_start(agreement.counts_from):
        return value
    before = _number(ni179.get(base))
    return None if before is None else value - before


def basis_text(agreement: Agreement, year: str | None = None, *, inline: bool = False) -> str:
    """What an agreement's gains figure counts, in words: 'gains since April 2009 (the MAA's
    first year)'. A ``year`` before the agreement starts counts that year's gains only.
    ``inline`` avoids brackets, for a phrase that already sits inside some."""
    if year is not None and year_start(year) < year_start(agreement.counts_from):
        why = f"{agreement.label}'s targets start in {agreement.counts_from}"
        return f"gains made in {year} itself" + (f", as {why}" if inline else f" ({why})")
    first = f"{agreement.label}'s first year"
    start = f"gains since April {year_start(agreement.counts_from)}"
    return f"{start}, {first}" if inline else f"{start} ({first})"


def target_notes(agreement: Agreement, years: Sequence[str]) -> list[str]:
    """Why an agreement's targets for ``years`` look as they do, in words an officer can check
    against the figures: a year reported against its own rate but not counted (so two
    cumulative targets can be the same), and the years the agreement sets no target for.
    Rates only, no amounts: the words are the same for every member of the agreement."""
    notes = []
    counted = counted_years(agreement)
    first_counted = next((y for y in counted if y in years), None)
    for year in [y for y in agreement.reported_only if y in years]:
        own = cumulative_rate(agreement, year)
        text = (
            f"{agreement.name}: {year} is reported against its own {agreement.rates[year]:g}% of baseline "
            f"but does not count towards the cumulative target, which starts in {agreement.counts_from} "
            f"({agreement.label}'s first year)."
        )
        then = cumulative_rate(agreement, first_counted) if first_counted else None
        if first_counted is not None and then is not None and own is not None:
            same = ", the same as" if round(then, 9) == round(own, 9) else ", beside"
            text += (
                f" So the cumulative target for {first_counted} is that year's own "
                f"{then * 100:g}%{same} {year}'s {own * 100:g}%."
            )
        notes.append(text)
    outside = [y for y in years if y not in agreement.rates]
    after = [y for y in outside if year_start(y) > year_start(agreement.years[-1])]
    before = [y for y in outside if y not in after]
    if after:
        total = cumulative_rate(agreement, counted[-1]) if counted else None
        whole = f" ({total * 100:.1f}% in all)" if total is not None else ""
        notes.append(
            f"{agreement.name} sets no target for {_and(after)}: its targets end with "
            f"{agreement.years[-1]}{whole}."
        )
    if before:
        notes.append(
            f"{agreement.name} sets no target for {_and(before)}: its targets start in "
            f"{agreement.years[0]}."
        )
    return notes


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _number(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)
