"""One function per sheet of the partner workbook. Cell places come from the schema."""

from __future__ import annotations

from openpyxl.cell import Cell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xl_ni179.checks import dates
from xl_ni179.checks.data import MONEY_CEILING, Check
from xl_ni179.partnership import Organisation, Partnership, Round, targets
from xl_ni179.rules import RULES
from xl_ni179.rules.base import ACTION, CELL_ACTION, EXPLAINED, PASSED
from xl_ni179.rules.findings import place
from xl_ni179.spec import layout
from xl_ni179.spec.schema import (
    BASELINE_NAME,
    CARRY_CASH_ROW,
    CHECK_DETAILS,
    CHECKS,
    CHECKS_FIRST_ROW,
    COSTS_HEADER,
    DATE,
    FORECAST_FIRST_ROW,
    GROSS_HEADER,
    MEMO_NONCASH_ROW,
    MEMO_ONEOFF_ROW,
    NET_HEADER,
    PROJECT_FIRST_ROW,
    SIGNOFF_FIRST_ROW,
    STATUS_NAME,
    WORKSTREAMS,
    Schema,
    block_rows,
    explain_name,
    target_name,
    total_name,
    total_row,
)
from xl_ni179.template import textfit
from xl_ni179.template.styles import (
    BOLD,
    LONG_DATE_FORMAT,
    MONEY_FORMAT,
    NOTE_FONT,
    PCT_FORMAT,
    TEXT_FORMAT,
    TITLE_FONT,
    WRAP,
    style_calc,
    style_header,
    style_input,
)

GREEN = PatternFill("solid", fgColor="C6EFCE")
AMBER = PatternFill("solid", fgColor="FFEB9C")
RED = PatternFill("solid", fgColor="FFC7CE")
RAG_FILLS = {"Green": GREEN, "Amber": AMBER, "Red": RED}
TOP = Alignment(vertical="top")
BLOCK_HEADING = "Workstream (£000)"
RAG_DEFINITIONS = (
    ("Green", "On track, with clearly identified plans to generate the savings target."),
    (
        "Amber",
        "Some risk to the target, from uncertainty over where savings will arise or risk in the "
        "projects, but the vast majority of savings are achievable.",
    ),
    ("Red", "Significant risks to achieving the target."),
)


def name_cell(ws: Worksheet, name: str, coord: str) -> None:
    col = "".join(c for c in coord if c.isalpha())
    row = "".join(c for c in coord if c.isdigit())
    wb = ws.parent
    assert wb is not None, "a sheet made by Workbook.create_sheet belongs to its workbook"
    wb.defined_names[name] = DefinedName(name, attr_text=f"'{ws.title}'!${col}${row}")


def title(ws: Worksheet, text: str, subtitle: str = "") -> None:
    ws["A1"] = text
    ws["A1"].font = TITLE_FONT
    if subtitle:
        ws["A2"] = subtitle
        ws["A2"].font = BOLD


def note(ws: Worksheet, coord: str, text: str) -> None:
    ws[coord] = text
    ws[coord].font = NOTE_FONT


