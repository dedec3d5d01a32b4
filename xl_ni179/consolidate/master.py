"""The consolidated sheets of a round, one per view (``SHEET_WRITERS``).

Each sheet has its own ``write_<sheet>(ws, summary)`` that empties and refills the sheet.
Each writer records its sheet in a ``Sheet`` (``xl_ni179.consolidate.sheet``). The sheets
reach the user in two ways: ``write_consolidation`` streams them as a workbook of their
own (what ``ni179 consolidate`` writes, through XlsxWriter: ``xlsxwriting``), and the
ribbon's Consolidate button rewrites them in place in the consolidator's master workbook
(through openpyxl: ``openpyxl_sheet``), which ``xl_ni179.excel.master_book`` generates
with these sheets as empty shells beside the sheets the consolidator fills in. What is
shared is here: the sheets and their writers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

from xl_ni179.consolidate import names
from xl_ni179.consolidate.dashboard import write_dashboard
from xl_ni179.consolidate.names import SHEET_NAMES
from xl_ni179.consolidate.sheet import Sheet, fit_columns, print_ready
from xl_ni179.consolidate.sheets_assessments import write_forecast_confidence, write_value_for_money
from xl_ni179.consolidate.sheets_progress import write_savings, write_totals
from xl_ni179.consolidate.sheets_projects import write_projects_and_funding
from xl_ni179.consolidate.sheets_returns import write_findings, write_returns_status
from xl_ni179.consolidate.sheets_trajectory import write_trajectory
from xl_ni179.consolidate.summary import Summary
from xl_ni179.consolidate.text import en_dash
from xl_ni179.template.measure import Pages

SHEET_WRITERS: dict[str, Callable[[Sheet, Summary], None]] = {
    names.DASHBOARD: write_dashboard,
    names.RETURNS_STATUS: write_returns_status,
    names.SAVINGS: write_savings,
    names.TOTALS: write_totals,
    names.TRAJECTORY: write_trajectory,
    names.FORECAST_CONFIDENCE: write_forecast_confidence,
    names.VALUE_FOR_MONEY: write_value_for_money,
    names.PROJECTS_AND_FUNDING: write_projects_and_funding,
    names.FINDINGS: write_findings,
}
assert tuple(SHEET_WRITERS) == SHEET_NAMES
# How each sheet prints (xl_ni179.template.printing): A4 landscape, one page wide, the rows
# frozen on screen (the title; a one-table sheet's headings too) repeated on every page,
# page breaks between tables. The ribbon's master workbook carries the same per-sheet
# settings on its shells (xl_ni179.excel.master_book).
PAGES: dict[str, Pages] = {name: Pages() for name in SHEET_NAMES}


def record_sheet(name: str, summary: Summary) -> Sheet:
    """One sheet of the master, written and fitted to its text (before its page set-up)."""
    sheet = Sheet(name)
    SHEET_WRITERS[name](sheet, summary)
    fit_columns(sheet)
    return sheet


def write_consolidation(summary: Summary, out: Path) -> Path:
    """Write the consolidated sheets for ``summary`` as a workbook of their own to ``out``
    (an .xlsx path): the round's master workbook as the command line produces it."""
    from xl_ni179.consolidate.xlsxwriting import write_workbook

    def ready() -> Iterator[Sheet]:  # one sheet at a time: each recording is dropped once written
        for name in SHEET_NAMES:
            sheet = record_sheet(name, summary)
            print_ready(sheet, PAGES[name])
            yield sheet

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_workbook(
        ready(),
        out,
        title=f"NI 179 {en_dash(summary.round.title)}: master",
        author=summary.partnership.consolidator_name,
        created=dt.datetime.combine(summary.as_of, dt.time()),
    )
