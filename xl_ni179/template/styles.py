"""The look of the workbooks: inputs yellow and unlocked, everything else locked."""

from openpyxl.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

# The font, number formats and formula starts, declared once for every writer (formats.py).
from xl_ni179.template.formats import (  # noqa: F401 - offered here as they always were
    DATE_FORMAT,
    FONT_NAME,
    FORMULA_STARTS,
    LONG_DATE_FORMAT,
    MONEY_FORMAT,
    PCT_FORMAT,
    TEXT_FORMAT,
)
from xl_ni179.text import in_cell

THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
CALC_FILL = PatternFill("solid", fgColor="EDEDED")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_FONT = Font(name=FONT_NAME, bold=True, color="FFFFFF")
TITLE_FONT = Font(name=FONT_NAME, bold=True, size=14, color="1F4E78")
BOLD = Font(name=FONT_NAME, bold=True)
NOTE_FONT = Font(name=FONT_NAME, italic=True, color="595959")
WRAP = Alignment(wrap_text=True, vertical="top")


def style_input(
    cell: Cell | MergedCell, number_format: str | None = None, wrap: bool = False
) -> None:
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
    """Store ``text`` as a plain string, whatever it starts with: partner text is never a formula.

    Text starting with '=' would be written as a formula, so it is forced to a string. Text
    starting with any of ``FORMULA_STARTS`` also gets Excel's quote prefix (the leading
    apostrophe), so it stays text when the consolidator edits the cell: '+cmd|...' or
    '@SUM(...)' would otherwise become a live formula. Control and other hidden characters
    (most of which a workbook cannot hold) are written as visible escapes (``text.in_cell``),
    neither failing the whole workbook nor silently dropped.
    """
    cell.value = in_cell(text)
    if cell.data_type == "f":
        cell.data_type = "s"
    cell.quotePrefix = isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS)
