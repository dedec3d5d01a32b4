"""What every ribbon button shares: finding its settings, logging, messages, progress.

Nothing here imports xlwings, openpyxl or SQLAlchemy at module level: Excel
starts a fresh Python for each click, so the import has to stay quick. The functions
take the xlwings Book the button was clicked in and touch it only through xlwings' own
object model, so they run the same on Excel (COM) and on xlwings' remote engine.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xl_ni179.store.location import CONF_KEY, USER_CONF, locate_workspace
from xl_ni179.text import in_cell, visible

if TYPE_CHECKING:
    from xl_ni179.store.workspace import Workspace

TITLE = "NI 179"
SETTINGS_SHEET = "Settings"
# Named cells on the master workbook's Settings sheet (see xl_ni179.excel.master_book).
NAME_WORKSPACE, NAME_ROUND, NAME_INBOX = "ni179_workspace", "ni179_round", "ni179_inbox"
ADDIN_NAME, ADDIN_CONF_SHEET = "NI179.xlam", USER_CONF.name  # the add-in and its settings sheet
# Sheets only a partner's return has (xl_ni179.spec.schema.SHEETS): a book with one is never the master.
PARTNER_SHEETS = ("_meta", "Gains", "Sign-off")
LOG_NAME = "ribbon.log"
LOG_BYTES, LOG_BACKUPS = 1_000_000, 3

log = logging.getLogger("xl_ni179.excel.ribbon")


@dataclass(frozen=True)
class Settings:
    """Where the collection is kept and which round the buttons work on."""

    workspace: Path
    workspace_from: str  # where the workspace setting came from, for the Settings message
    round_id: str | None  # None: the default round (open today, else the latest opened)
    inbox: Path | None


def caller(book: Any = None) -> Any:
    """The book the button was clicked in; tests pass a remote-engine book instead."""
    if book is not None:
        return book
    import xlwings as xw

    return xw.Book.caller()


def named_value(book: Any, name: str) -> Any:
    """The value of a setting cell of the master's Settings sheet, or None if not set.

    A name that points anywhere but the Settings sheet is not a setting: a partner's
    return could add such a name on one of its input cells.
    """
    try:
        cell = book.names(name).refers_to_range
        if cell.sheet.name.casefold() != SETTINGS_SHEET.casefold():
            return None
        value = cell.value
    except Exception:  # noqa: BLE001 - no such name (KeyError/COM error) means "not set"
        return None
    if isinstance(value, str):
        value = value.strip()
    return value if value not in ("", None) else None


def is_master(book: Any) -> bool:
    """True for the consolidator's master workbook: a Settings sheet and no partner-return sheet."""
    try:
        names = {sheet.name.casefold() for sheet in book.sheets}
    except Exception:  # noqa: BLE001 - a book we can't read is not the master
        return False
    return SETTINGS_SHEET.casefold() in names and not names & {n.casefold() for n in PARTNER_SHEETS}


def _addin_workspace(book: Any) -> str | None:
    """The workspace baked into the installed add-in's settings sheet, if Excel has it open."""
    try:
        if book.app.engine.name != "excel":
            return None
        sheet = book.app.books[ADDIN_NAME].sheets[ADDIN_CONF_SHEET]
        for key, value in sheet.range("A1").expand("down").resize(None, 2).value or []:
            if key == CONF_KEY and value:
                return str(value)
    except Exception:  # noqa: BLE001 - add-in not installed or not readable: fall through
        return None
    return None


def book_folder(book: Any) -> Path:
    """The folder the book was saved in (the current folder for an unsaved or remote book)."""
    try:
        full = Path(book.fullname)
    except Exception:  # noqa: BLE001 - a COM or engine error: treated as an unsaved book
        return Path.cwd()
    return full.parent if full.is_absolute() else Path.cwd()


def read_settings(book: Any, *, from_book: bool = True) -> Settings:
    """The settings, the workspace found as ``xl_ni179.store.location`` says for every door:
    the master workbook's Settings sheet, the add-in's settings sheet, the user's
    ``ni179.conf``, NI179_WORKSPACE, then a folder ``ni179-workspace`` beside the workbook.

    Only the master workbook's cells are read (never a partner's return, which could name
    its own cells ``ni179_workspace``), and only when ``from_book`` (a step that works on
    a partner's return passes False).
    """
    master = from_book and is_master(book)
    chosen = named_value(book, NAME_WORKSPACE) if master else None
    located = locate_workspace(
        chosen=None if chosen is None else str(chosen),
        chosen_said=f"the {SETTINGS_SHEET} sheet (cell {NAME_WORKSPACE})",
        addin=_addin_workspace(book),
        base=book_folder(book),
        default_said="the default beside the workbook",
    )
    round_id = named_value(book, NAME_ROUND) if master else None
    inbox = named_value(book, NAME_INBOX) if master else None
    return Settings(
        located.path,
        located.said,
        str(round_id) if round_id is not None else None,
        Path(str(inbox)) if inbox is not None else None,
    )


