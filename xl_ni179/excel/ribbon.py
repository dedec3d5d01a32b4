"""The "NI 179" ribbon tab's Python side: one function per button.

The add-in's VBA (macros/NI179.bas) runs, for each click,
``RunPython "import xl_ni179.excel.ribbon as r; r.check_version('<v>') and r.<step>()"``.
Each step takes the workbook the button was clicked in (``book``, by default
``xlwings.Book.caller()``), calls the library and shows the result in Excel. No
computation lives here. Failures become a short message box; the trace goes to
``<workspace>/logs/ribbon.log``. The steps on partners' returns are in ``ribbon_returns``,
those on the master workbook in ``ribbon_master``.

Heavy packages (xlwings, openpyxl, SQLAlchemy) are imported inside the steps:
Python starts afresh for every click and the import of this module must stay quick.
"""

from __future__ import annotations

import sys
from typing import Any

from xl_ni179.errors import Ni179Error
from xl_ni179.excel import ribbon_master, ribbon_returns
from xl_ni179.excel.ribbon_support import (
    NAME_INBOX,
    NAME_ROUND,
    NAME_WORKSPACE,
    SETTINGS_SHEET,
    alert,
    caller,
    open_workspace,
    opened,
    plural,
    read_settings,
    run_step,
    status,
)

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
    return run_step(
        "Validate open workbook", ribbon_returns.check_open_workbook, book, from_book=False
    )


def receive_folder(book: Any = None) -> bool:
    """Receive (validate and record) every .xlsx return in a folder."""
    return run_step("Receive returns", ribbon_returns.receive_returns, book)


def refresh_status(book: Any = None) -> bool:
    """Refresh the master workbook's Returns status sheet."""
    return run_step("Returns status", ribbon_master.refresh_returns_status, book)


def consolidate(book: Any = None) -> bool:
    """Refresh the master workbook's consolidated sheets in place from the accepted returns."""
    return run_step("Consolidate", ribbon_master.consolidate_master, book)


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

            workspace = opened(Workspace.init(s.workspace))
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
