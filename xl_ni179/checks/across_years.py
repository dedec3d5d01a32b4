"""The checks that compare one year of a return with another: a forecast below the year
before it, an actual figure restated from what was reported before, gains that fell from
one actual year to the next."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from xl_ni179.checks.base import Check, Values, blank, data_check, is_number
from xl_ni179.checks.computed import any_number, count_excel, net, net_excel
from xl_ni179.rules.data_rules import BELOW_PREVIOUS, GAINS_FELL, RESTATED
from xl_ni179.spec import layout
from xl_ni179.spec.schema import GAINS, TOLERANCE, WORKSTREAMS, Schema, gains_name


@data_check(BELOW_PREVIOUS)
def forecast_below_previous(schema: Schema) -> Iterator[Check]:
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
            f"AND({count_excel(schema, year)}>0,{net_excel(schema, year)}<{net_excel(schema, previous)})",
            lambda v, y=year, p=previous: (
                any_number(schema, v, y)
                and is_number(net(schema, v, y))
                and is_number(net(schema, v, p))
                and net(schema, v, y) < net(schema, v, p)
            ),
            {"year": year, "previous": previous},
            lambda v, y=year, p=previous: {
                "value": net(schema, v, y),
                "before": net(schema, v, p),
            },
        )


def _money(value: Any) -> str:
    return f"£{value:,.1f}k" if is_number(value) else "blank"


@data_check(RESTATED)
def actual_restated(schema: Schema) -> list[Check]:
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
def gains_fell(schema: Schema) -> list[Check]:
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
