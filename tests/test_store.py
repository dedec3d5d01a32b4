"""The returns store: versions, duplicates, late returns and a crash mid-receive."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from xl_ni179.cli import main
from xl_ni179.store.models import AuditEntry, Figure, StoredFile, Submission
from xl_ni179.store.workspace import Workspace

ROUND = "2008-09-review"  # named: the default round depends on the date (see docs/config.md)
IN_TIME = dt.datetime(2009, 5, 12, 9)
LATE = dt.datetime(2009, 5, 19, 9)


@pytest.fixture
def ws(tmp_path, store_url):
    workspace = Workspace.init(tmp_path / "ws", url=store_url)
    yield workspace
    workspace.engine.dispose()


def counts(ws) -> dict[str, int]:
    with ws.session() as s:
        return {
            model.__tablename__: s.scalar(select(func.count()).select_from(model))
            for model in (Submission, Figure, StoredFile, AuditEntry)
        }


@pytest.mark.slow
def test_resubmission_supersedes_and_every_version_is_kept(ws, make_return):
    first = ws.receive(
        make_return("MELTON"), sender="finance@melton.example.org", received_at=IN_TIME
    )
    second = ws.receive(
        make_return("MELTON", {"gains_procurement_2008_09": 70.0}),
        sender="finance@melton.example.org",
        received_at=IN_TIME + dt.timedelta(days=1),
    )
    assert (first.outcome, first.version) == ("accepted", 1)
    assert (second.outcome, second.version, second.supersedes) == ("accepted", 2, 1)
    assert {f.code for f in second.report.findings} == {"resubmission-changed"}
    assert ws.accepted_returns("2008-09-review")["MELTON"]["gains_procurement_2008_09"] == 70.0
    assert len(ws.submissions()) == 2
    (melton,) = [s for s in ws.status(ROUND) if s.code == "MELTON"]
    assert (melton.state, melton.version, melton.late) == ("accepted", 2, False)
    assert melton.warnings and "changed" in melton.warnings[0]


@pytest.mark.slow
def test_identical_resubmission_is_a_duplicate(ws, returns_dir, copy_of):
    path = returns_dir / "NI179_NWL_2008-09-review.xlsx"
    ws.receive(path, received_at=IN_TIME)
    again = ws.receive(copy_of(path, "renamed by the sender.xlsx"), received_at=IN_TIME)
    assert (again.outcome, again.version) == ("duplicate", 1)
    assert counts(ws)["files"] == 1
    assert [s.outcome for s in ws.submissions()] == ["accepted", "duplicate"]
    (nwl,) = [s for s in ws.status(ROUND) if s.code == "NWL"]
    assert nwl.version == 1


@pytest.mark.slow
def test_rejected_resubmission_never_displaces_an_accepted_return(ws, returns_dir, make_return):
    ws.receive(returns_dir / "NI179_OADBY_2008-09-review.xlsx", received_at=IN_TIME)
    bad = ws.receive(make_return("OADBY", {"signoff_email": "not an email"}), received_at=IN_TIME)
    assert (bad.outcome, bad.version) == ("rejected", 2)
    (oadby,) = [s for s in ws.status(ROUND) if s.code == "OADBY"]
    assert (oadby.state, oadby.version) == ("accepted", 1)
    figures = ws.accepted_returns("2008-09-review")["OADBY"]
    assert figures["signoff_email"] == "finance@oadby-wigston.example.org"


@pytest.mark.slow
def test_rejected_only_and_late_and_missing(ws, returns_dir, make_return):
    ws.receive(make_return("MELTON", {"gains_other_2008_09": "N/A"}), received_at=IN_TIME)
    ws.receive(returns_dir / "NI179_HINCK_2008-09-review.xlsx", received_at=LATE)
    rows = {s.code: s for s in ws.status(ROUND, now=LATE)}
    assert (rows["MELTON"].state, rows["MELTON"].errors) == ("rejected", 1)
    assert rows["HINCK"].state == "accepted" and rows["HINCK"].late
    assert rows["BLABY"].state == "missing" and rows["BLABY"].late
    assert not {s.code: s for s in ws.status(ROUND, now=IN_TIME)}["BLABY"].late


def test_crash_mid_receive_leaves_the_store_unchanged(ws, returns_dir, monkeypatch):
    ws.receive(returns_dir / "NI179_LCC_2008-09-review.xlsx", received_at=IN_TIME)
    before = counts(ws)

    def crash(*_args, **_kwargs):
        raise RuntimeError("power cut")

    # The figures are written inside the same transaction as the submission row.
    monkeypatch.setattr("xl_ni179.store.recording._figures", crash)
    with pytest.raises(RuntimeError):
        ws.receive(returns_dir / "NI179_LCITY_2008-09-review.xlsx", received_at=IN_TIME)
    assert counts(ws) == before
    assert len(list((ws.path / "files").rglob("*.xlsx"))) == 1
    monkeypatch.undo()
    assert ws.receive(returns_dir / "NI179_LCITY_2008-09-review.xlsx").outcome == "accepted"


def test_files_are_stored_by_content_hash_never_by_sender_name(ws, returns_dir, copy_of):
    path = copy_of(returns_dir / "NI179_LCC_2008-09-review.xlsx", "..%2f..%2fevil.xlsx")
    receipt = ws.receive(path, original_name="../../evil.xlsx")
    assert receipt.stored_path.name == f"{receipt.report.sha256}.xlsx"
    assert receipt.stored_path.is_relative_to(ws.path / "files")
    assert ws.submissions()[0].original_name == "../../evil.xlsx"


@pytest.mark.slow
def test_cli_init_receive_status(tmp_path, returns_dir, make_return):
    runner = CliRunner()
    ws = str(tmp_path / "w")
    assert runner.invoke(main, ["--workspace", ws, "init"]).exit_code == 0
    result = runner.invoke(
        main,
        [
            "--workspace",
            ws,
            "receive",
            str(returns_dir / "NI179_MELTON_2008-09-review.xlsx"),
            "--sender",
            "finance@melton.example.org",
        ],
    )
    assert result.exit_code == 0 and "ACCEPTED (version 1)" in result.output
    result = runner.invoke(
        main, ["--workspace", ws, "receive", str(make_return("NWL", {"signoff_date": "x"}))]
    )
    assert result.exit_code == 1 and "NOT ACCEPTED" in result.output
    result = runner.invoke(main, ["--workspace", ws, "status", "--round", "2008-09-review"])
    assert result.exit_code == 0
    assert "Rejected: awaiting a fix" in result.output
    assert result.output.strip().endswith(
        "Returns were not received from: County Council, City Council, Blaby, "
        "Charnwood, Harborough, Hinckley and Bosworth, Oadby and Wigston, "
        "Fire Authority, Police, City PCT and County PCT."
    )


@pytest.mark.slow
@pytest.mark.parametrize("folder", ["Round 2? draft", "Returns%20received", "Round #2"])
def test_a_workspace_keeps_its_store_in_its_own_folder_whatever_the_folder_is_called(
    tmp_path, returns_dir, monkeypatch, folder
):
    """A folder name is not URL syntax: a '?' or '%20' in it once opened a database elsewhere
    (a new, empty store beside the folder), so receipts went missing from the workspace."""
    monkeypatch.delenv("NI179_DATABASE_URL", raising=False)
    runner = CliRunner()
    ws = tmp_path / "Finance" / folder
    assert runner.invoke(main, ["--workspace", str(ws), "init"]).exit_code == 0
    melton = returns_dir / "NI179_MELTON_2008-09-review.xlsx"
    result = runner.invoke(
        main,
        [
            "--workspace",
            str(ws),
            "receive",
            str(melton),
            "--sender",
            "finance@melton.example.org",
            "--round",
            ROUND,
        ],
    )
    assert result.exit_code == 0 and "ACCEPTED (version 1)" in result.output, result.output
    assert sorted(p.name for p in (tmp_path / "Finance").iterdir()) == [folder]
    assert (ws / "ni179.sqlite").is_file()
    status = runner.invoke(main, ["--workspace", str(ws), "status", "--round", ROUND])
    assert (
        "Melton" in status.output
        and "Returns were not received from: County Council" in status.output
    )
    assert "Melton" not in status.output.split("Returns were not received from:")[1]


def test_a_workspace_in_a_folder_whose_name_is_not_utf8_keeps_its_store(
    tmp_path, returns_dir, monkeypatch
):
    """A Latin-1 folder name (copied from an old Windows share) cannot be written in a URL's
    text at all: the store is still the workspace's own file, through the library."""
    monkeypatch.delenv("NI179_DATABASE_URL", raising=False)
    folder = tmp_path / os.fsdecode(b"Ann\xe9e 2009")
    ws = Workspace.init(folder)
    receipt = ws.receive(
        returns_dir / "NI179_MELTON_2008-09-review.xlsx",
        sender="finance@melton.example.org",
        round_id=ROUND,
    )
    ws.engine.dispose()
    assert receipt.outcome == "accepted"
    assert (
        os.listdir(os.fsencode(tmp_path)) == [b"Ann\xe9e 2009"]
        and (folder / "ni179.sqlite").is_file()
    )
    again = Workspace(folder)
    assert {st.code: st.state for st in again.status(ROUND)}["MELTON"] == "accepted"
    again.engine.dispose()


