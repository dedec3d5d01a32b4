"""The partner workbook's Gains sheet: the gross, costs and net blocks by workstream and
year, the memo lines, the carry-forward, and the baseline and targets. Cell places come from
the schema."""

from __future__ import annotations

from openpyxl.cell import Cell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xl_ni179.partnership import Organisation, Partnership, Round, targets
from xl_ni179.spec import layout
from xl_ni179.spec.schema import (
    BASELINE_NAME,
    CARRY_CASH_ROW,
    COSTS_HEADER,
    GROSS_HEADER,
    MEMO_NONCASH_ROW,
    MEMO_ONEOFF_ROW,
    NET_HEADER,
    WORKSTREAMS,
    Schema,
    block_rows,
    target_name,
    total_name,
    total_row,
)
from xl_ni179.template.sheets import name_cell, note, title
from xl_ni179.template.styles import (
    BOLD,
    MONEY_FORMAT,
    NOTE_FONT,
    PCT_FORMAT,
    style_calc,
    style_header,
    style_input,
)

BLOCK_HEADING = "Workstream (£000)"


def gains(ws: Worksheet, p: Partnership, org: Organisation, rnd: Round, schema: Schema) -> None:
    title(ws, "Gains: ongoing cash-releasing value for money gains (£000)", org.name)
    note(
        ws,
        "A3",
        "Cumulative since 1 April 2008. Enter 0 where there are none; actual years must be "
        "complete. Net gains and totals are calculated.",
    )
    blocks = (
        (GROSS_HEADER, "A. Gross ongoing cash-releasing gains", "gains"),
        (COSTS_HEADER, "B. Costs of achieving the gains", "costs"),
        (NET_HEADER, "C. Net gains (NI 179)", None),
    )
    for header, label, group in blocks:
        # The heading row names no block: the first one stays on screen (frozen) and on
        # every printed page over all three. Each block's title is on the row below it.
        _year_header(ws, header, BLOCK_HEADING, rnd, schema)
        ws.cell(header + 1, 1, label).font = BOLD
        for (_code, ws_label), row in zip(WORKSTREAMS, block_rows(header), strict=True):
            ws.cell(row, 1, ws_label)
        for year in rnd.years:
            if group:
                for f in schema.of_group(group, year):
                    style_input(ws[f.cell], MONEY_FORMAT)
            else:
                for _ws, cell, g, c in layout.net_cells(schema, year):
                    ws[cell] = layout.net_formula(g, c)
                    style_calc(ws[cell])
            kind = {"gains": "gross", "costs": "costs", None: "net"}[group]
            cell = layout.total_cells(schema, year)[kind]
            ws[cell] = layout.total_formula(schema, kind, year)
            style_calc(ws[cell])
            ws[cell].font = BOLD
            name_cell(ws, total_name(kind, year), cell)
            ws.cell(total_row(header), 1, "Total").font = BOLD
    _year_header(
        ws, MEMO_ONEOFF_ROW - 1, "Memo: do not count towards NI 179", rnd, schema, kinds=False
    )
    ws.cell(MEMO_ONEOFF_ROW, 1, "One-off savings")
    ws.cell(MEMO_NONCASH_ROW, 1, "Non-cashable gains")
    for f in schema.of_group("memo"):
        style_input(ws[f.cell], MONEY_FORMAT)
    carry = schema.of_group("carry_forward")
    style_header(
        ws.cell(
            CARRY_CASH_ROW - 1, 1, "2004 spending review over-achievement carried forward (£000)"
        )
    )
    for f, label in zip(carry, ("Cashable", "Non-cashable"), strict=True):
        ws[f"A{f.cell[1:]}"] = label
        style_input(ws[f.cell], MONEY_FORMAT)
    _targets(ws, p, org, rnd, schema)
    ws.column_dimensions["A"].width = 58
    for i in range(len(rnd.years)):
        ws.column_dimensions[get_column_letter(2 + i)].width = 14
    ws.freeze_panes = f"B{GROSS_HEADER + 1}"  # the year headings stay on screen


def _year_header(
    ws: Worksheet, row: int, label: str, rnd: Round, schema: Schema, kinds: bool = True
) -> None:
    style_header(ws.cell(row, 1, label))
    for year in rnd.years:
        col = schema.year_column(year)
        style_header(ws[f"{col}{row}"])
        year_heading(ws[f"{col}{row}"], year)
        if kinds:
            ws[f"{col}{row + 1}"] = "Actual" if rnd.is_actual(year) else "Forecast"
            ws[f"{col}{row + 1}"].font = NOTE_FONT


def year_heading(cell: Cell, year: str) -> None:
    """A year heading over an input column, written as a number that shows as the year:
    2008 formatted 0"/09". Calc's AutoInput (on by default) completes what is typed from the
    text in the same column, so a text heading "2008/09" turned a typed 2, 20, 200 or 201
    into "2008/09"; Excel's AutoComplete does the same. Numbers are never completed from."""
    cell.value = int(year[:4])
    cell.number_format = f'0"{year[4:]}"'
    cell.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)


def _targets(ws: Worksheet, p: Partnership, org: Organisation, rnd: Round, schema: Schema) -> None:
    top = layout.BASELINE_CELL
    row = int(top[1:])
    _year_header(ws, row - 1, "Baseline and targets (£000)", rnd, schema, kinds=False)
    ws.cell(row, 1, "2007/08 baseline expenditure")
    ws[top] = org.baseline
    style_calc(ws[top])
    name_cell(ws, BASELINE_NAME, top)
    row += 1
    for agreement in p.agreements_of(org.code):
        for cumulative in (False, True):
            kind = "cumulative" if cumulative else "annual"
            ws.cell(row, 1, f"{agreement.name}: {kind} target")
            for year in rnd.years:
                expr = layout.rate_expression(agreement, year, cumulative)
                if expr is None:
                    continue
                cell = f"{schema.year_column(year)}{row}"
                ws[cell] = f"=$B${layout.BASELINE_ROW}*{expr}"
                style_calc(ws[cell])
                name_cell(ws, target_name(kind, agreement.code, year), cell)
            row += 1
    ws.cell(row, 1, "Progress: net gains plus cashable carry-forward").font = BOLD
    ws.cell(row + 1, 1, "Progress as a share of baseline")
    carry = schema.field("carry_forward_cashable").cell
    for year in rnd.years:
        col = schema.year_column(year)
        net = layout.total_cells(schema, year)["net"]
        ws[f"{col}{row}"] = f"={net}+N($B${carry[1:]})"
        style_calc(ws[f"{col}{row}"])
        ws[f"{col}{row + 1}"] = f"={col}{row}/$B${layout.BASELINE_ROW}"
        style_calc(ws[f"{col}{row + 1}"], PCT_FORMAT)
    # Why two targets can be the same, or a year have none (fit_rows wraps each note across the block).
    notes = [n for a in p.agreements_of(org.code) for n in targets.target_notes(a, rnd.years)]
    for i, text in enumerate(notes, start=row + 3):
        note(ws, f"A{i}", text)
