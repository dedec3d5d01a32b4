"""The ribbon's buttons, run against xlwings' own object model.

Excel's COM interface can't run here (no Excel on Linux), so each button is handed a
book on xlwings' REMOTE engine, built from a real workbook (see helpers.remote_book),
and the test reads what the button asked Excel to do: the queued actions, replayed onto
the sheets' values. The same ribbon code drives Excel through COM on Windows.
"""

from __future__ import annotations

import datetime as dt
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.remote_book import MASTER, Formula, Replay, Text, remote_book, shared_demo
from openpyxl import load_workbook

from xl_ni179 import __version__
from xl_ni179.consolidate import SHEET_NAMES
from xl_ni179.consolidate.names import RETURNS_STATUS
from xl_ni179.demo.data import DEMO_ROUND
from xl_ni179.excel import ribbon
from xl_ni179.excel.master_book import INPUT_SHEETS

VBA_CALLS = (
    "generate_templates",
    "validate_open_workbook",
    "receive_folder",
    "refresh_status",
    "consolidate",
    "draft_paper",
    "draft_chasers",
    "settings",
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")  # xlwings' remote engine
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # the fallback log folder
    monkeypatch.delenv("NI179_WORKSPACE", raising=False)


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> tuple[Path, Path]:
    """A workspace holding the seven demo returns, and the master `ni179 demo` wrote from it."""
    return shared_demo(tmp_path_factory)


def master_book(workspace: Path, **settings):
    return remote_book(
        MASTER,
        name="NI179_master.xlsx",
        ni179_workspace=str(workspace),
        ni179_round=DEMO_ROUND,
        **settings,
    )


def _normal(value):
    """One spelling for a value written through xlwings and the same value read by openpyxl."""
    if isinstance(value, Text | Formula):
        return value.text
    if isinstance(value, dt.datetime):
        return (
            value.isoformat(sep=" ").split(".")[0]
            if value.time() != dt.time(0)
            else value.date().isoformat()
        )
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return round(float(value), 6)
    return value


def test_every_function_the_vba_calls_exists_with_its_signature():
    for name in VBA_CALLS:
        fn = getattr(ribbon, name)
        params = inspect.signature(fn).parameters.values()
        assert all(p.default is not inspect.Parameter.empty for p in params), name  # fn() works
    params = list(inspect.signature(ribbon.check_version).parameters)
    assert params[0] == "addin_version"
    from xl_ni179.excel.addin.sources import RIBBON_CALLS, VERSION_CHECK

    assert set(RIBBON_CALLS.values()) == set(VBA_CALLS) and VERSION_CHECK == "check_version"


def test_importing_the_ribbon_stays_light():
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import xl_ni179.excel.ribbon"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    modules = {
        line.split("|")[-1].strip().split(".")[0] for line in out.splitlines() if "|" in line
    }
    assert not modules & {"pandas", "openpyxl", "sqlalchemy", "xlwings", "numpy"}


def test_check_version_match_and_mismatch():
    book = remote_book(MASTER)
    assert ribbon.check_version(__version__, book=book) is True
    assert Replay.of(book).alerts == []
    assert ribbon.check_version("9.9.9", book=book) is False
    (alert,) = Replay.of(book).alerts
    assert alert["prompt"] == (
        f"The NI 179 add-in (version 9.9.9) does not match the Python package (version {__version__}). "
        "Rebuild and reinstall the add-in: `ni179 addin build` then `ni179 addin install`, "
        "or install package version 9.9.9."
    )