def test_status_without_a_workspace_says_how_to_make_one(tmp_path):
    result = CliRunner().invoke(main, ["--workspace", str(tmp_path / "none"), "status"])
    assert result.exit_code == 2
    assert "is not a workspace" in result.output and "ni179 init" in result.output


def test_migrations_describe_every_table(store_url):
    """The Alembic migrations create exactly the tables the models declare."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from xl_ni179.store.migrate import HEAD, current_revision, head_revision, upgrade
    from xl_ni179.store.schema_models import metadata

    engine = create_engine(store_url)
    upgrade(engine)
    upgrade(engine)  # a second start is a no-op
    assert current_revision(engine) == head_revision() == HEAD
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()


def test_a_postgresql_store_without_its_driver_names_the_extra(tmp_path, monkeypatch):
    """PostgreSQL's driver is the ``postgres`` extra: without it, opening a store on a
    postgresql+psycopg URL is one line saying what to install (and no password), not a traceback."""
    runner = CliRunner()
    ws = str(tmp_path / "w")
    assert runner.invoke(main, ["--workspace", ws, "init"]).exit_code == 0
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the extra were not installed
    monkeypatch.setenv(
        "NI179_DATABASE_URL", "postgresql+psycopg://ni179:s3cret@db.example.org/ni179"
    )
    result = runner.invoke(main, ["--workspace", ws, "status"])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert "pip install 'xl_ni179[postgres]'" in result.output and "psycopg" in result.output
    assert "s3cret" not in result.output


def _open_files_under(folder) -> list[str]:
    fds = Path("/proc/self/fd")
    found = []
    for fd in fds.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed while listed (the listing's own descriptor)
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


def test_a_command_run_in_process_leaves_no_connection_to_the_store_open(tmp_path):
    """The ribbon and the tests run commands in Excel's or pytest's process: the store the
    command opened was left open until the garbage collector ran (a ResourceWarning, and on
    PostgreSQL a server session held)."""
    runner = CliRunner()
    ws = tmp_path / "ws"
    assert runner.invoke(main, ["--workspace", str(ws), "init"]).exit_code == 0
    result = runner.invoke(main, ["--workspace", str(ws), "status", "--round", ROUND])
    assert result.exit_code == 0, result.output
    assert _open_files_under(ws) == []
    with Workspace(ws) as workspace:
        assert workspace.submissions() == []
        assert _open_files_under(ws) != []  # (the check sees an open store)
    assert _open_files_under(ws) == []
