"""File rules: is the returned file an ordinary .xlsx workbook that is safe to read?

These are checked on receipt, before and while the workbook is parsed
(``xl_ni179.intake.safety``), so every one is an error: a file that fails one is not read
further. Messages are written for finance staff; the ``detail`` parameter carries the
specific reason (which part, which limit) for whoever supports them.
"""

from __future__ import annotations

from xl_ni179.rules.base import Rule, register


def _rule(code: str, title: str, message: str, fix: str) -> Rule:
    return register(Rule(code, "error", "file", title, message, fix))


SAVE_AS_XLSX = (
    "Open it in Excel and use File > Save As > Excel Workbook (*.xlsx), then send that file."
)
RESAVE = (
    "Open your saved copy of the return in Excel, use File > Save As > Excel Workbook "
    "(*.xlsx) to save it under a new name, and send that new file."
)
TAMPERED = (
    RESAVE + " If you did not send this file yourself, do not open it; tell the collection team."
)

EMPTY_FILE = _rule(
    "empty-file",
    "The file is not empty.",
    "This file is empty: it contains no data at all.",
    "Open your return in Excel, check your figures are there, save it, then attach the saved "
    ".xlsx file to a new email.",
)
NOT_A_WORKBOOK = _rule(
    "not-a-workbook",
    "The file is an Excel workbook.",
    "This file is not an Excel workbook ({detail}).",
    "Enter your figures in the return template, save it in Excel as Excel Workbook (*.xlsx) "
    "and send that file.",
)
LEGACY_XLS = _rule(
    "legacy-xls",
    "The file is not an old-format Excel 97-2003 workbook.",
    "This file is an old Excel 97-2003 workbook (.xls).",
    SAVE_AS_XLSX,
)
PASSWORD_PROTECTED = _rule(
    "password-protected",
    "The file does not need a password to open.",
    "This workbook needs a password to open, so it cannot be read.",
    "Remove the password: in Excel open File > Info > Protect Workbook > Encrypt with "
    "Password, clear it and press OK, then save and send the file again. (Protecting "
    "sheets without a password to open is fine.)",
)
BINARY_XLSB = _rule(
    "binary-xlsb",
    "The file is not an Excel Binary Workbook (.xlsb).",
    "This file is an Excel Binary Workbook (.xlsb), which we cannot read.",
    SAVE_AS_XLSX,
)
ODS_FILE = _rule(
    "ods-file",
    "The file is not an OpenDocument spreadsheet (.ods).",
    "This file is an OpenDocument spreadsheet (.ods), for example from LibreOffice, not an "
    "Excel workbook.",
    "Open it and use File > Save As, choose the file type 'Excel 2007-365 (.xlsx)' or 'Excel "
    "Workbook (*.xlsx)', keep that format when asked, and send the .xlsx file.",
)
CSV_FILE = _rule(
    "csv-file",
    "The file is not a CSV or text export.",
    "This file is a CSV or text file, not an Excel workbook: it has lost the return's sheets, "
    "checks and formatting.",
    "Enter your figures in the return template itself, save it as Excel Workbook (*.xlsx) and "
    "send that file. Do not use File > Save As > CSV.",
)
HTML_FILE = _rule(
    "html-file",
    "The file is not a web page saved as a spreadsheet.",
    "This file is a web page (HTML), not an Excel workbook, although its name looks like one.",
    "Open the return template in Excel and use File > Save As > Excel Workbook (*.xlsx); do not "
    "save as 'Web Page' or download an export from a website. Send the .xlsx file.",
)
CORRUPT_FILE = _rule(
    "corrupt-file",
    "The file is undamaged and can be read.",
    "This file is damaged and cannot be read ({detail}).",
    "Open your saved copy in Excel. If it opens, use File > Save As > Excel Workbook (*.xlsx) "
    "under a new name and send that file; if it does not, send your last good copy again.",
)
DUPLICATE_PART = _rule(
    "duplicate-part",
    "No part of the file is stored twice.",
    "This file was put together incorrectly: it holds two copies of the same internal part "
    "({detail}), so it is unclear which one Excel would use.",
    TAMPERED,
)
UNSAFE_PART_PATH = _rule(
    "unsafe-part-path",
    "Every internal part has an ordinary name.",
    "This file contains an internal part with an unsafe name ({detail}), a sign that it has "
    "been tampered with.",
    TAMPERED,
)
TOO_LARGE = _rule(
    "too-large",
    "The file is no larger than a return can be.",
    "This file is far larger than a return should be ({detail}).",
    "Remove anything that is not part of the return (pictures, extra sheets, data pasted "
    "beside or below the tables), save it as Excel Workbook (*.xlsx) and send it again.",
)
ZIP_BOMB = _rule(
    "zip-bomb",
    "The file does not expand to a huge size when opened.",
    "This file would expand to a huge size when opened ({detail}); it is damaged or has been "
    "tampered with.",
    TAMPERED,
)
TOO_MANY_PARTS = _rule(
    "too-many-parts",
    "The file has no more internal parts than a return can have.",
    "This file contains far more internal parts (sheets, pictures, objects) than a return "
    "should ({detail}).",
    "Delete the sheets, pictures and objects you added to the return, save it as Excel "
    "Workbook (*.xlsx) and send it again.",
)
XML_DTD = _rule(
    "xml-dtd",
    "No part of the file declares a document type (DTD).",
    "This file contains a document type declaration (DTD), which Excel never writes ({detail}); "
    "it may have been made to attack the program reading it, so it was not opened.",
    TAMPERED,
)
MACROS = _rule(
    "macros",
    "The workbook contains no macros.",
    "This workbook contains macros ({detail}), which we do not accept.",
    "Delete any macro sheets, then use File > Save As > Excel Workbook (*.xlsx) and click Yes "
    "when Excel warns that macros will be removed. Send the .xlsx file.",
)
EXTERNAL_LINK = _rule(
    "external-link",
    "The workbook has no links to other files.",
    "This workbook links to another file or location ({detail}).",
    "Remove the links: in Excel use Data > Edit Links (or Workbook Links) > Break Link, replace "
    "any linked pictures with copies, then save and send the file again.",
)
DDE_LINK = _rule(
    "dde-link",
    "The workbook has no DDE links or formulas.",
    "This workbook contains a DDE link or formula, which can start other programs ({detail}).",
    "Delete the formula or link (Data > Edit Links > Break Link), save and send the file "
    "again. If you did not put it there, do not open the file; tell the collection team.",
)
DATA_CONNECTION = _rule(
    "data-connection",
    "The workbook has no data connections or queries.",
    "This workbook contains a data connection or query that fetches data from elsewhere "
    "({detail}).",
    "Remove it: in Excel use Data > Queries & Connections, right-click each one and Delete "
    "(paste the figures as values first if you need them), then save and send the file again.",
)
EMBEDDED_OBJECT = _rule(
    "embedded-object",
    "The workbook has no embedded files or controls.",
    "This workbook contains an embedded file, object or control ({detail}).",
    "Delete the object (click it and press Delete), save the workbook and send it again.",
)
AMBIGUOUS_PACKAGE = _rule(
    "ambiguous-package",
    "The file's parts can be read only one way.",
    "This file is put together in a way that spreadsheet programs can read differently "
    "({detail}), so the figures Excel or LibreOffice show could differ from the ones we would record.",
    TAMPERED,
)
AMBIGUOUS_CELL = _rule(
    "ambiguous-cell",
    "Every cell is written so that every spreadsheet program shows the same thing.",
    "On the sheet '{sheet}', {place} is written in a way that spreadsheet programs show "
    "differently ({detail}), so we cannot tell which figure you see there.",
    TAMPERED,
)
STRICT_XLSX = _rule(
    "strict-xlsx",
    "The file is an ordinary Excel Workbook, not 'Strict Open XML'.",
    "This file is saved as 'Strict Open XML Spreadsheet', a variant of .xlsx we do not read.",
    "Open it in Excel and use File > Save As > Excel Workbook (*.xlsx) (not 'Strict Open XML "
    "Spreadsheet'), then send that file.",
)
OUTWARD_FORMULA = _rule(
    "outward-formula",
    "No formula reaches outside the workbook.",
    "A formula in this workbook reaches outside it ({detail}): opening the file could fetch or "
    "send data, or start another program.",
    "Delete that formula (look on every sheet, in conditional formatting and data validation, "
    "and in Formulas > Name Manager), save and send the file again. If you did not put it "
    "there, do not open the file; tell the collection team.",
)
MISSING_PART = _rule(
    "missing-part",
    "The file has every part an Excel workbook needs.",
    "This file is incomplete: a part every Excel workbook has is missing ({detail}).",
    RESAVE,
)
SHEET_TOO_LARGE = _rule(
    "sheet-too-large",
    "Every sheet stays within the area a return can use.",
    "Sheet '{sheet}' uses cells as far as {cell}, far beyond the return's area (a return may "
    "use at most {rows} rows and {columns} columns).",
    "Delete any content or formatting outside the return's tables: select the extra rows (or "
    "columns) up to {cell}, right-click > Delete, then save and send the file again.",
)
TOO_MANY_CELLS = _rule(
    "too-many-cells",
    "The workbook has no more filled cells than a return can have.",
    "This workbook contains far more filled cells than a return should ({detail}).",
    "Delete data pasted into the return that is not part of it (and any extra sheets), then "
    "save and send the file again.",
)
TOO_MUCH_TEXT = _rule(
    "too-much-text",
    "The workbook holds no more text than a return can.",
    "This workbook contains far more text than a return should ({detail}).",
    "Delete text pasted into the return that is not part of it, then save and send the file again.",
)
PARSE_TIMEOUT = _rule(
    "parse-timeout",
    "The file can be read in reasonable time.",
    "Reading this file took too long (over {seconds:g} seconds), so it was stopped.",
    "Save it again from Excel as Excel Workbook (*.xlsx), removing anything that is not part "
    "of the return, and send it again. If this happens again, contact the collection team.",
)
PARSE_MEMORY = _rule(
    "parse-memory",
    "The file can be read within the memory allowed.",
    "Reading this file needed too much memory (over {megabytes} MB), so it was stopped.",
    "Save it again from Excel as Excel Workbook (*.xlsx), removing anything that is not part "
    "of the return, and send it again. If this happens again, contact the collection team.",
)
PARSE_CRASHED = _rule(
    "parse-crashed",
    "The program reading the file finishes normally.",
    "The program reading this file stopped unexpectedly, so the file could not be checked.",
    "Save it again from Excel as Excel Workbook (*.xlsx) and send it again. If this happens "
    "again, contact the collection team, who will look into it.",
)
NOT_A_REGULAR_FILE = _rule(
    "not-a-regular-file",
    "The file is an ordinary file, not a link, folder, pipe or device.",
    "This is not an ordinary file but {kind}, so it was not opened.",
    "Put the returned workbook itself in the folder (save the email's attachment there, or use "
    "File > Save As in Excel) and receive that file. Links, folders, pipes and devices are never "
    "read, even when they are named like a return.",
)
