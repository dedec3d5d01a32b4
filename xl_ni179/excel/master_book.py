"""The consolidator's master workbook, ``workbooks/NI179_master.xlsx``, as a generator.

Two kinds of sheet:

* input sheets the consolidator keeps: Settings (named cells the ribbon reads),
  VFM scores (prefilled from the configuration for every organisation), Project status
  and Notes. The ribbon never writes to these;
* the sheets the ribbon's Consolidate button refreshes in place
  (``xl_ni179.consolidate.names.SHEET_NAMES``, written by ``xl_ni179.consolidate.master``,
  which also writes them as a workbook of their own for ``ni179 consolidate``): shipped
  here as empty shells with a heading.

The output is byte-for-byte repeatable (fixed document dates, fixed zip entry dates),
so the committed copy can be checked against this code.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xl_ni179.consolidate.names import SHEET_NAMES
from xl_ni179.excel.ribbon_support import NAME_INBOX, NAME_ROUND, NAME_WORKSPACE
from xl_ni179.partnership import Partnership, load_partnership
from xl_ni179.store.location import fallback_text
from xl_ni179.template.printing import Pages, print_ready
from xl_ni179.template.styles import NOTE_FONT, TITLE_FONT, WRAP, style_header, style_input

SETTINGS, VFM, PROJECTS, NOTES = "Settings", "VFM scores", "Project status", "Notes"
INPUT_SHEETS = (SETTINGS, VFM, PROJECTS, NOTES)
# Named cells of the Settings sheet; the ribbon (xl_ni179.excel.ribbon_support) reads them.
SETTING_ROWS = (
    (
        NAME_WORKSPACE,
        "Workspace folder",
        "Folder holding the partnership configuration and the returns store (the buttons and the "
        f"NI179_ worksheet functions of this workbook use it). Blank: {fallback_text('beside this workbook')}.",
    ),
    (
        NAME_ROUND,
        "Collection round",
        "Round the buttons work on. Blank: the round open today, else the latest round that has "
        "opened (see docs/config.md).",
    ),
    (
        NAME_INBOX,
        "Inbox folder",
        "Folder of returned workbooks for 'Receive returns from a folder' (used where Excel "
        "cannot show a folder picker).",
    ),
)
FIRST_SETTING_ROW = 5
VFM_CRITERIA = ("1.1", "1.2", "3.1", "3.2", "3.3")
FIXED_TIME = dt.datetime(2009, 4, 1)  # any fixed date: it keeps the file repeatable
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
INPUT_TAB, REFRESHED_TAB = "FFC000", "1F4E78"
# How each sheet prints (see build_master_book): an input sheet repeats its frozen title and
# headings; a refreshed sheet repeats the title and subtitle every sheet writer puts in rows 1-2.
INPUT_PAGES, REFRESHED_PAGES = Pages(), Pages(title_rows=2)


def _title(ws: Worksheet, text: str, note: str) -> None:
    ws["A1"] = text
    ws["A1"].font = TITLE_FONT
    ws["A2"] = note
    ws["A2"].font = NOTE_FONT


def _header(ws: Worksheet, row: int, labels: tuple[str, ...], widths: tuple[float, ...]) -> None:
    for col, (label, width) in enumerate(zip(labels, widths, strict=True), start=1):
        style_header(ws.cell(row, col, label))
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row + 1, 1).coordinate


def _settings(wb: Workbook, p: Partnership) -> None:
    ws = wb.create_sheet(SETTINGS)
    _title(
        ws,
        "NI 179 master workbook: settings",
        "The NI 179 ribbon buttons read the yellow cells. Folders may be full paths or "
        "relative to this workbook.",
    )
    if p.illustrative:
        ws["A3"] = "The shipped partnership figures are illustrative."
        ws["A3"].font = NOTE_FONT
    _header(ws, FIRST_SETTING_ROW - 1, ("Setting", "Value", "What it is"), (22, 48, 90))
    latest = p.latest_round.id  # not today's default: the file must not depend on the date
    for i, (name, label, help_text) in enumerate(SETTING_ROWS):
        row = FIRST_SETTING_ROW + i
        ws.cell(row, 1, label)
        value = ws.cell(row, 2, latest if name == NAME_ROUND else None)
        style_input(value)
        ws.cell(row, 3, help_text).alignment = WRAP
        wb.defined_names[name] = DefinedName(name, attr_text=f"{SETTINGS}!$B${row}")
    rounds = DataValidation(
        type="list", formula1='"' + ",".join(r.id for r in p.rounds) + '"', allow_blank=True
    )
    rounds.add(f"B{FIRST_SETTING_ROW + 1}")
    ws.add_data_validation(rounds)


def _vfm(wb: Workbook, p: Partnership) -> None:
    ws = wb.create_sheet(VFM)
    _title(
        ws,
        f"Value for money scores: {p.vfm.assessment}",
        "From the external assessors, for every organisation whether or not it sent a return. "
        "Scores 1 (below minimum requirements) to 4 (well above). Prefilled from the "
        "configuration; 3.2 and 3.3 did not apply to districts in the first year.",
    )
    labels = ("Code", "Organisation", "Sector", "Overall score", *VFM_CRITERIA, "Comment")
    _header(ws, 4, labels, (12, 44, 24, 10, 7, 7, 7, 7, 7, 50))
    scores = DataValidation(
        type="whole",
        operator="between",
        formula1="1",
        formula2="4",
        allow_blank=True,
        showErrorMessage=True,
        error="A score is a whole number from 1 to 4.",
    )
    for i, org in enumerate(p.organisations):
        row = 5 + i
        ws.cell(row, 1, org.code)
        ws.cell(row, 2, org.name)
        ws.cell(row, 3, p.sectors[org.sector].name)
        for col in range(4, 5 + len(VFM_CRITERIA)):
            style_input(ws.cell(row, col))
        ws.cell(row, 4, p.vfm.scores.get(org.code))
        style_input(ws.cell(row, 5 + len(VFM_CRITERIA)), wrap=True)
    last = 4 + len(p.organisations)
    scores.add(f"D5:I{last}")
    ws.add_data_validation(scores)
    wb.defined_names["ni179_vfm_scores"] = DefinedName(
        "ni179_vfm_scores", attr_text=f"'{VFM}'!$A$5:$J${last}"
    )


def _projects(wb: Workbook, p: Partnership) -> None:
    ws = wb.create_sheet(PROJECTS)
    _title(
        ws,
        "Shared-service projects",
        "Projects taken forward because of NI 179: keep their status, expected savings and "
        "next steps here. Prefilled from the configuration.",
    )
    labels = (
        "Code",
        "Project",
        "Participants",
        "Funding",
        "Status",
        "Expected ongoing savings (£000 a year)",
        "Next steps and notes",
    )
    _header(ws, 4, labels, (14, 30, 30, 34, 24, 12, 40))
    funding = {f.code: f for f in p.funding}
    for i, project in enumerate(p.projects):
        row = 5 + i
        names = [p.organisation(c).short_name for c in project.participants]
        ws.cell(row, 1, project.code)
        ws.cell(row, 2, project.name)
        ws.cell(row, 3, "All partners" if len(names) == len(p.organisations) else ", ".join(names))
        ws.cell(
            row,
            4,
            "; ".join(
                f"{funding[c].source} £{funding[c].amount:,.0f} ({funding[c].purpose})"
                for c in project.funding
            ),
        )
        for col in (3, 4):
            ws.cell(row, col).alignment = WRAP
        for col, value in ((5, project.status), (6, None), (7, None)):
            style_input(
                ws.cell(row, col, value),
                number_format="#,##0.0" if col == 6 else None,
                wrap=col != 6,
            )


def _notes(wb: Workbook) -> None:
    ws = wb.create_sheet(NOTES)
    _title(
        ws, "Notes", "The consolidator's own notes on the round: queries, decisions, follow-ups."
    )
    _header(ws, 4, ("Date", "Organisation", "Note", "Follow-up"), (12, 28, 80, 40))
    for row in range(5, 35):
        for col in range(1, 5):
            style_input(
                ws.cell(row, col), number_format="dd/mm/yyyy" if col == 1 else None, wrap=col > 2
            )


def _shell(wb: Workbook, name: str) -> None:
    ws = wb.create_sheet(name)
    _title(
        ws,
        name,
        "Filled in by NI 179 > Consolidate from the accepted returns. Anything typed "
        "here is replaced at the next refresh: keep your own notes on the Notes sheet.",
    )
    ws["A2"].alignment = Alignment(wrap_text=False)
    ws.sheet_properties.tabColor = REFRESHED_TAB


def build_master_book(p: Partnership | None = None) -> Workbook:
    """The master workbook for partnership ``p`` (default: the built-in configuration)."""
    p = p or load_partnership()
    wb = Workbook()
    wb.remove(wb.worksheets[0])  # the blank sheet a new workbook starts with
    _settings(wb, p)
    for name in SHEET_NAMES:
        _shell(wb, name)
    _vfm(wb, p)
    _projects(wb, p)
    _notes(wb)
    for name in INPUT_SHEETS:
        wb[name].sheet_properties.tabColor = INPUT_TAB
    # Every sheet prints A4 landscape, one page wide, its frozen rows on each page
    # (xl_ni179.template.printing). The refreshed sheets keep these settings: the ribbon
    # replaces their cells, never their page setup. Page breaks between tables come with the
    # content, in the workbook `ni179 consolidate` writes (xl_ni179.consolidate.master).
    for ws in wb.worksheets:
        print_ready(ws, REFRESHED_PAGES if ws.title in SHEET_NAMES else INPUT_PAGES)
    wb.active = 0
    wb.properties.title = f"{p.name}: NI 179 master workbook"
    wb.properties.creator = "xl_ni179"
    wb.properties.created = FIXED_TIME
    return wb


def master_book_bytes(p: Partnership | None = None) -> bytes:
    """The workbook file's bytes; the same inputs always give the same bytes."""
    buffer = io.BytesIO()
    build_master_book(p).save(buffer)
    return _repeatable(buffer.getvalue())


def _repeatable(data: bytes) -> bytes:
    """Fix what openpyxl stamps with the current time: the modified date and zip entry dates."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dest:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    body,
                )
            info = zipfile.ZipInfo(item.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            dest.writestr(info, body)
    return out.getvalue()


def write_master_book(out: Path, p: Partnership | None = None) -> Path:
    """Write the master workbook to ``out`` (a file, or a folder to put NI179_master.xlsx in)."""
    out = Path(out)
    if out.is_dir():
        out = out / "NI179_master.xlsx"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(master_book_bytes(p))
    return out
