"""An annotated copy of the partner's own workbook: a comment at each finding's cell and a
'Validation results' sheet, so they can fix the return in place and send it back."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from xl_ni179.findings import Report
from xl_ni179.render import verdict
from xl_ni179.template.styles import HEADER_FILL, HEADER_FONT, WRAP, set_text
from xl_ni179.validate import ANNOTATION_SHEET

AUTHOR = "NI 179 validation"


def annotate(report: Report, source: Path, out: Path) -> Path | None:
    """Write the annotated copy; None when the file could not be opened as a workbook."""
    try:
        wb = load_workbook(source)
    except Exception:  # noqa: BLE001 - a file that failed the package checks is not annotated
        return None
    if ANNOTATION_SHEET in wb.sheetnames:
        del wb[ANNOTATION_SHEET]
    by_cell: dict[tuple[str, str], list[str]] = {}
    for f in report.findings:
        if f.sheet in wb.sheetnames and f.cell:
            by_cell.setdefault((f.sheet, f.cell), []).append(f"{f.severity.upper()} {f.code}: {f.message} "
                                                             f"{f.fix}")
    for (sheet, cell), notes in by_cell.items():
        comment = Comment("\n\n".join(notes), AUTHOR)
        comment.width, comment.height = 320, 160
        wb[sheet][cell].comment = comment
    ws = wb.create_sheet(ANNOTATION_SHEET, 0)
    ws["A1"] = verdict(report)
    ws["A1"].font = Font(bold=True, size=14, color="1E7B34" if report.valid else "B00020")
    ws["A2"] = "Each problem is also a comment on its cell. Fix them, then send the workbook again."
    heads = ("Severity", "Sheet", "Cell", "What is wrong", "What to do", "Code")
    for i, head in enumerate(heads, start=1):
        cell = ws.cell(4, i, head)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
    red = PatternFill("solid", fgColor="FFC7CE")
    for row, f in enumerate(report.findings, start=5):
        values = (f.severity + (" (explained)" if f.explained else ""), f.sheet, f.cell, f.message, f.fix, f.code)
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col)
            set_text(cell, value)
            cell.alignment = WRAP
        if f.severity == "error":
            ws.cell(row, 1).fill = red
        if f.sheet in wb.sheetnames and f.cell:
            ws.cell(row, 3).hyperlink = f"#'{f.sheet}'!{f.cell}"
    for col, width in zip("ABCDEF", (12, 12, 8, 60, 60, 26), strict=True):
        ws.column_dimensions[col].width = width
    wb.active = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out
