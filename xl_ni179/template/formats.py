"""The plain facts of how our workbooks look, shared by every library that writes them
(openpyxl's styles in ``styles``; XlsxWriter's in ``xl_ni179.consolidate.xlsxwriting``).
No spreadsheet library is imported here, so `ni179 consolidate`, which streams its
workbook with XlsxWriter, does not load openpyxl."""

# Every font is named: a font without a name is shown in whatever the program picks (Calc
# chose a serif), and the row heights and column widths are worked out for Calibri's
# measurements (xl_ni179.template.textfit).
FONT_NAME = "Calibri"
MONEY_FORMAT = "#,##0.0;[Red]-#,##0.0"
PCT_FORMAT = "0.0%"
DATE_FORMAT = "dd/mm/yyyy"
LONG_DATE_FORMAT = "d mmmm yyyy"  # no day/month order to misread
TEXT_FORMAT = "@"
# What Excel and Calc read as the start of a formula when someone types, or edits, a cell.
FORMULA_STARTS = ("=", "+", "-", "@")
