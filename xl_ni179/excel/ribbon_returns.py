"""The ribbon's steps on partners' returns: check the return open in Excel (its findings
listed on a sheet of its own and their cells coloured, nothing recorded), and receive a
folder of returns into the store.

As for every ribbon module, heavy packages are imported inside the steps (``ribbon``)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from xl_ni179.errors import Ni179Error
from xl_ni179.excel.ribbon_master import refresh_returns_status
from xl_ni179.excel.ribbon_sheets import (
    FINDING_COLORS,
    HEADER_COLOR,
    ensure_sheet,
    find_sheet,
    write_rows,
)
from xl_ni179.excel.ribbon_support import (
    NAME_INBOX,
    SETTINGS_SHEET,
    alert,
    is_master,
    log,
    open_workspace,
    plural,
    read_settings,
    status,
)
from xl_ni179.spec.schema import ANNOTATION_SHEET
from xl_ni179.store.outcomes import Outcome, Source
from xl_ni179.text import visible

MAX_LISTED = 10  # names listed in a message box before "and N more"


def check_open_workbook(book: Any) -> None:
    """Validate the partner's return open in Excel; list its findings and colour their cells."""
    from xl_ni179.intake.batch import validate_file
    from xl_ni179.intake.render import verdict
    from xl_ni179.partnership import load_workspace_partnership

    if is_master(book):
        raise Ni179Error(
            "This is the master workbook. Open the partner's return you want to check "
            "(make it the active workbook), then click Validate."
        )
    s = read_settings(book, from_book=False)  # a partner's file never chooses our settings
    p = load_workspace_partnership(s.workspace)  # checking needs no store
    status(book, "Checking the open workbook...")
    with tempfile.TemporaryDirectory(prefix="ni179-") as tmp:
        report = validate_file(p, _saved_copy(book, Path(tmp)))
    org = p.find_organisation(report.organisation or "")
    who = org.name if org else "unknown organisation"
    rows: list[list[Any]] = [
        [f"{who}: {verdict(report)}"],
        [
            "Problems are listed below and their cells coloured (red: error, "
            "amber: warning). Nothing has been recorded: use Receive for that."
        ],
        [],
        ["Severity", "Sheet", "Cell", "What is wrong", "What to do", "Code"],
    ]
    rows += [
        [
            f.severity + (" (explained)" if f.explained else ""),
            f.sheet,
            f.cell,
            f.message,
            f.fix,
            f.code,
        ]
        for f in report.findings
    ]
    written = _write_validation_sheet(book, rows)
    for f in report.findings:
        target = find_sheet(book, f.sheet) if f.sheet and f.cell else None
        if target is not None and not f.explained:
            try:
                target[f.cell].color = FINDING_COLORS.get(f.severity, FINDING_COLORS["warning"])
            except Exception:  # noqa: BLE001 - a protected or odd cell: the list still names it
                log.warning("Could not colour %s!%s", f.sheet, f.cell)
    summary = f"{who}: {verdict(report)}"
    if written:
        alert(
            book,
            f"{summary}\n\nThe problems are listed on the '{ANNOTATION_SHEET}' sheet.",
            critical=not report.valid,
        )
    else:  # the workbook would not take a new sheet: show the list itself
        listed = [f"- {f.severity}: {f.where}: {f.message}" for f in report.findings[:MAX_LISTED]]
        more = len(report.findings) - MAX_LISTED
        alert(
            book,
            "\n".join([summary, "", *listed] + ([f"...and {more} more"] if more > 0 else [])),
            critical=not report.valid,
        )


def _saved_copy(book: Any, folder: Path) -> Path:
    """The workbook as a file validation can read, including edits not yet saved."""
    if book.app.engine.name == "excel":
        path = folder / "open-workbook.xlsx"
        book.api.SaveCopyAs(str(path))  # a copy: the open book keeps its own name and path
        return path
    path = Path(book.fullname)  # the remote engine knows only the file it was given
    if not path.is_file():
        raise Ni179Error("Save the workbook to a file first, then click Validate again.")
    return path


def _write_validation_sheet(book: Any, rows: list[list[Any]]) -> bool:
    """Put the findings on the results sheet (first in the book); False if it can't be added."""
    unlocked = _unlock_structure(book)
    try:
        sheet = ensure_sheet(book, ANNOTATION_SHEET, first=True)
        sheet.clear()
        write_rows(sheet, rows)
        header = sheet.range((4, 1), (4, 6))
        header.color = HEADER_COLOR
        header.font.bold = True
        header.font.color = "#FFFFFF"
        sheet["A1"].font.bold = True
        for col, width in zip("ABCDEF", (14, 12, 8, 60, 60, 24), strict=True):
            sheet[f"{col}1"].column_width = width
        sheet.activate()
        return True
    except Exception:  # noqa: BLE001 - e.g. a structure password we don't have
        log.warning("Could not add the %s sheet", ANNOTATION_SHEET, exc_info=True)
        return False
    finally:
        if unlocked:
            book.api.Protect(Structure=True)  # the template ships structure-locked: put it back


