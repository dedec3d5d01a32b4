"""Where the template's computed cells are, and the formulas they hold.

The builder writes these formulas; the validator regenerates them to recognise an
untouched total and to recompute a total that was pasted over.
"""

from __future__ import annotations

from xl_ni179.partnership import Agreement
from xl_ni179.partnership.targets import counted_years
from xl_ni179.spec.schema import (
    BASELINE_NAME,
    BASELINE_ROW,
    COSTS_HEADER,
    COVER,
    GAINS,
    GROSS_HEADER,
    NET_HEADER,
    STATUS_NAME,
    WORKSTREAMS,
    Schema,
    block_rows,
    costs_name,
    gains_name,
    target_name,
    total_name,
    total_row,
)


def _col(schema: Schema, year: str) -> str:
    return schema.year_column(year)


def year_range(schema: Schema, header: int, year: str) -> str:
    col = _col(schema, year)
    rows = block_rows(header)
    return f"'{GAINS}'!${col}${rows[0]}:${col}${rows[-1]}"


def gross_range(schema: Schema, year: str) -> str:
    return year_range(schema, GROSS_HEADER, year)


def costs_range(schema: Schema, year: str) -> str:
    return year_range(schema, COSTS_HEADER, year)


def net_cells(schema: Schema, year: str) -> list[tuple[str, str, str, str]]:
    """(workstream, net cell, gains name, costs name) for each workstream in ``year``."""
    col = _col(schema, year)
    return [(stream, f"{col}{row}", gains_name(stream, year), costs_name(stream, year))
            for (stream, _), row in zip(WORKSTREAMS, block_rows(NET_HEADER), strict=True)]


def net_formula(gains_name: str, costs_name: str) -> str:
    return f"=N({gains_name})-N({costs_name})"


def total_cells(schema: Schema, year: str) -> dict[str, str]:
    col = _col(schema, year)
    return {kind: f"{col}{total_row(header)}"
            for kind, header in (("gross", GROSS_HEADER), ("costs", COSTS_HEADER), ("net", NET_HEADER))}


def total_formula(schema: Schema, kind: str, year: str) -> str:
    header = {"gross": GROSS_HEADER, "costs": COSTS_HEADER, "net": NET_HEADER}[kind]
    return f"=SUM({year_range(schema, header, year)})"


BASELINE_CELL = f"B{BASELINE_ROW}"
STATUS_CELL = "B13"  # on the Cover sheet
BASELINE_REF = f"'{GAINS}'!$B${BASELINE_ROW}"


def rate_expression(agreement: Agreement, year: str, cumulative: bool) -> str | None:
    """Excel expression for the target rate, mirroring ``xl_ni179.partnership.targets``."""
    if year not in agreement.rates:
        return None

    def pct(y: str) -> str:
        return f"{agreement.rates[y]:g}%"

    if year in agreement.reported_only:
        return pct(year)
    upto = [y for y in counted_years(agreement) if int(y[:4]) <= int(year[:4])]
    if agreement.method == "compound":
        def cum(years: list[str]) -> str:
            return "(" + "*".join(f"(1+{pct(y)})" for y in years) + "-1)"
        if not cumulative and len(upto) > 1:
            return f"({cum(upto)}-{cum(upto[:-1])})"
        return cum(upto)
    if not cumulative:
        return pct(year)
    return "(" + "+".join(pct(y) for y in upto) + ")"


def target_row(index: int, cumulative: bool) -> int:
    """The row of the ``index``-th agreement's annual (or cumulative) target, below the baseline."""
    return BASELINE_ROW + 1 + 2 * index + int(cumulative)


def computed_names(schema: Schema, agreements: list[Agreement]) -> dict[str, tuple[str, str]]:
    """{name: (sheet, cell)} of the computed cells the template names, for an organisation
    in ``agreements``: the status, each block's totals, the baseline and the targets."""
    names = {STATUS_NAME: (COVER, STATUS_CELL), BASELINE_NAME: (GAINS, BASELINE_CELL)}
    for year in schema.years:
        for kind, cell in total_cells(schema, year).items():
            names[total_name(kind, year)] = (GAINS, cell)
    for i, agreement in enumerate(agreements):
        for cumulative in (False, True):
            for year in schema.years:
                if rate_expression(agreement, year, cumulative) is not None:
                    kind = "cumulative" if cumulative else "annual"
                    cell = f"{schema.year_column(year)}{target_row(i, cumulative)}"
                    names[target_name(kind, agreement.code, year)] = (GAINS, cell)
    return names
