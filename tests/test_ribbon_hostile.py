"""A partner's return must not choose the ribbon's settings (issue 11, item 3).

The attack: a return adds its own defined names ``ni179_workspace`` / ``ni179_inbox``
(the names of the master's Settings cells) on input cells holding a folder of the
sender's choosing. That folder holds a ``config.toml`` of its own. When the consolidator
opens the return and clicks a button, the ribbon must take its settings only from the
master workbook, the add-in, the user's ``ni179.conf`` or NI179_WORKSPACE: nothing is
read from or written to the sender's folder (on Windows a ``\\\\host\\share`` path would
reach out over the network).

Each button is run against xlwings' remote engine fed the real hostile file (see
helpers.remote_book).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.remote_book import MASTER, Replay, remote_book
from openpyxl import load_workbook
from openpyxl.workbook.defined_name import DefinedName

from xl_ni179.excel import ribbon
from xl_ni179.excel.ribbon_support import PARTNER_SHEETS, read_settings
from xl_ni179.partnership import default_config_text
from xl_ni179.spec.schema import SHEETS
from xl_ni179.store.workspace import Workspace

BUTTONS = (
    "settings",
    "generate_templates",
    "validate_open_workbook",
    "receive_folder",
    "refresh_status",
    "consolidate",
    "draft_paper",
    "draft_chasers",
)
ATTACKER_NAME = "Attacker District Council"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NI179_WORKSPACE", raising=False)


@pytest.fixture
def ours(tmp_path) -> Workspace:
    """The consolidator's workspace, named in the user's own ni179.conf (xlwings' format)."""
    ws = Workspace.init(tmp_path / "our-workspace")
    conf = tmp_path / "home" / ".ni179" / "ni179.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(f'"Interpreter_Win","python"\n"NI179_Workspace","{ws.path}"\n', "utf-8")
    return ws


@pytest.fixture
def theirs(tmp_path) -> Path:
    """The sender's folder: a configuration that renames Melton, an inbox with a file."""
    folder = tmp_path / "attacker-share"
    (folder / "inbox").mkdir(parents=True)
    (folder / "config.toml").write_text(
        default_config_text().replace(
            'name = "Melton Borough Council"', f'name = "{ATTACKER_NAME}"'
        ),
        "utf-8",
    )
    return folder


def _hostile_return(make_return, folder: Path, *, settings_sheet: bool) -> Path:
    """Melton's return with our setting names added on its own input cells (or on a
    Settings sheet it adds, posing as the master)."""
    path = make_return("MELTON")
    wb = load_workbook(path)
    if settings_sheet:
        wb.security.lockStructure = False
        sheet, cells = wb.create_sheet("Settings"), ("B5", "B6", "B7")
    else:
        sheet, cells = wb["Projects"], ("D9", "D10", "D11")  # project comment cells
    for name, cell, value in zip(
        ("ni179_workspace", "ni179_inbox", "ni179_round"),
        cells,
        (str(folder), str(folder / "inbox"), "2008-09-review"),
        strict=True,
    ):
        sheet[cell] = value
        wb.defined_names[name] = DefinedName(
            name, attr_text=f"'{sheet.title}'!${cell[0]}${cell[1:]}"
        )
    wb.save(path)
    return path


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_the_partner_sheets_are_the_returns_own():
    assert set(PARTNER_SHEETS) <= set(SHEETS)


@pytest.mark.parametrize(
    "settings_sheet", [False, True], ids=["names-on-input-cells", "own-settings-sheet"]
)
def test_a_return_cannot_choose_the_settings(make_return, ours, theirs, settings_sheet):
    path = _hostile_return(make_return, theirs, settings_sheet=settings_sheet)
    s = read_settings(remote_book(path, name=str(path)))
    assert s.workspace == ours.path and "ni179.conf" in s.workspace_from
    assert s.inbox is None and s.round_id is None


@pytest.mark.slow
@pytest.mark.parametrize("button", BUTTONS)
def test_no_button_clicked_in_a_hostile_return_touches_the_senders_folder(
    make_return, ours, theirs, button
):
    path = _hostile_return(make_return, theirs, settings_sheet=False)
    before = _tree(theirs)
    book = remote_book(path, name=str(path))
    getattr(ribbon, button)(book)
    assert _tree(theirs) == before  # no log, no templates, no paper, no chasers written there
    for alert in Replay.of(book).alerts:
        assert str(theirs) not in alert["prompt"] and ATTACKER_NAME not in alert["prompt"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "settings_sheet", [False, True], ids=["names-on-input-cells", "own-settings-sheet"]
)
def test_validate_checks_a_hostile_return_with_our_configuration(
    make_return, ours, theirs, settings_sheet
):
    path = _hostile_return(make_return, theirs, settings_sheet=settings_sheet)
    book = remote_book(path, name=str(path))
    assert ribbon.validate_open_workbook(book) is True
    (alert,) = Replay.of(book).alerts
    assert alert["prompt"].startswith("Melton Borough Council")  # our configuration, not theirs
    assert not (theirs / "logs").exists()
    log = (ours.path / "logs" / "ribbon.log").read_text("utf-8")
    assert "Validate open workbook: finished" in log


def test_the_master_still_chooses_the_workspace(ours, tmp_path):
    other = Workspace.init(tmp_path / "master-workspace")
    book = remote_book(MASTER, name="NI179_master.xlsx", ni179_workspace=str(other.path))
    s = read_settings(book)
    assert s.workspace == other.path and "Settings sheet" in s.workspace_from
    assert read_settings(book, from_book=False).workspace == ours.path
