"""The ribbon's steps on the consolidator's master workbook: refresh its Returns status
sheet, or every consolidated sheet, in place from the accepted returns in the store.

As for every ribbon module, heavy packages are imported inside the steps (``ribbon``)."""

from __future__ import annotations

from typing import Any

from xl_ni179.errors import Ni179Error
from xl_ni179.excel.ribbon_sheets import ensure_sheet
from xl_ni179.excel.ribbon_support import (
    alert,
    is_master,
    open_workspace,
    plural,
    read_settings,
    status,
)


def _require_master(book: Any) -> None:
    # Refreshing adds and rewrites sheets: never do that to a partner's return by mistake.
    if not is_master(book):
        raise Ni179Error(
            "This button works on the NI 179 master workbook (it has a Settings sheet). "
            "Open NI179_master.xlsx and click it there."
        )


def _summary(book: Any) -> tuple[Any, Any]:
    from xl_ni179.consolidate.run import summarise

    s = read_settings(book)
    workspace = open_workspace(s)
    status(book, "Reading the accepted returns...")
    return workspace, summarise(workspace, s.round_id, vfm_scores=_vfm_scores(book))


def _vfm_scores(book: Any) -> dict[str, int] | None:
    """The scores the consolidator keeps on the master's VFM scores sheet (None: no such sheet)."""
    from xl_ni179.excel.master_book import VFM

    if VFM not in [sheet.name for sheet in book.sheets]:
        return None
    scores = {}
    for row in book.sheets[VFM].range("A5:D200").value:
        code, score = row[0], row[3]
        if code and isinstance(score, int | float) and score in (1, 2, 3, 4):
            scores[str(code).strip()] = int(score)
    return scores


def _refresh_sheets(book: Any, summary: Any, names: tuple[str, ...], workspace: Any = None) -> None:
    from openpyxl import Workbook

    from xl_ni179.consolidate.master import record_sheet
    from xl_ni179.consolidate.names import RETURNS_STATUS
    from xl_ni179.consolidate.openpyxl_sheet import fill_worksheet
    from xl_ni179.consolidate.sheet import fit_columns, fit_rows
    from xl_ni179.consolidate.sheets_returns import write_quarantined_mail
    from xl_ni179.excel.ribbon_sheets import copy_sheet
    from xl_ni179.store.quarantine import misconfiguration, quarantined_mail

    scratch = Workbook()  # the library writes each sheet here; we copy it into the open book
    for i, name in enumerate(names, start=1):
        status(book, f"Refreshing '{name}' ({i} of {len(names)})...")
        sheet = record_sheet(name, summary)
        if (
            name == RETURNS_STATUS and workspace is not None
        ):  # the mail the intake held back, below the table
            held = quarantined_mail(workspace)
            write_quarantined_mail(sheet, held, misconfiguration(workspace, held))
            fit_columns(sheet)
        fit_rows(
            sheet
        )  # as `ni179 consolidate` does: no text cut off (the page set-up is the shell's)
        copy_sheet(fill_worksheet(sheet, scratch.create_sheet(name)), ensure_sheet(book, name))


def refresh_returns_status(book: Any) -> None:
    """Rewrite the master's Returns status sheet, the quarantined mail below its table."""
    from xl_ni179.consolidate.names import RETURNS_STATUS

    _require_master(book)
    workspace, summary = _summary(book)
    _refresh_sheets(book, summary, (RETURNS_STATUS,), workspace)


def consolidate_master(book: Any) -> None:
    """Rewrite every consolidated sheet of the master and record the run in the audit log."""
    from xl_ni179.consolidate import SHEET_NAMES

    _require_master(book)
    workspace, summary = _summary(book)
    _refresh_sheets(book, summary, tuple(SHEET_NAMES), workspace)
    facts = summary.to_json()
    workspace.audit(
        "consolidate", {"round": facts["round"], "out": _book_label(book), "source": "ribbon"}
    )
    missing = facts.get("missing") or []
    alert(
        book,
        f"Consolidated {summary.round.title}: {plural(len(facts['received']), 'return')} "
        f"received, {len(missing)} missing.\nRefreshed: {', '.join(SHEET_NAMES)}.",
    )


def _book_label(book: Any) -> str:
    try:
        return str(book.fullname)
    except Exception:  # noqa: BLE001 - a COM or engine error: the label is only for messages
        return "the open workbook"