def log_file(workspace: Path | None) -> Path:
    """``<workspace>/logs/ribbon.log``; ``~/.ni179/logs`` when there is no workspace folder yet."""
    if workspace is not None and workspace.is_dir():
        return workspace / "logs" / LOG_NAME
    return Path.home() / ".ni179" / "logs" / LOG_NAME


def _attach_log(path: Path) -> Path:
    """Send the ribbon's log to ``path`` (rotating, so it never grows without bound)."""
    for handler in list(log.handlers):
        if getattr(handler, "baseFilename", None) == str(path.resolve()):
            return path
        # One workspace per click: stop writing to a log of a workspace no longer in use.
        log.removeHandler(handler)
        handler.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return path


def alert(book: Any, message: str, *, critical: bool = False, buttons: str = "ok") -> str | None:
    """A message box in Excel. Returns the button pressed (None where the engine can't say).

    A message may quote a partner's text: its control characters are shown as escapes, as in
    a cell (``in_cell``), and its line breaks stay line breaks."""
    try:
        return book.app.alert(
            in_cell(message), title=TITLE, buttons=buttons, mode="critical" if critical else "info"
        )
    except Exception:  # noqa: BLE001 - no way to show it: the log still has it
        log.warning("Could not show a message box: %s", visible(message))
        return None


def status(book: Any, text: str | bool) -> None:
    """Progress in Excel's status bar (False hands it back to Excel). Not every engine has one."""
    try:
        book.app.status_bar = text
    except Exception:  # noqa: BLE001 - the remote engine has no status bar; progress is optional
        pass


def run_step(
    name: str, step: Callable[[Any], Any], book: Any = None, *, from_book: bool = True
) -> bool:
    """Run one button's work; any failure becomes a short message and a logged trace.

    ``from_book=False`` for a step that works on a partner's return: its log then goes to
    a workspace named by the user's own settings, whatever the book holds.
    Returns True when the step finished, False when it failed (the message has been shown).
    """
    from xl_ni179.errors import Ni179Error

    workspace = None
    opened_before = len(_OPENED)
    try:
        book = caller(book)
        workspace = read_settings(book, from_book=from_book).workspace
        _attach_log(log_file(workspace))
        log.info("%s: started in %s", name, _book_name(book))
        step(book)
        log.info("%s: finished", name)
        return True
    except Exception as exc:  # noqa: BLE001 - every failure must reach the user as a message
        where = _log_somewhere(workspace)
        # An exception's text may quote a partner's file: each line of the trace made visible.
        log.error(
            "%s failed:\n%s",
            name,
            "\n".join(visible(line) for line in traceback.format_exc().splitlines()),
        )
        if isinstance(exc, Ni179Error):
            text = f"{name}: {exc}"
        else:
            text = (
                f"{name} stopped because of an unexpected problem "
                f"({type(exc).__name__}: {_short(str(exc))})."
            )
        if book is not None:
            alert(book, f"{text}\n\nThe details are in the log file:\n{where}", critical=True)
        else:  # not even a workbook to talk to: the console is all there is
            print(visible(f"{text} Details: {where}"), file=sys.stderr)
        return False
    finally:
        _close_opened_since(opened_before)
        if book is not None:
            status(book, False)


# The workspaces a button's step opened. Excel keeps the Python process running between
# clicks, so each click closes the store connections it opened (a command's process ends
# and frees them; this one would keep them until the collector finds them).
_OPENED: list[Workspace] = []


def opened(workspace: Workspace) -> Workspace:
    """``workspace``, closed when the button's step ends (``run_step``)."""
    _OPENED.append(workspace)
    return workspace


def _close_opened_since(mark: int) -> None:
    while len(_OPENED) > mark:
        workspace = _OPENED.pop()
        try:
            workspace.close()
        except Exception:  # closing must not hide the step's own outcome
            log.warning("Could not close the workspace's store connections", exc_info=True)


def _log_somewhere(workspace: Path | None) -> Path:
    for path in (log_file(workspace), log_file(None)):
        try:
            return _attach_log(path)
        except OSError:
            continue
    return Path("(no log file could be written)")


def _book_name(book: Any) -> str:
    try:
        return str(book.fullname)
    except Exception:  # noqa: BLE001 - a COM or engine error: the name is only for messages
        return "an unnamed workbook"


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def open_workspace(settings: Settings) -> Workspace:  # imported lazily, for a fast start
    """The workspace, or a WorkspaceError that says which setting named it and how to fix it."""
    from xl_ni179.errors import WorkspaceError
    from xl_ni179.store.activity import set_activity
    from xl_ni179.store.workspace import Workspace

    set_activity("the NI 179 ribbon in Excel")  # what another command names while it waits for us
    try:
        return opened(Workspace(settings.workspace))
    except WorkspaceError as exc:
        raise WorkspaceError(
            f"{exc} The workspace folder comes from {settings.workspace_from}; "
            f"set it on the {SETTINGS_SHEET} sheet of the master workbook."
        ) from exc


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
