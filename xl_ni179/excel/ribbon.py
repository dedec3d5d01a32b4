"""The "NI 179" ribbon tab's Python side: one function per button.

The add-in's VBA (macros/NI179.bas) runs, for each click,
``RunPython "import xl_ni179.excel.ribbon as r; r.check_version('<v>') and r.<step>()"``.
Each step takes the workbook the button was clicked in (``book``, by default
``xlwings.Book.caller()``), calls the library and shows the result in Excel. No
computation lives here. Failures become a short message box; the trace goes to
``<workspace>/logs/ribbon.log``.

Heavy packages (xlwings, pandas, openpyxl, SQLAlchemy) are imported inside the steps:
Python starts afresh for every click and the import of this module must stay quick.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from xl_ni179.errors import Ni179Error
from xl_ni179.excel.ribbon_sheets import (
    FINDING_COLORS,
    HEADER_COLOR,
    ensure_sheet,
    find_sheet,
    write_rows,
)
from xl_ni179.excel.ribbon_support import (
    NAME_INBOX,
    NAME_ROUND,
    NAME_WORKSPACE,
    SETTINGS_SHEET,
    alert,
    caller,
    is_master,
    log,
    open_workspace,
    plural,
    read_settings,
    run_step,
    status,
)
from xl_ni179.spec.schema import ANNOTATION_SHEET
from xl_ni179.store.outcomes import Outcome, Source
from xl_ni179.text import visible

MAX_LISTED = 10  # names listed in a message box before "and N more"
VERSION_MESSAGE = (
    "The NI 179 add-in (version {addin}) does not match the Python package "
    "(version {package}). Rebuild and reinstall the add-in: `ni179 addin build` then "
    "`ni179 addin install`, or install package version {addin}."
)

__all__ = [
    "check_version",
    "consolidate",
    "draft_chasers",
    "draft_paper",
    "generate_templates",
    "receive_folder",
    "refresh_status",
    "settings",
    "validate_open_workbook",
]


# -- the buttons -------------------------------------------------------------------------


def check_version(addin_version: str, book: Any = None) -> bool:
    """True when the add-in and this package agree; otherwise say how to fix it, False."""
    from xl_ni179 import __version__

    if str(addin_version).strip() == __version__:
        return True
    message = VERSION_MESSAGE.format(addin=addin_version, package=__version__)
    try:
        alert(caller(book), message, critical=True)
    except Exception:  # noqa: BLE001 - no workbook to show it in: the console is all there is
        print(message, file=sys.stderr)
    return False


def settings(book: Any = None) -> bool:
    """Show the settings in use and whether they work; offer to create a missing workspace."""
    return run_step("Settings", _settings, book)


def generate_templates(book: Any = None) -> bool:
    """Write one partner return workbook per organisation for the round."""
    return run_step("Generate partner workbooks", _generate_templates, book)


def validate_open_workbook(book: Any = None) -> bool:
    """Check the partner return open in Excel; list findings and colour their cells."""
    return run_step("Validate open workbook", _validate_open_workbook, book, from_book=False)


def receive_folder(book: Any = None) -> bool:
    """Receive (validate and record) every .xlsx return in a folder."""
    return run_step("Receive returns", _receive_folder, book)


def refresh_status(book: Any = None) -> bool:
    """Refresh the master workbook's Returns status sheet."""
    return run_step("Returns status", _refresh_status, book)


def consolidate(book: Any = None) -> bool:
    """Refresh the master workbook's consolidated sheets in place from the accepted returns."""
    return run_step("Consolidate", _consolidate, book)


def draft_paper(book: Any = None) -> bool:
    """Draft the progress paper for the treasurers' group into the workspace."""
    return run_step("Draft progress paper", _draft_paper, book)


def draft_chasers(book: Any = None) -> bool:
    """Draft reminder emails for missing or rejected returns into the workspace."""
    return run_step("Draft chasers", _draft_chasers, book)


# -- what each button does ---------------------------------------------------------------