@pytest.mark.slow
def test_consolidate_refreshes_the_master_in_place(demo):
    workspace, expected_master = demo
    book = master_book(workspace)
    assert ribbon.consolidate(book) is True
    replay = Replay.of(book)
    assert replay.order == load_workbook(MASTER).sheetnames  # no sheet added, none moved
    expected = load_workbook(expected_master)
    for name in SHEET_NAMES:
        want = {
            k: _normal(c.value)
            for row in expected[name].iter_rows()
            for c in row
            if c.value is not None
            for k in [(c.row, c.column)]
        }
        got = {k: _normal(v) for k, v in replay.cells[name].items()}
        assert got == want, name
        assert replay.formulas(name) == [], name
    status = replay.texts(RETURNS_STATUS)
    assert any("received from" in t and "Melton" in t and "Blaby" not in t for t in status)
    assert any("not received from" in t and "Blaby" in t for t in status)
    assert "Missing (late)" in replay.column(RETURNS_STATUS, 3)
    funcs = {a["func"] for a in replay.actions}
    assert {"sheetClear", "setValues", "setNumberFormat", "setRangeColor"} <= funcs
    # Rows as tall as their text and long notes wrapped across their table, as `ni179
    # consolidate` writes them (issue 19: no text cut off).
    assert {"setColumnWidth", "setRowHeight", "rangeMerge"} <= funcs
    (alert,) = replay.alerts
    assert "7 returns received, 6 missing" in alert["prompt"]


@pytest.mark.slow
def test_consolidate_leaves_the_input_sheets_untouched(demo):
    book = master_book(demo[0])
    before = Replay.of(book)
    assert ribbon.consolidate(book) is True
    after = Replay.of(book)
    inputs = [after.order.index(name) for name in INPUT_SHEETS]
    touched = {a["sheet_position"] for a in after.actions if a["sheet_position"] is not None}
    assert not touched & set(inputs)
    for name in INPUT_SHEETS:
        assert after.cells[name] == before.cells[name]


@pytest.mark.slow
def test_refresh_status_writes_only_the_status_sheet(demo):
    book = master_book(demo[0])
    assert ribbon.refresh_status(book) is True
    replay = Replay.of(book)
    touched = {
        replay.order[a["sheet_position"]] for a in replay.actions if a["sheet_position"] is not None
    }
    assert touched == {RETURNS_STATUS}
    names = replay.column(RETURNS_STATUS, 1)
    assert {"Blaby", "Melton", "County Council", "City PCT"} <= set(names)


@pytest.mark.slow
def test_buttons_that_rewrite_sheets_refuse_a_book_that_is_not_the_master(demo, returns_dir):
    book = remote_book(next(returns_dir.glob("*.xlsx")))
    assert ribbon.consolidate(book) is False
    replay = Replay.of(book)
    assert [a["func"] for a in replay.actions] == ["alert"]
    assert "master workbook" in replay.alerts[0]["prompt"]


def test_validate_open_workbook_lists_findings_and_colours_cells(make_return, tmp_path):
    path = make_return("MELTON", {"gains_procurement_2008_09": "£5"})
    book = remote_book(path, name=str(path))
    sheets_before = [s.name for s in book.sheets]
    assert ribbon.validate_open_workbook(book) is True
    replay = Replay.of(book)
    assert replay.order == ["Validation results", *sheets_before]
    assert "NOT ACCEPTED" in replay.value("Validation results", "A1")
    assert replay.value("Validation results", "A4") == "Severity"
    rows = [replay.value("Validation results", f"{c}5") for c in "ABC"]
    assert rows[0] == "error" and rows[1] == "Gains" and rows[2]
    assert replay.colors["Gains"][(_row_col(rows[2]))] == "#FFC7CE"
    (alert,) = replay.alerts
    assert "Melton" in alert["prompt"] and alert["mode"] == "critical"


def _row_col(address: str) -> tuple[int, int]:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    col, row = coordinate_from_string(address)
    return row, column_index_from_string(col)


def test_a_missing_workspace_gives_a_message_and_a_logged_trace(tmp_path):
    missing = tmp_path / "no-such-workspace"
    book = master_book(missing)
    assert ribbon.consolidate(book) is False
    (alert,) = Replay.of(book).alerts
    prompt = alert["prompt"]
    assert "is not a workspace" in prompt and "Traceback" not in prompt
    log = tmp_path / "home" / ".ni179" / "logs" / "ribbon.log"
    assert str(log) in prompt
    text = log.read_text("utf-8")
    assert "Traceback" in text and "WorkspaceError" in text


