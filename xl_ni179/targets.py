"""Target arithmetic: the one place that turns an agreement's rates into money.

Additive (the partnership's method): cumulative rate = sum of annual rates.
Compound (the national CSR07 method): cumulative rate = product of (1 + r) - 1.
Years listed as reported_only carry an annual target but do not count towards the
cumulative one.
"""

from __future__ import annotations

from xl_ni179.config import Agreement, year_start


def counted_years(agreement: Agreement) -> list[str]:
    return [y for y in agreement.years if y not in agreement.reported_only]


def cumulative_rate(agreement: Agreement, year: str) -> float | None:
    """Cumulative target for ``year`` as a fraction of baseline, or None outside the agreement."""
    if year not in agreement.rates:
        return None
    if year in agreement.reported_only:
        return agreement.rates[year] / 100
    upto = [agreement.rates[y] / 100 for y in counted_years(agreement) if year_start(y) <= year_start(year)]
    if agreement.method == "compound":
        product = 1.0
        for rate in upto:
            product *= 1 + rate
        return product - 1
    return sum(upto)


def annual_rate(agreement: Agreement, year: str) -> float | None:
    """In-year target for ``year`` as a fraction of baseline, or None outside the agreement."""
    if year not in agreement.rates:
        return None
    if year in agreement.reported_only or agreement.method == "additive":
        return agreement.rates[year] / 100
    counted = counted_years(agreement)
    index = counted.index(year)
    previous = cumulative_rate(agreement, counted[index - 1]) if index else 0.0
    return cumulative_rate(agreement, year) - previous  # type: ignore[operator]


def annual_target(agreement: Agreement, baseline: float, year: str) -> float | None:
    rate = annual_rate(agreement, year)
    return None if rate is None else baseline * rate


def cumulative_target(agreement: Agreement, baseline: float, year: str) -> float | None:
    rate = cumulative_rate(agreement, year)
    return None if rate is None else baseline * rate