def _settings(book: Any) -> None:
    from xl_ni179.errors import WorkspaceError

    s = read_settings(book)
    lines = [f"Workspace folder: {s.workspace}", f"  (from {s.workspace_from})"]
    try:
        workspace = open_workspace(s)
    except WorkspaceError:
        workspace = None
        answer = alert(
            book,
            f"There is no NI 179 workspace at\n{s.workspace}\n\nCreate one there now?",
            buttons="yes_no",
        )
        if answer == "yes":
            from xl_ni179.store.workspace import Workspace

            workspace = Workspace.init(s.workspace)
            lines.append("  Created a new workspace with the built-in partnership configuration.")
    if workspace is None:
        lines.append(
            f"  Not a workspace yet. Type the folder in the {SETTINGS_SHEET} sheet "
            f'(cell {NAME_WORKSPACE}), or create one with `ni179 --workspace "{s.workspace}" init`.'
        )
    else:
        p = workspace.partnership
        lines.append(
            f"  {p.name}: {len(p.organisations)} organisations, "
            f"rounds: {', '.join(r.id for r in p.rounds)}"
        )
        try:
            rnd = p.round(s.round_id)
            how = (
                ""
                if s.round_id
                else " (the round open today, else the latest; set one in cell " + NAME_ROUND + ")"
            )
            lines.append(f"Round: {rnd.id}: {rnd.title}, deadline {rnd.deadline:%d %B %Y}{how}")
        except Ni179Error as exc:
            lines.append(f"Round: {exc}")
    if s.inbox is None:
        lines.append(
            f"Inbox folder: not set (cell {NAME_INBOX}); Receive asks for a folder where it can."
        )
    else:
        lines.append(
            f"Inbox folder: {s.inbox}" + ("" if s.inbox.is_dir() else "  (does not exist)")
        )
    alert(book, "\n".join(lines))


def _generate_templates(book: Any) -> None:
    from xl_ni179.store.issue import issue_templates

    s = read_settings(book)
    workspace = open_workspace(s)
    rnd = workspace.partnership.round(s.round_id)
    out = workspace.path / "templates" / rnd.id
    status(book, f"Writing partner workbooks for {rnd.id}...")
    paths, prefills = issue_templates(workspace, rnd.id, out)
    alert(
        book,
        f"Wrote {plural(len(paths), 'partner workbook')} for {rnd.title} to\n{out}"
        + (f"\n{len(prefills)} prefilled from earlier returns." if prefills else ""),
    )


def _validate_open_workbook(book: Any) -> None:
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


def _receive_folder(book: Any) -> None:
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
        _refresh_status(book)  # the master is open: show the new position straight away
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


def _refresh_status(book: Any) -> None:
    from xl_ni179.consolidate.names import RETURNS_STATUS

    _require_master(book)
    workspace, summary = _summary(book)
    _refresh_sheets(book, summary, (RETURNS_STATUS,), workspace)


def _consolidate(book: Any) -> None:
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


def _draft_paper(book: Any) -> None:
    from xl_ni179.paper.draft import draft_paper as write_paper

    s = read_settings(book)
    workspace = open_workspace(s)
    rnd = workspace.partnership.round(s.round_id)
    status(book, "Drafting the progress paper...")
    paths = write_paper(workspace, rnd.id, workspace.path / "paper" / rnd.id)
    alert(book, "Drafted the progress paper:\n" + "\n".join(str(p) for p in paths))


def _draft_chasers(book: Any) -> None:
    from xl_ni179.mail import draft_chasers as write_chasers

    s = read_settings(book)
    workspace = open_workspace(s)
    rnd = workspace.partnership.round(s.round_id)
    status(book, "Drafting chasers...")
    out = workspace.path / "chasers" / rnd.id
    paths = write_chasers(workspace, rnd.id, out)
    if not paths:
        alert(book, "Nobody needs chasing: every partner's return has been accepted.")
        return
    alert(book, f"Drafted {plural(len(paths), 'chaser')} in\n{out}\nCheck them, then send them.")


def _book_label(book: Any) -> str:
    try:
        return str(book.fullname)
    except Exception:  # noqa: BLE001 - a COM or engine error: the label is only for messages
        return "the open workbook"