def _unlock_structure(book: Any) -> bool:
    """Partner templates lock the workbook structure (no password), which blocks adding a sheet."""
    try:
        if book.app.engine.name == "excel" and book.api.ProtectStructure:
            book.api.Unprotect()
            return True
    except Exception:  # noqa: BLE001 - a password we don't know: adding the sheet will fail
        log.warning("Could not unlock the workbook structure", exc_info=True)
    return False


def receive_returns(book: Any) -> None:
    """Receive every .xlsx return in the chosen folder; say what became of them."""
    s = read_settings(book)
    workspace = open_workspace(s)
    folder = _choose_folder(book, s.inbox)
    if folder is None:
        return  # the user cancelled the folder dialog
    if not folder.is_dir():
        raise Ni179Error(
            f"The folder {folder} does not exist. Set the inbox folder on the "
            f"{SETTINGS_SHEET} sheet (cell {NAME_INBOX})."
        )
    files = sorted(
        f for f in folder.glob("*.xlsx") if not f.name.startswith("~$")
    )  # skip Excel lock files
    if not files:
        alert(book, f"There are no .xlsx files in {folder}.")
        return
    counts: dict[str, int] = {
        Outcome.ACCEPTED: 0,
        Outcome.REJECTED: 0,
        Outcome.DUPLICATE: 0,
        "failed": 0,
    }
    to_fix: list[str] = []

    def unreadable(path: Path, exc: OSError) -> None:  # one unreadable file must not stop the rest
        log.error("Receiving %s failed: %s", visible(str(path)), visible(str(exc)))
        counts["failed"] += 1
        to_fix.append(f"{path.name} (could not be read: is it open in another program?)")

    status(book, f"Receiving {plural(len(files), 'file')}...")
    for i, receipt in enumerate(
        workspace.receive_many(
            files, round_id=s.round_id, source=Source.RIBBON, unreadable=unreadable
        ),
        start=1,
    ):
        status(book, f"Received {i} of {len(files)}: {Path(receipt.report.file).name}")
        counts[receipt.outcome] = counts.get(receipt.outcome, 0) + 1
        if receipt.outcome == Outcome.REJECTED:
            to_fix.append(
                f"{Path(receipt.report.file).name}: {len(receipt.report.errors)} error(s)"
            )
        elif (
            receipt.outcome == Outcome.REFUSED
        ):  # a link, folder, pipe or device named like a return
            counts["failed"] += 1
            to_fix.append(f"{Path(receipt.report.file).name} (not an ordinary file: not read)")
    if is_master(book):
        refresh_returns_status(book)  # the master is open: show the new position straight away
    lines = [
        f"Received {plural(len(files), 'file')} from {folder}:",
        f"{counts[Outcome.ACCEPTED]} accepted, {counts[Outcome.REJECTED]} rejected (need fixing), "
        f"{counts[Outcome.DUPLICATE]} already received"
        + (f", {counts['failed']} could not be read" if counts["failed"] else "")
        + ".",
    ]
    if to_fix:
        lines += ["", "To follow up:", *to_fix[:MAX_LISTED]]
        if len(to_fix) > MAX_LISTED:
            lines.append(f"...and {len(to_fix) - MAX_LISTED} more (see Returns status)")
    alert(book, "\n".join(lines))


def _choose_folder(book: Any, inbox: Path | None) -> Path | None:
    """A folder picked in Excel's folder dialog (Windows), else the inbox setting."""
    try:
        dialog_available = book.app.engine.name == "excel" and sys.platform == "win32"
    except Exception:  # noqa: BLE001 - an engine without an app (remote) raises its own kinds: no dialog
        dialog_available = False
    if dialog_available:
        dialog = book.app.api.FileDialog(4)  # msoFileDialogFolderPicker
        dialog.Title = "Choose the folder of returned NI 179 workbooks"
        if inbox is not None:
            dialog.InitialFileName = str(inbox) + "\\"
        if dialog.Show() != -1:
            return None
        return Path(dialog.SelectedItems(1))
    if inbox is None:
        raise Ni179Error(
            f"Type the folder of returned workbooks on the {SETTINGS_SHEET} sheet "
            f"(cell {NAME_INBOX}), then click Receive again."
        )
    return inbox