def cover(ws: Worksheet, p: Partnership, org: Organisation, rnd: Round, blocking_ref: str) -> None:
    title(ws, "NI 179 value for money return", rnd.title)
    years = "; ".join(
        [f"{y} actual" for y in rnd.actual_years] + [f"{y} forecast" for y in rnd.forecast_years]
    )
    values = {
        "Organisation": org.name,
        "Organisation code": org.code,
        "Sector": p.sectors[org.sector].name,
        "Guidance to follow": p.sectors[org.sector].guidance,
        "Collection round": f"{rnd.title} ({rnd.id})",
        "Years in this return": years,
        "Deadline": rnd.deadline.strftime("%d %B %Y").lstrip("0"),
        "Send the completed workbook to": p.consolidator_email,
    }
    for i, label in enumerate(layout.COVER_LABELS, start=layout.COVER_FIRST_ROW):
        ws.cell(i, 1, label).font = BOLD
        ws.cell(i, 1).alignment = TOP  # level with the first line of a value that wraps
        ws.cell(i, 2, values[label]).alignment = WRAP
    status, row = layout.STATUS_CELL, layout.STATUS_ROW
    ws.cell(row, 1, "Status").font = BOLD
    ws[status] = (
        f'=IF({blocking_ref}=0,"Ready to submit",{blocking_ref}&" problem(s) to fix: '
        f'see the Checks sheet")'
    )
    ws[status].font = TITLE_FONT
    ws.row_dimensions[row].height = textfit.row_height(1, TITLE_FONT.sz or textfit.DEFAULT_SIZE)
    ws.conditional_formatting.add(status, FormulaRule(formula=[f"{blocking_ref}=0"], fill=GREEN))
    ws.conditional_formatting.add(status, FormulaRule(formula=[f"{blocking_ref}>0"], fill=RED))
    name_cell(ws, STATUS_NAME, layout.STATUS_CELL)
    instructions = [
        "How to fill in this return",
        "1. Type only in the yellow cells. Everything else is locked; no password or macros are needed.",
        "2. Gains sheet: for each workstream and year, enter ongoing cash-releasing gains in £000, "
        "cumulative since 1 April 2008 (the figure for a year is the gains in place by the end of it), "
        "and the costs of achieving them. Net gains are calculated. Actual years must be complete: "
        "enter 0 where there were none. Fill in forecast years as far as you can.",
        "3. One-off savings and non-cashable gains are memo lines: they do not count towards NI 179.",
        "4. Forecast sheet: rate your confidence of meeting each future year's target Green, Amber or Red, "
        "or leave a year unrated. Amber and Red need a commentary.",
        "5. Projects sheet: expected savings from the shared-service projects you take part in.",
        "6. Sign-off sheet: who prepared the return, the section 151 officer (or equivalent), the date "
        "and a contact email.",
        "7. The Checks sheet lists every check with its result: 'Fix' for an error; 'Explain' for a warning, "
        "which asks you to check the figure and, if it is right, say why there instead of changing it. An "
        "explained warning no longer stops the return being ready. The Check details sheet shows the "
        "cell each check looks at.",
        "8. When the status above says 'Ready to submit', save as an Excel Workbook (.xlsx) and email "
        f"it to {p.consolidator_email}. Do not rename, add or delete sheets, or insert rows.",
    ]
    first = row + 3
    for i, text in enumerate(instructions, start=first):
        ws.cell(i, 1, text).alignment = WRAP  # row heights: xl_ni179.template.printing.fit_rows
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=6)
    ws.cell(first, 1).font = BOLD
    ws.column_dimensions["A"].width = textfit.width_for(list(layout.COVER_LABELS), bold=True)
    ws.column_dimensions["B"].width = 70


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


def forecast(ws: Worksheet, rnd: Round, schema: Schema) -> None:
    title(ws, "Forecast confidence", "How likely is each future year's target to be met?")
    note(
        ws,
        "A3",
        "Choose Green, Amber or Red, or leave a year unrated. Amber and Red need a commentary.",
    )
    for col, label in zip(
        "ABC", ("Year", "Rating", "Commentary (required for Amber or Red)"), strict=True
    ):
        style_header(ws[f"{col}{FORECAST_FIRST_ROW - 1}"])
        ws[f"{col}{FORECAST_FIRST_ROW - 1}"] = label
    # The drop-down offers the three words; nothing is refused as it is typed (see money_validation).
    rag = DataValidation(
        type="list",
        formula1='"Green,Amber,Red"',
        allow_blank=True,
        showErrorMessage=False,
        showInputMessage=True,
        promptTitle="Rating",
        prompt="Green, Amber or Red, from the list.",
    )
    ws.add_data_validation(rag)
    row = FORECAST_FIRST_ROW
    for f in schema.of_group("rag"):
        row = int(f.cell[1:])
        ws.cell(row, 1, f.year).alignment = TOP
        style_input(ws[f.cell])
        ws[f.cell].alignment = TOP
        rag.add(ws[f.cell])
        style_input(ws[f"C{row}"], wrap=True)
        ws.row_dimensions[row].height = 60
    # The legend is a table of its own below the years, so that no year looks rated by it.
    top = row + 2
    style_header(ws.cell(top, 1, "What the ratings mean"))
    ws.merge_cells(start_row=top, start_column=1, end_row=top, end_column=3)
    for i, (rating, text) in enumerate(RAG_DEFINITIONS, start=top + 1):
        ws.cell(i, 1, rating).font = BOLD
        ws.cell(i, 1).fill = RAG_FILLS[rating]
        ws.cell(i, 1).alignment = TOP
        ws.cell(i, 2, text).alignment = WRAP
        ws.merge_cells(start_row=i, start_column=2, end_row=i, end_column=3)
    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 12
    ws.column_dimensions["C"].width = 70


