"""A recorded sheet (``xl_ni179.consolidate.sheet``) put into an openpyxl worksheet: what the
ribbon copies into the open master workbook (``xl_ni179.excel.ribbon_sheets.copy_sheet``
reads values, formats, widths, heights and merged cells; the charts and the page set-up
stay the shell's own, so they are not written here)."""

from __future__ import annotations

import functools

from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from xl_ni179.consolidate.sheet import BORDER_GREY, Look, Sheet
from xl_ni179.template.styles import FONT_NAME, set_text

_SIDE = Side(style="thin", color=BORDER_GREY)
_BOX = Border(left=_SIDE, right=_SIDE, top=_SIDE, bottom=_SIDE)


@functools.cache
def _parts(look: Look) -> tuple[Font, PatternFill | None, Border | None, Alignment | None]:
    font = Font(
        name=FONT_NAME, bold=look.bold, italic=look.italic, size=look.size, color=look.color
    )
    fill = PatternFill("solid", fgColor=look.fill) if look.fill else None
    align = (
        Alignment(wrap_text=look.wrap or None, vertical=look.valign)
        if look.wrap or look.valign
        else None
    )
    return font, fill, _BOX if look.boxed else None, align


def fill_worksheet(sheet: Sheet, ws: Worksheet) -> Worksheet:
    """Write ``sheet``'s cells, looks, widths, heights, merged cells, panes and filter into ``ws``."""
    for (row, col), (value, look) in sheet.cells.items():
        cell = ws.cell(row, col)
        assert isinstance(cell, Cell), "merged after the values are written"
        if isinstance(value, str):
            set_text(cell, value)  # text stays text; + - = @ get the quote prefix
        else:
            cell.value = value
        font, fill, border, align = _parts(look)
        cell.font = font
        if fill is not None:
            cell.fill = fill
        if border is not None:
            cell.border = border
        if align is not None:
            cell.alignment = align
        if look.number_format != "General":
            cell.number_format = look.number_format
    for col, width in sheet.widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    for row, height in sheet.heights.items():
        ws.row_dimensions[row].height = height
    for r1, c1, r2, c2 in sheet.merged:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    if sheet.frozen:
        ws.freeze_panes = ws.cell(*sheet.frozen).coordinate
    if sheet.filter:
        r1, c1, r2, c2 = sheet.filter
        ws.auto_filter.ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
    return ws
