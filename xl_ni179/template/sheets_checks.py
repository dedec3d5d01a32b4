"""The partner workbook's Checks sheet (one row per rule, counting failures) and Check details
sheet (one row per check of one cell, live as the partner types)."""

from __future__ import annotations

from openpyxl.formatting.rule import FormulaRule
from openpyxl.worksheet.worksheet import Worksheet

from xl_ni179.checks.base import Check
from xl_ni179.rules import RULES
from xl_ni179.rules.base import ACTION, CELL_ACTION, EXPLAINED, PASSED
from xl_ni179.rules.findings import place
from xl_ni179.spec.schema import CHECK_DETAILS, CHECKS, CHECKS_FIRST_ROW, Schema, explain_name
from xl_ni179.template import textfit
from xl_ni179.template.sheets import AMBER, GREEN, RED, TOP, note, title
from xl_ni179.template.styles import BOLD, WRAP, style_header, style_input


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