def projects(ws: Worksheet, p: Partnership, org: Organisation) -> None:
    title(ws, "Shared-service projects", "Projects taken forward because of NI 179")
    note(ws, "A3", "Give expected ongoing savings (£000 a year) for the projects you take part in.")
    heads = (
        "Project",
        "Your organisation takes part",
        "Expected ongoing savings (£000 a year)",
        "Progress and comments",
        "Funding",
    )
    for col, label in zip("ABCDE", heads, strict=True):
        style_header(ws[f"{col}{PROJECT_FIRST_ROW - 1}"])
        ws[f"{col}{PROJECT_FIRST_ROW - 1}"] = label
    funding = {f.code: f for f in p.funding}
    for i, project in enumerate(p.projects):
        row = PROJECT_FIRST_ROW + i
        ws.cell(row, 1, project.name)
        ws.cell(row, 2, "Yes" if org.code in project.participants else "No")
        style_input(ws[f"C{row}"], MONEY_FORMAT)
        style_input(ws[f"D{row}"], wrap=True)
        ws.cell(
            row,
            5,
            "; ".join(f"{funding[c].source} £{funding[c].amount:,.0f}" for c in project.funding),
        )
    for col, width in zip("ABCDE", (36, 14, 18, 50, 18), strict=True):
        ws.column_dimensions[col].width = width


def signoff(ws: Worksheet, schema: Schema) -> None:
    title(ws, "Sign-off", "Who prepared and approved this return")
    note(
        ws,
        "A3",
        "By signing off, the section 151 officer (or equivalent) confirms the figures follow "
        "your sector's guidance.",
    )
    for f in schema.of_group("signoff"):
        row = int(f.cell[1:])
        ws.cell(row, 1, f.label + (" *" if f.required else "")).font = BOLD
        style_input(ws[f.cell], TEXT_FORMAT if f.type == DATE else None)
        if f.type == DATE:
            _date_reading(ws, f.cell)
    last = SIGNOFF_FIRST_ROW + len(schema.of_group("signoff"))
    note(ws, f"A{last + 1}", "* required")
    note(
        ws,
        f"A{last + 2}",
        f"Type the date day first or year first, for example {dates.EXAMPLES}. "
        "The grey cell beside it shows the date as it is read.",
    )
    labels = [f.label + " *" for f in schema.of_group("signoff")]
    ws.column_dimensions["A"].width = textfit.width_for(labels, bold=True)
    ws.column_dimensions["B"].width = 45
    ws.column_dimensions[dates.READ_COLUMN].width = 24


def _date_reading(ws: Worksheet, cell: str) -> None:
    """The typed date is text, read the same way whatever the computer's language
    (xl_ni179.checks.dates): step by step in hidden cells, shown in words beside it."""
    cells = dates.cells_for(cell)
    for where, formula in dates.helper_formulas(cell, cells).items():
        ws[where] = formula
    style_calc(ws[cells["read"]], LONG_DATE_FORMAT)
    for column in dates.HELPER_COLUMNS:
        ws.column_dimensions[column].hidden = True


def money_validation(ws: Worksheet, cells: list[str]) -> None:
    """A hint on each money cell, and no message box. A box that stops the entry takes the
    keys typed while it is open (Calc put them in the wrong cells) and can put back a figure
    the officer meant to change; what is wrong is shown on the Checks sheet instead."""
    dv = DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2=str(MONEY_CEILING),
        allow_blank=True,
        showErrorMessage=False,
        showInputMessage=True,
        promptTitle="Amount in £000",
        prompt="A plain number: no £ sign or commas. Enter 0 if there were none.",
    )
    ws.add_data_validation(dv)
    for cell in cells:
        dv.add(ws[cell])


def check_details(ws: Worksheet, data_checks: list[Check]) -> tuple[str, str]:
    """Write the Check details sheet: one row per check of one cell. Returns the references
    of its codes and its results, for the Checks sheet to count failures by rule."""
    title(ws, "Check details", "Each check of each cell, live as you type")
    note(
        ws,
        "A3",
        f"'{CELL_ACTION['error']}' marks an error to correct; '{CELL_ACTION['warning']}' a warning: "
        "if the figure is right, explain it on the Checks sheet instead of changing it.",
    )
    for i, label in enumerate(("Code", "Where", "What", "Result"), start=1):
        style_header(ws.cell(CHECKS_FIRST_ROW - 1, i, label))
    # One row per check, kept to four cells: a return is read cell by cell on receipt, and
    # this table is most of the workbook. The result is 1 (failing) or 0, shown as a word.
    formats = {severity: f'"{word}";"{word}";"{PASSED}"' for severity, word in CELL_ACTION.items()}
    columns: tuple[list[str], list[str], list[str]] = ([], [], [])
    for i, check in enumerate(data_checks, start=CHECKS_FIRST_ROW):
        for index, text in enumerate((check.code, place(check.sheet, check.cell), check.label)):
            ws.cell(i, index + 1, text)
            columns[index].append(text)
        result = ws.cell(i, 4, f"=IF({check.excel},1,0)")
        result.number_format = formats[RULES[check.code].severity]
    end = CHECKS_FIRST_ROW + len(data_checks) - 1
    ws.conditional_formatting.add(
        f"D{CHECKS_FIRST_ROW}:D{end}", FormulaRule(formula=[f"D{CHECKS_FIRST_ROW}=1"], fill=RED)
    )
    # Each column as wide as its longest entry, so that each check stays on one line.
    for letter, entries in zip("ABC", columns, strict=True):
        ws.column_dimensions[letter].width = textfit.width_for(entries, least=10, most=90)
    ws.column_dimensions["D"].width = 10
    ws.freeze_panes = f"A{CHECKS_FIRST_ROW}"
    sheet = f"'{CHECK_DETAILS}'!"
    return f"{sheet}$A${CHECKS_FIRST_ROW}:$A${end}", f"{sheet}$D${CHECKS_FIRST_ROW}:$D${end}"


