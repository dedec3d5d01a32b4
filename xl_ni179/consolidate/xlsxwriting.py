"""The master workbook `ni179 consolidate` writes, streamed by XlsxWriter from recorded sheets.

XlsxWriter writes each cell in a few microseconds and keeps no object per cell, so a
round of hundreds of organisations writes in a fraction of a second (openpyxl took
seconds). Text is always written with ``write_string`` (``write`` would turn partner
text starting with '=' into a formula). The file is byte-for-byte repeatable: the
document's dates are the summary's date and XlsxWriter stamps the zip entries with a fixed
date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xl_ni179.consolidate.sheet import BORDER_GREY, Chart, Look, Sheet
from xl_ni179.template.formats import FONT_NAME
from xl_ni179.template.measure import MARGINS

A4 = 9  # Excel's paper size code
PIXELS_PER_CM = 96 / 2.54
DIGIT_PIXELS = 7  # a digit of Calibri 11, Excel's unit of column width
DASH_WIDTH = 3  # points: the target lines
TEXT_CUT = -2  # what XlsxWriter's write_string returns when it silently shortened the text


def write_workbook(
    sheets: Iterable[Sheet], out: Path, *, title: str, author: str, created: dt.datetime
) -> Path:
    """Write ``sheets`` (ready to print: ``sheet.print_ready``) as one workbook at ``out``; each
    recording may be dropped once written (``sheets`` may be a generator)."""
    wb = xlsxwriter.Workbook(
        str(out),
        {
            "nan_inf_to_errors": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "in_memory": True,
        },
    )
    wb.set_properties({"title": title, "author": author, "created": created})
    formats = _Formats(wb)
    for sheet in sheets:
        _write_sheet(wb, wb.add_worksheet(sheet.name), sheet, formats)
    wb.close()
    return out


class _Formats:
    """One XlsxWriter format per look, made on first use."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.made: dict[Look, Format] = {}

    def __call__(self, look: Look) -> Format:
        found = self.made.get(look)
        if found is None:
            props: dict[str, Any] = {"font_name": FONT_NAME, "font_size": look.size}
            if look.bold:
                props["bold"] = True
            if look.italic:
                props["italic"] = True
            if look.color:
                props["font_color"] = "#" + look.color
            if look.fill:
                props.update(pattern=1, bg_color="#" + look.fill)
            if look.boxed:
                props.update(border=1, border_color="#" + BORDER_GREY)
            if look.wrap:
                props["text_wrap"] = True
            if look.valign:
                props["valign"] = "vcenter" if look.valign == "center" else look.valign
            if look.number_format != "General":
                props["num_format"] = look.number_format
            if look.quote:
                props["quote_prefix"] = True
            found = self.made[look] = self.wb.add_format(props)
        return found


def _write_sheet(wb: Workbook, ws: Worksheet, sheet: Sheet, formats: _Formats) -> None:
    for col, width in sorted(sheet.widths.items()):
        # The width as openpyxl stores it (what the printing estimate uses), in whole pixels.
        ws.set_column_pixels(col - 1, col - 1, int(width * DIGIT_PIXELS + 0.5))
    for row, height in sheet.heights.items():
        ws.set_row(row - 1, height)
    merged = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in sheet.merged}
    by_id: dict[
        int, Format
    ] = {}  # a sheet holds each look alive: its id is a cheaper key than its fields
    write_string, write_number, write_datetime, write_blank = (
        ws.write_string,
        ws.write_number,
        ws.write_datetime,
        ws.write_blank,
    )
    for (row, col), (value, look) in sheet.cells.items():
        fmt = by_id.get(id(look))
        if fmt is None:
            fmt = by_id[id(look)] = formats(look)
        r, c = row - 1, col - 1
        end = merged.get((row, col))
        if end is not None:
            ws.merge_range(r, c, end[0] - 1, end[1] - 1, "", fmt)  # then the value, as text if text
        if value is None or value == "":  # an empty text is a blank cell, as Excel stores one
            write_blank(r, c, None, fmt)
        elif isinstance(value, str):
            if write_string(r, c, value, fmt) == TEXT_CUT:  # over 32,767 UTF-16 units: cut short
                raise ValueError(
                    f"the text for sheet {sheet.name}, cell {xl_rowcol_to_cell(r, c)} is longer "
                    "than a cell can hold, so the master workbook would show it cut short"
                )
        elif isinstance(value, dt.date):
            write_datetime(r, c, value, fmt)
        else:
            write_number(r, c, value, fmt)
    if sheet.frozen:
        ws.freeze_panes(sheet.frozen[0] - 1, sheet.frozen[1] - 1)
    if sheet.filter:
        r1, c1, r2, c2 = sheet.filter
        ws.autofilter(r1 - 1, c1 - 1, r2 - 1, c2 - 1)
    for chart in sheet.chart_list:
        _chart(wb, ws, sheet.name, chart)
    _page_setup(ws, sheet)


def _page_setup(ws: Worksheet, sheet: Sheet) -> None:
    """As ``xl_ni179.template.printing.print_ready`` sets up an openpyxl sheet: A4, one page wide, margins,
    the sheet's name and page number in the footer, title rows, our page breaks."""
    ws.set_paper(A4)
    if sheet.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=MARGINS.left, right=MARGINS.right, top=MARGINS.top, bottom=MARGINS.bottom)
    ws.set_header("", {"margin": MARGINS.header})
    ws.set_footer("&L&A&RPage &P of &N", {"margin": MARGINS.footer})
    if sheet.title_rows:
        ws.repeat_rows(0, sheet.title_rows - 1)
    if sheet.breaks:
        ws.set_h_pagebreaks([row - 1 for row in sheet.breaks])  # a break after row id (1-based)


def _chart(wb: Workbook, ws: Worksheet, name: str, spec: Chart) -> None:
    columns = [s for s in spec.series if not s.line]
    lines = [s for s in spec.series if s.line]
    main = wb.add_chart({"type": "column" if columns else "line"})
    assert main is not None
    line = main if not columns else wb.add_chart({"type": "line"}) if lines else None
    for series in spec.series:
        target = main if not series.line else line
        assert target is not None
        options: dict[str, Any] = {
            "name": [name, series.name[0] - 1, series.name[1] - 1],
            "values": [name, *(x - 1 for x in series.values)],
            "categories": [name, *(x - 1 for x in series.categories)],
        }
        if series.line:
            options["smooth"] = False
            if series.dashed:
                options["line"] = {"dash_type": "dash", "width": DASH_WIDTH}
        target.add_series(options)
    if line is not None and line is not main:
        main.combine(line)
    main.set_title({"name": spec.title})
    main.set_y_axis(
        {"name": spec.y_title, "num_format": spec.y_format, "major_gridlines": {"visible": True}}
    )
    main.set_legend({"position": spec.legend})
    if spec.gaps:
        main.show_blanks_as("gap")
    main.set_size(
        {"width": round(spec.width * PIXELS_PER_CM), "height": round(spec.height * PIXELS_PER_CM)}
    )
    ws.insert_chart(spec.row - 1, spec.col - 1, main, {"object_position": 1})