@pytest.mark.slow
def test_an_unexpected_error_is_a_message_not_a_traceback(demo, monkeypatch):
    import xl_ni179.consolidate.run

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(xl_ni179.consolidate.run, "summarise", broken)
    book = master_book(demo[0])
    assert ribbon.consolidate(book) is False
    (alert,) = Replay.of(book).alerts
    log = demo[0] / "logs" / "ribbon.log"
    assert "unexpected problem (ZeroDivisionError: boom)" in alert["prompt"]
    assert str(log) in alert["prompt"] and "Traceback" not in alert["prompt"]
    assert 'raise ZeroDivisionError("boom")' in log.read_text("utf-8")


@pytest.mark.slow
def test_receive_folder_receives_every_return_in_the_inbox(tmp_path, returns_dir):
    from xl_ni179.store.workspace import Workspace

    ws = Workspace.init(tmp_path / "ws")
    book = master_book(ws.path, ni179_inbox=str(returns_dir))
    assert ribbon.receive_folder(book) is True
    replay = Replay.of(book)
    (alert,) = replay.alerts
    assert "Received 7 files" in alert["prompt"] and "7 accepted, 0 rejected" in alert["prompt"]
    assert {s.state for s in ws.status(DEMO_ROUND) if s.short_name == "Melton"} == {"accepted"}
    assert "Melton" in replay.column(RETURNS_STATUS, 1)  # the status sheet was refreshed too


def test_receive_folder_without_an_inbox_says_where_to_set_it(tmp_path):
    from xl_ni179.store.workspace import Workspace

    ws = Workspace.init(tmp_path / "ws")
    book = master_book(ws.path)
    assert ribbon.receive_folder(book) is False
    assert "ni179_inbox" in Replay.of(book).alerts[0]["prompt"]


@pytest.mark.slow
def test_generate_templates_writes_into_the_workspace(tmp_path):
    from xl_ni179.store.workspace import Workspace

    ws = Workspace.init(tmp_path / "ws")
    book = master_book(ws.path)
    assert ribbon.generate_templates(book) is True
    out = ws.path / "templates" / DEMO_ROUND
    assert len(list(out.glob("*.xlsx"))) == 13
    assert str(out) in Replay.of(book).alerts[0]["prompt"]


@pytest.mark.slow
def test_settings_reports_the_workspace_and_round(demo):
    book = master_book(demo[0])
    assert ribbon.settings(book) is True
    prompt = Replay.of(book).alerts[0]["prompt"]
    assert str(demo[0]) in prompt and "13 organisations" in prompt and DEMO_ROUND in prompt


def test_settings_fall_back_to_the_environment(tmp_path, monkeypatch):
    from xl_ni179.excel.ribbon_support import read_settings

    monkeypatch.setenv("NI179_WORKSPACE", str(tmp_path / "env-ws"))
    book = remote_book(MASTER, name="NI179_master.xlsx")  # the shipped master: workspace blank
    s = read_settings(book)
    # The shipped master names the latest round in the built-in configuration.
    assert (
        s.workspace == tmp_path / "env-ws" and s.round_id == "2009-10-outturn" and s.inbox is None
    )
    monkeypatch.delenv("NI179_WORKSPACE")
    assert read_settings(book).workspace.name == "ni179-workspace"


@pytest.mark.slow
def test_draft_chasers_calls_the_mail_intake(demo, monkeypatch, tmp_path):
    import types

    calls = []

    def fake_draft_chasers(ws, round_id, out_dir):
        calls.append((ws.path, round_id, out_dir))
        return [out_dir / "blaby.eml", out_dir / "fire.eml"]

    monkeypatch.setitem(
        sys.modules, "xl_ni179.mail", types.SimpleNamespace(draft_chasers=fake_draft_chasers)
    )
    book = master_book(demo[0])
    assert ribbon.draft_chasers(book) is True
    assert calls == [(demo[0], DEMO_ROUND, demo[0] / "chasers" / DEMO_ROUND)]
    assert "Drafted 2 chasers" in Replay.of(book).alerts[0]["prompt"]