def checks(ws: Worksheet, schema: Schema, details: tuple[str, str]) -> str:
    """Write the Checks sheet, one row per rule, counting the failures on Check details
    (``details``: its codes and results); return the reference of the blocking-problems total."""
    title(ws, "Checks", "Every check this workbook makes, live as you type")
    note(
        ws,
        "A3",
        "Fix each row marked 'Fix'. A row marked 'Explain' is a warning: check the figure and, "
        "if it is right, say why in column F. The Check details sheet shows which cells fail.",
    )
    heads = (
        "Code",
        "Severity",
        "What is checked",
        "Problems",
        "Status",
        "Explanation (warnings)",
        "Blocking",
    )
    for i, label in enumerate(heads, start=1):
        style_header(ws.cell(CHECKS_FIRST_ROW - 1, i, label))
    explained = schema.of_group("explain")
    warn_codes = [f.name for f in explained]
    in_book = [r for r in RULES.values() if r.in_workbook]
    listed = [
        r for r in RULES.values() if r.severity == "warning" and explain_name(r.code) in warn_codes
    ]
    listed += [r for r in in_book if r.severity == "error"]
    code_rng, fail_rng = details
    for i, rule in enumerate(listed):
        row = CHECKS_FIRST_ROW + i
        ws.cell(row, 1, rule.code)
        ws.cell(row, 2, rule.severity)
        ws.cell(row, 3, rule.title).alignment = WRAP
        for index in (1, 2, 4, 5, 7):  # level with the first line of the title, which wraps
            ws.cell(row, index).alignment = TOP
        if rule.in_workbook:
            ws.cell(row, 4, f"=SUMIF({code_rng},A{row},{fail_rng})")
            explained_word = (
                f'IF(LEN(TRIM(F{row}))>0,"{EXPLAINED}","{rule.action}")'
                if rule.severity == "warning"
                else f'"{rule.action}"'
            )
            ws.cell(row, 5, f'=IF(D{row}=0,"{PASSED}",{explained_word})')
            ws.cell(row, 7, f'=IF(E{row}="{rule.action}",D{row},0)')
        else:
            ws.cell(row, 4, "–")
            ws.cell(
                row, 5, "Checked on receipt"
            ).alignment = WRAP  # wrapped: never over the yellow F
            ws.cell(row, 7, 0)
        if rule.severity == "warning":
            style_input(ws.cell(row, 6), wrap=True)
    end = CHECKS_FIRST_ROW + len(listed) - 1
    total = end + 1
    ws.cell(total, 3, "Problems to fix or explain before submitting").font = BOLD
    ws.cell(total, 7, f"=SUM(G{CHECKS_FIRST_ROW}:G{end})").font = BOLD
    status_range = f"E{CHECKS_FIRST_ROW}:E{end}"
    first = f"E{CHECKS_FIRST_ROW}"
    for word, fill in ((ACTION["error"], RED), (ACTION["warning"], AMBER)):
        ws.conditional_formatting.add(
            status_range, FormulaRule(formula=[f'{first}="{word}"'], fill=fill)
        )
    ws.conditional_formatting.add(
        status_range,
        FormulaRule(formula=[f'OR({first}="{PASSED}",{first}="{EXPLAINED}")'], fill=GREEN),
    )
    ws["A2"] = f'=IF(G{total}=0,"Ready to submit",G{total}&" problem(s) to fix")'
    ws["A2"].font = BOLD
    for col, width in zip("ABCDEFG", (24, 10, 48, 10, 12, 55, 9), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = f"A{CHECKS_FIRST_ROW}"
    return f"'{CHECKS}'!$G${total}"
