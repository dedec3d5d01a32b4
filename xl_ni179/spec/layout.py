"""Where the template's computed cells are, and the formulas they hold.

The builder writes these formulas; the validator regenerates them to recognise an
untouched total and to recompute a total that was pasted over.
"""

from __future__ import annotations

from xl_ni179.partnership import Agreement
from xl_ni179.partnership.targets import rate_term
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
    return [
        (stream, f"{col}{row}", gains_name(stream, year), costs_name(stream, year))
        for (stream, _), row in zip(WORKSTREAMS, block_rows(NET_HEADER), strict=True)
    ]


def net_formula(gains_name: str, costs_name: str) -> str:
    return f"=N({gains_name})-N({costs_name})"


def total_cells(schema: Schema, year: str) -> dict[str, str]:
    col = _col(schema, year)
    return {
        kind: f"{col}{total_row(header)}"
        for kind, header in (("gross", GROSS_HEADER), ("costs", COSTS_HEADER), ("net", NET_HEADER))
    }


def total_formula(schema: Schema, kind: str, year: str) -> str:
    header = {"gross": GROSS_HEADER, "costs": COSTS_HEADER, "net": NET_HEADER}[kind]
    return f"=SUM({year_range(schema, header, year)})"


BASELINE_CELL = f"B{BASELINE_ROW}"
# The Cover sheet: a label in column A and its value in column B, a row each from
# COVER_FIRST_ROW in this order, then the return's status after a blank row.
COVER_LABELS = (
    "Organisation",
    "Organisation code",
    "Sector",
    "Guidance to follow",
    "Collection round",
    "Years in this return",
    "Deadline",
    "Send the completed workbook to",
)
COVER_FIRST_ROW = 4
STATUS_ROW = COVER_FIRST_ROW + len(COVER_LABELS) + 1


def cover_cell(label: str) -> str:
    """The Cover sheet's cell holding the value labelled ``label``."""
    return f"B{COVER_FIRST_ROW + COVER_LABELS.index(label)}"


COVER_CODE_CELL = cover_cell("Organisation code")  # the validator reads the sender's code here
STATUS_CELL = f"B{STATUS_ROW}"
BASELINE_REF = f"'{GAINS}'!$B${BASELINE_ROW}"


def rate_expression(agreement: Agreement, year: str, cumulative: bool) -> str | None:
    """Excel expression for the target rate: the Excel form of ``xl_ni179.partnership.targets``'s term."""
    term = rate_term(agreement, year, cumulative)
    return None if term is None else term.excel()


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