@pytest.mark.slow
def test_draft_paper_writes_into_the_workspace(demo):
    book = master_book(demo[0])
    assert ribbon.draft_paper(book) is True
    out = demo[0] / "paper" / DEMO_ROUND
    assert any(out.glob("*.docx"))
    assert str(out) in Replay.of(book).alerts[0]["prompt"]


def test_copied_sheets_keep_formula_like_text_as_text():
    """Partner text such as '=HYPERLINK(...)' or '-5% on last year' must never run in Excel."""
    from openpyxl import Workbook

    from xl_ni179.excel.ribbon_sheets import copy_sheet
    from xl_ni179.template.styles import set_text

    source = Workbook().active
    for col, text in enumerate(
        ('=HYPERLINK("http://x")', "-5% on last year", "+44 116", "@risk"), 1
    ):
        set_text(source.cell(1, col), text)
    source.cell(2, 1, "=SUM(1,2)")  # a formula the writer meant stays a formula
    book = master_book(Path("unused"))
    copy_sheet(source, book.sheets["Notes"])
    replay = Replay.of(book)
    assert [replay.value("Notes", f"{c}1") for c in "ABCD"] == [
        Text('=HYPERLINK("http://x")'),
        Text("-5% on last year"),
        Text("+44 116"),
        Text("@risk"),
    ]
    assert replay.value("Notes", "A2") == Formula("=SUM(1,2)")


def test_validate_refuses_the_master_workbook(tmp_path):
    book = master_book(tmp_path)
    assert ribbon.validate_open_workbook(book) is False
    replay = Replay.of(book)
    assert [a["func"] for a in replay.actions] == ["alert"]
    assert "This is the master workbook" in replay.alerts[0]["prompt"]


@pytest.mark.slow
def test_consolidate_uses_the_scores_on_the_vfm_sheet(demo, tmp_path):
    """The consolidator keeps the assessors' latest scores on the master's VFM scores sheet."""
    from xl_ni179.excel.master_book import VFM

    wb = load_workbook(MASTER)
    for row in wb[VFM].iter_rows(min_row=5):
        if row[0].value == "LCC":
            row[3].value = 2  # the county council's score revised from 4 to 2
    edited = tmp_path / "NI179_master.xlsx"
    wb.save(edited)
    book = remote_book(
        edited, name="NI179_master.xlsx", ni179_workspace=str(demo[0]), ni179_round=DEMO_ROUND
    )
    assert ribbon.consolidate(book) is True
    rows = Replay.of(book).cells["Value for money"]
    # The first score table (Score | Meaning | Number of organisations): none at 4, seven at 2.
    counts: dict = {}
    for r in range(1, 60):
        if rows.get((r, 1)) in (4, 3, 2, 1) and rows.get((r, 1)) not in counts:
            counts[rows[(r, 1)]] = rows.get((r, 3))
    assert counts == {4: 0, 3: 6, 2: 7, 1: 0}


def _store_files_open(folder: Path) -> list[str]:
    """The store's database files in ``folder`` this process holds open (Linux's /proc); the
    ribbon's log stays open on purpose."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = fd.readlink()
        except OSError:  # closed while we looked
            continue
        if target.is_relative_to(folder) and target.name.startswith("ni179.sqlite"):
            found.append(str(target))
    return found


def test_each_click_closes_the_store_it_opened(demo, tmp_path):
    """Excel keeps the Python process running between clicks: a button must not leave the
    store's file open behind it, nor wait for the garbage collector to close it."""
    import gc
    import shutil

    workspace, _master = demo
    ours = tmp_path / "ws"
    shutil.copytree(workspace, ours)
    gc.collect()
    gc.disable()  # what the collector would close later does not count
    try:
        for click in (ribbon.consolidate, ribbon.refresh_status, ribbon.settings):
            assert click(master_book(ours)) is True, click.__name__
            assert _store_files_open(ours) == [], click.__name__
    finally:
        gc.enable()
