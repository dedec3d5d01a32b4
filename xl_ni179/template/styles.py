"""The look of the workbooks: inputs yellow and unlocked, everything else locked."""

from openpyxl.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
CALC_FILL = PatternFill("solid", fgColor="EDEDED")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TITLE_FONT = Font(bold=True, size=14, color="1F4E78")
BOLD = Font(bold=True)
NOTE_FONT = Font(italic=True, color="595959")
WRAP = Alignment(wrap_text=True, vertical="top")
MONEY_FORMAT = "#,##0.0;[Red]-#,##0.0"
PCT_FORMAT = "0.0%"
DATE_FORMAT = "dd/mm/yyyy"


def style_input(cell: Cell | MergedCell, number_format: str | None = None, wrap: bool = False) -> None:
    cell.fill = INPUT_FILL
    cell.border = BOX
    cell.protection = Protection(locked=False)
    if number_format:
        cell.number_format = number_format
    if wrap:
        cell.alignment = WRAP


def style_header(cell: Cell | MergedCell) -> None:
    cell.fill = HEADER_FILL
    cell.font = HEADER_FONT
    cell.alignment = Alignment(wrap_text=True, vertical="center")


def style_calc(cell: Cell | MergedCell, number_format: str = MONEY_FORMAT) -> None:
    cell.fill = CALC_FILL
    cell.border = BOX
    cell.number_format = number_format


def set_text(cell: Cell, text: str) -> None:
    """Store ``text`` as a string even if it starts with '=': partner text is never a formula."""
    cell.value = text
    if cell.data_type == "f":
        cell.data_type = "s"
        cell.quotePrefix = True
