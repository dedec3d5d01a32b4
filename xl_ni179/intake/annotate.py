"""The annotated copy sent back with a checked return: a comment at each finding's cell and a
'Validation results' sheet, so the partner can fix the return and send it again.

The copy is a fresh build of OUR template for the return's organisation and round, with the
partner's input values copied in as plain values. The partner's own file is never opened
here: the values come from the report the bounded worker made (``Report.values``) or from
the figures stored with it. So nothing the safety checks rejected, and nothing else the
partner added (sheets, links, formulas, names, macros), can travel back in a reply, and a
hostile file costs this process nothing.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink

from xl_ni179.intake.render import more_line, verdict
from xl_ni179.partnership import Partnership
from xl_ni179.rules import RULES
from xl_ni179.rules.findings import Finding, Report
from xl_ni179.spec.schema import ANNOTATION_SHEET, DATE, TEXT, Schema
from xl_ni179.template.builder import PAGES, build_workbook
from xl_ni179.template.editable import workbook_bytes
from xl_ni179.template.printing import Pages, print_ready
from xl_ni179.template.styles import (
    DATE_FORMAT,
    FONT_NAME,
    HEADER_FILL,
    HEADER_FONT,
    WRAP,
    set_text,
)
from xl_ni179.text import in_cell, quote

AUTHOR = "NI 179 validation"
# A finding's cell is coloured as well as commented: red for an error, amber for a warning
# still to explain, green for a warning the partner has explained.
FILLS = {
    "error": PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
    "explained": PatternFill("solid", fgColor="C6EFCE"),
}
RESULTS_PAGES = Pages()  # its frozen rows (the verdict, the note and the headings) on every page
_CELL = re.compile(r"^[A-Z]{1,3}[1-9]\d{0,6}$")
# Excel (and our reader) read _xHHHH_ in a cell's or comment's text as the character HHHH, and
# openpyxl writes text as it is. A partner's text can hold those seven characters (their Excel
# saved them as _x005F_x202E_), so they are escaped the same way, or the copy would show a
# right-to-left override or a bell in their place, and refuse to be read when sent back.
_LITERAL_ESCAPE = re.compile(r"(_x[0-9A-Fa-f]{4}_)")


def _as_written(text: str) -> str:
    """``text`` for openpyxl to write so that Excel shows these very characters."""
    return _LITERAL_ESCAPE.sub(r"_x005F\1", text) if "_x" in text else text


def annotatable(p: Partnership, report: Report) -> bool:
    """Whether a checked copy may go back with this report.

    Never after a file-level rejection (the file was not read: zip bomb, DDE, external
    link, macros, damage...), nor when the file did not show which of our organisations
    and rounds it is (not our template): then the findings go back without a workbook.
    """
    if any(_whole_file(f.code) for f in report.findings):
        return False
    return p.find_organisation(report.organisation or "") is not None and any(
        r.id == report.round_id for r in p.rounds
    )


def _whole_file(code: str) -> bool:
    rule = RULES.get(code)
    return rule is None or rule.category == "file"  # an unknown code: assume the worst


def annotated_bytes(p: Partnership, report: Report) -> bytes | None:
    """The checked copy as .xlsx bytes; None when nothing may go back (see ``annotatable``)."""
    if not annotatable(p, report):
        return None
    wb, schema, _ = build_workbook(
        p, str(report.organisation), p.round(report.round_id), report.prefill
    )
    if report.prefill is not None:
        for f in schema.prefill_fields():  # a prefilled figure the partner cleared stays cleared
            if report.values.get(f.name) is None:
                wb[f.sheet][f.cell].value = None
    _copy_values(wb, schema, report.values)
    _comment_cells(wb, report)
    _results_sheet(wb, report)
    for name, pages in PAGES.items():  # again: the partner's text can make rows taller
        print_ready(wb[name], pages)
    print_ready(wb[ANNOTATION_SHEET], RESULTS_PAGES)
    wb.active = 0
    return workbook_bytes(wb, schema)


def annotate(p: Partnership, report: Report, out: Path) -> Path | None:
    """Write the checked copy to ``out``; None (and nothing written) when nothing may go back."""
    data = annotated_bytes(p, report)
    if data is None:
        return None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


def _copy_values(wb: Workbook, schema: Schema, values: dict[str, Any]) -> None:
    """Each input the partner gave, as a number or as text: never a formula, link or style.

    Text where a figure, date, rating or address belongs is wrong whatever it says: its
    first few hundred characters are enough to find it, and the copy stays small."""
    for f in schema.fields:
        value = values.get(f.name)
        if value is None:
            continue
        cell = wb[f.sheet][f.cell]
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            cell.value = value
            if f.type == DATE:  # a date given as a date, not typed as text: shown as one
                cell.number_format = DATE_FORMAT
        else:
            set_text(cell, _as_written(str(value) if f.type == TEXT else quote(str(value))))


def _kind(f: Finding) -> str:
    return "explained" if f.explained else f.severity


def _comment_cells(wb: Workbook, report: Report) -> None:
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in report.listed()[0]:
        if f.sheet in wb.sheetnames and _CELL.match(f.cell or ""):
            by_cell.setdefault((f.sheet, f.cell), []).append(f)
    for (sheet, cell), found in by_cell.items():
        notes = [f"{f.severity.upper()} {f.code}: {f.message} {f.fix}" for f in found]
        comment = Comment(_as_written(in_cell("\n\n".join(notes))), AUTHOR)
        comment.width, comment.height = 320, 160
        target = wb[sheet][cell]
        target.comment = comment
        # The worst finding's colour: an error over a warning over an explained one.
        worst = min((_kind(f) for f in found), key=list(FILLS).index)
        if not isinstance(target, MergedCell):
            target.fill = FILLS[worst]


def _results_sheet(wb: Workbook, report: Report) -> None:
    ws = wb.create_sheet(ANNOTATION_SHEET, 0)
    ws["A1"] = verdict(report)
    ws["A1"].font = Font(
        name=FONT_NAME, bold=True, size=14, color="1E7B34" if report.valid else "B00020"
    )
    ws["A2"] = (
        "Each problem is also a comment on its cell, coloured red for an error and amber for a warning. "
        "Fix each error; check each warning and, if the figure is right, explain it on the Checks "
        "sheet. Then send the workbook again."
    )
    heads = ("Severity", "Sheet", "Cell", "What is wrong", "What to do", "Code")
    for i, head in enumerate(heads, start=1):
        cell = ws.cell(4, i, head)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
    listed, omitted = report.listed()
    if omitted:  # a file that breaks one rule thousands of times: the list says how often
        set_text(
            ws.cell(5 + len(listed), 4),
            more_line(omitted, "fix those listed and check the workbook again before sending it"),
        )
    for row, f in enumerate(listed, start=5):
        values = (
            f.severity + (" (explained)" if f.explained else ""),
            f.sheet,
            f.cell,
            f.message,
            f.fix,
            f.code,
        )
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col)
            set_text(cell, _as_written(value))
            cell.alignment = WRAP
        ws.cell(row, 1).fill = FILLS[_kind(f)]
        if f.sheet in wb.sheetnames and _CELL.match(f.cell or ""):
            # A link within the workbook (a location, not a relationship): the copy has no
            # external relationship at all.
            ws.cell(row, 3).hyperlink = Hyperlink(ref="", location=f"'{f.sheet}'!{f.cell}")
    for letter, width in zip("ABCDEF", (12, 12, 8, 60, 60, 26), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A5"
