"""The partner workbook's Cover, Forecast, Projects and Sign-off sheets, one function each, and
what every sheet writes alike (titles, notes, defined names, fills). Gains is
``sheets_gains``; Checks and Check details, ``sheets_checks``. Cell places come from the schema."""

from __future__ import annotations

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xl_ni179.checks import dates
from xl_ni179.checks.inputs import MONEY_CEILING
from xl_ni179.partnership import Organisation, Partnership, Round
from xl_ni179.spec import layout
from xl_ni179.spec.schema import (
    DATE,
    FORECAST_FIRST_ROW,
    PROJECT_FIRST_ROW,
    SIGNOFF_FIRST_ROW,
    STATUS_NAME,
    Schema,
)
from xl_ni179.template import textfit
from xl_ni179.template.styles import (
    BOLD,
    LONG_DATE_FORMAT,
    MONEY_FORMAT,
    NOTE_FONT,
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
