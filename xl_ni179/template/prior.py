"""The Gains sheet's "as reported" column: figures prefilled from an earlier return.

Every template of a round that has prefill years carries the column, so the layout and
the Checks sheet are the same for every organisation; only its content differs. That
content is locked, and ``prior_content`` gives it for any prefill (or none), so the
validator can rebuild what a genuine template held.
"""

from __future__ import annotations

from typing import Any

from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from xl_ni179.spec.prefill import Prefill
from xl_ni179.spec.schema import COSTS_HEADER, GAINS, GROSS_HEADER, MEMO_ONEOFF_ROW, Schema
from xl_ni179.template.styles import FONT_NAME, MONEY_FORMAT, NOTE_FONT, style_calc, style_header

NOTE_CELL = "A4"
HEADER_ROWS = (GROSS_HEADER, COSTS_HEADER, MEMO_ONEOFF_ROW - 1)
PRIOR_FONT = Font(name=FONT_NAME, italic=True, color="404040")


def _years(years: list[str]) -> str:
    return years[0] if len(years) == 1 else ", ".join(years[:-1]) + " and " + years[-1]


def prior_content(schema: Schema, prefill: Prefill | None) -> dict[tuple[str, str], Any]:
    """{(sheet, cell): content} of the cells that depend on the prefill."""
    if not schema.prefill_years:
        return {}
    out: dict[tuple[str, str], Any] = {}
    covered = [y for y in schema.prefill_years if prefill is not None and prefill.covers(y, schema)]
    if prefill is not None and covered:
        columns = _years([schema.prior_column(y) for y in covered])
        out[(GAINS, NOTE_CELL)] = (
            f"The {_years(covered)} figures are filled in as you reported them in {prefill.round_title}; "
            f"column {columns} keeps them as reported. Change one only to restate it: the Checks sheet "
            "then asks you to explain why."
        )
    else:
        out[(GAINS, NOTE_CELL)] = (
            f"You have no accepted earlier return with {_years(list(schema.prefill_years))} "
            "figures, so enter them in full."
        )
    for year in schema.prefill_years:
        col = schema.prior_column(year)
        mark = (
            f"{year} as reported in {prefill.round_title}"
            if year in covered and prefill is not None
            else f"{year} as reported before: none"
        )
        for row in HEADER_ROWS:
            out[(GAINS, f"{col}{row}")] = mark
    if prefill is not None:
        for f in schema.prefill_fields():
            if f.name in prefill.values:
                out[(GAINS, schema.prior_cell(f))] = prefill.values[f.name]
    return out


def draw(ws: Worksheet, schema: Schema, prefill: Prefill | None) -> None:
    """Write the column and fill the inputs it prefills (they stay editable)."""
    if not schema.prefill_years:
        return
    for (_sheet, coord), value in prior_content(schema, prefill).items():
        ws[coord] = value
    ws[NOTE_CELL].font = NOTE_FONT
    for year in schema.prefill_years:
        col = schema.prior_column(year)
        ws.column_dimensions[col].width = 26  # its heading on two lines
        for row in HEADER_ROWS:
            style_header(ws[f"{col}{row}"])
        for f in schema.prefill_fields():
            if f.year == year:
                cell = ws[schema.prior_cell(f)]
                style_calc(cell, MONEY_FORMAT)
                cell.font = PRIOR_FONT
    if prefill is not None:
        for f in schema.prefill_fields():
            if f.name in prefill.values:
                ws[f.cell] = prefill.values[f.name]
