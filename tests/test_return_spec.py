"""The compiled return spec: built once per partnership and round, and what it expects is
exactly what the template builder writes; an issued template is recognised without
building it, and a tampered one still gets each changed cell listed."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from xl_ni179.cli import main
from xl_ni179.intake.batch import validate_file
from xl_ni179.intake.compiled import return_spec
from xl_ni179.intake.safety import BoundedPool
from xl_ni179.partnership import default_config_text, load_partnership
from xl_ni179.spec.formulas import parse_reference
from xl_ni179.store.workspace import Workspace
from xl_ni179.template.builder import build_workbook


@pytest.mark.slow
def test_the_names_a_return_must_hold_are_exactly_those_the_template_defines(partnership):
    """The validator takes the names from the schema and layout, never from a built template."""
    for rnd in partnership.rounds:
        spec = return_spec(partnership, rnd.id)
        for org in partnership.organisations:
            wb, _, _ = build_workbook(partnership, org.code, rnd)
            defined = {
                name.lower(): (name, *parse_reference(d.attr_text))
                for name, d in wb.defined_names.items()
            }
            assert spec.names(org.code) == defined, (rnd.id, org.code)
            assert not any(ws.defined_names for ws in wb.worksheets)  # no sheet-scoped name of ours


def test_equal_partnerships_share_one_spec_and_a_changed_one_gets_its_own(tmp_path):
    first, again = load_partnership(), load_partnership()
    rnd = first.rounds[0].id
    assert first is not again and return_spec(first, rnd) is return_spec(again, rnd)
    changed = tmp_path / "changed.toml"
    changed.write_text(
        default_config_text().replace("Melton Borough Council", "Melton Council"), "utf-8"
    )
    other = load_partnership(changed)
    assert other.content_key != first.content_key
    assert return_spec(other, rnd) is not return_spec(first, rnd)
    assert return_spec(other, rnd).expected_locked("MELTON") != return_spec(
        first, rnd
    ).expected_locked("MELTON")


def _context_loads(path: str) -> int:
    return _Counted.loads


class _Counted:
    loads = 0  # in the worker: how many times a context was unpickled

    def __reduce__(self):
        return (_Counted._load, ())

    @staticmethod
    def _load() -> _Counted:
        _Counted.loads += 1
        return _Counted()


def _loads_seen(context: _Counted, path: str) -> int:
    return _Counted.loads


@pytest.mark.slow
def test_a_worker_receives_the_context_once_however_many_files_and_calls(tmp_path):
    paths = [str(tmp_path / f"{i}.txt") for i in range(6)]
    context = pickle.dumps(_Counted())
    with BoundedPool(1) as pool:
        first = [o.value for o in pool.map(_loads_seen, paths, context=context)]
        second = [o.value for o in pool.map(_loads_seen, paths, context=pickle.dumps(_Counted()))]
        assert first == second == [1] * 6
        assert [o.value for o in pool.map(_context_loads, paths)] == [1] * 6  # a call without one


@pytest.fixture(scope="module")
def issued_ws(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("issued")
    ws = root / "ws"
    runner = CliRunner()
    assert runner.invoke(main, ["--workspace", str(ws), "init"]).exit_code == 0
    result = runner.invoke(
        main,
        [
            "--workspace",
            str(ws),
            "templates",
            "--round",
            "2008-09-review",
            "--out",
            str(root / "templates"),
        ],
    )
    assert result.exit_code == 0, result.output
    return ws, root / "templates"


@pytest.mark.slow
def test_issuing_records_each_templates_fingerprint(issued_ws, partnership):
    ws, _ = issued_ws
    issued = Workspace(ws).issued_templates()
    assert {t.org_code for t in issued} == {o.code for o in partnership.organisations}
    assert {(t.round_id, t.prefill_round, t.prefill_sha) for t in issued} == {
        ("2008-09-review", None, None)
    }


@pytest.mark.slow
def test_an_issued_template_is_recognised_without_building_one(
    issued_ws, partnership, demo_data, tmp_path, monkeypatch
):
    from xl_ni179.intake import compiled as spec_module
    from xl_ni179.template.fill import fill_workbook

    ws, templates = issued_ws
    store = Workspace(ws)
    good = tmp_path / "MELTON.xlsx"
    fill_workbook(
        partnership, templates / "NI179_MELTON_2008-09-review.xlsx", demo_data["MELTON"], good
    )
    tampered = tmp_path / "MELTON-tampered.xlsx"
    wb = load_workbook(good)
    wb["Gains"]["A8"] = "Procurement (all of it)"
    wb.save(tampered)

    def no_build(*_args: object, **_kw: object) -> None:
        raise AssertionError("a template was built")

    # In this process, so that the check sees the patched builder.
    monkeypatch.setattr(spec_module, "locked_content", no_build)
    spec_module._compiled.cache_clear()
    from xl_ni179.intake.validate import validate_in_process

    report = validate_in_process(partnership, good, issued=store.issued_templates())
    assert report.valid and "locked-content-changed" not in {f.code for f in report.findings}
    with pytest.raises(AssertionError, match="a template was built"):
        validate_in_process(partnership, tampered, issued=store.issued_templates())
    monkeypatch.undo()
    spec_module._compiled.cache_clear()
    report = validate_file(partnership, tampered, issued=store.issued_templates())
    changed = [f for f in report.findings if f.code == "locked-content-changed"]
    assert [f.where for f in changed] == ["sheet Gains, cell A8"]
    assert (
        "'Procurement'" in changed[0].message and "'Procurement (all of it)'" in changed[0].message
    )


@pytest.mark.slow
def test_validate_in_a_workspace_uses_the_templates_it_issued(
    issued_ws, partnership, demo_data, tmp_path
):
    """`ni179 validate` run in the consolidator's workspace knows the issued fingerprints (so
    an unchanged return needs no template built), and still catches a changed label; a
    folder holding only a configuration gets no store made for it."""
    from xl_ni179.store.issued import issued_at
    from xl_ni179.store.paths import DB_NAME
    from xl_ni179.template.fill import fill_workbook

    ws, templates = issued_ws
    assert issued_at(ws) == Workspace(ws).issued_templates() != frozenset()
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "config.toml").write_text((ws / "config.toml").read_text("utf-8"), "utf-8")
    assert issued_at(bare) == frozenset() and not (bare / DB_NAME).exists()

    good = fill_workbook(
        partnership,
        templates / "NI179_MELTON_2008-09-review.xlsx",
        demo_data["MELTON"],
        tmp_path / "MELTON.xlsx",
    )
    wb = load_workbook(good)
    wb["Gains"]["A8"] = "Procurement (all of it)"
    wb.save(tmp_path / "tampered.xlsx")
    runner = CliRunner()
    ok = runner.invoke(
        main, ["--workspace", str(ws), "validate", "--round", "2008-09-review", str(good)]
    )
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(
        main,
        [
            "--workspace",
            str(ws),
            "validate",
            "--round",
            "2008-09-review",
            "--json",
            str(tmp_path / "tampered.xlsx"),
        ],
    )
    assert bad.exit_code == 1
    assert ("locked-content-changed", "Gains!A8") in {
        (f["code"], f"{f['sheet']}!{f['cell']}") for f in json.loads(bad.output)[0]["findings"]
    }


def _issue(ws: Path, out: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["--workspace", str(ws), "init"]).exit_code == 0
    result = runner.invoke(
        main, ["--workspace", str(ws), "templates", "--round", "2008-09-review", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_validate_reads_what_was_issued_from_a_sqlite_store_without_opening_it(
    issued_ws, monkeypatch, tmp_path
):
    """The quick read of a current SQLite store answers alone, and gives what the store holds,
    wherever the workspace is (a folder name is not part of a URL's syntax)."""
    import shutil

    from xl_ni179.store import issued as issued_module
    from xl_ni179.store.models import AuditEntry

    ws = Path(shutil.copytree(issued_ws[0], tmp_path / "Finance? #1 (Melton) é" / "ws"))
    assert issued_module.AUDIT_TABLE == AuditEntry.__tablename__
    held = Workspace(ws).issued_templates()

    def not_this_way(url: str) -> None:
        raise AssertionError(f"the store was opened through SQLAlchemy ({url})")

    monkeypatch.setattr(issued_module, "_stored_records", not_this_way)
    assert issued_module.issued_at(ws) == held and len(held) == 13


@pytest.mark.slow
@pytest.mark.parametrize(
    "why", ["another database named", "schema to bring up to date", "not a database"]
)
def test_any_other_store_is_opened_as_every_command_opens_it(tmp_path, monkeypatch, postgres, why):
    """A PostgreSQL store, or a SQLite file the quick read cannot take as it is, is opened
    through SQLAlchemy (and migrated): the answer is the same, or the store's own error."""
    from helpers.pgserver import fresh_database
    from sqlalchemy.exc import DatabaseError

    from xl_ni179.store import issued as issued_module
    from xl_ni179.store.issued import issued_at

    if why == "another database named":
        monkeypatch.setenv("NI179_DATABASE_URL", fresh_database(postgres))
    ws = tmp_path / "ws"
    _issue(ws, tmp_path / "templates")
    with Workspace(ws) as workspace:
        held = workspace.issued_templates()
    assert len(held) == 13
    opened = []
    real = issued_module._stored_records
    monkeypatch.setattr(
        issued_module, "_stored_records", lambda url: opened.append(url) or real(url)
    )
    if why == "schema to bring up to date":
        monkeypatch.setattr(issued_module.migrate, "HEAD", "9999")  # as if this program were newer
    if why == "not a database":
        (ws / "ni179.sqlite").write_bytes(b"this is not a SQLite file" * 100)
        with pytest.raises(DatabaseError):
            issued_at(ws)
        assert len(opened) == 1
        return
    assert issued_at(ws) == held and len(opened) == 1


@pytest.mark.slow
def test_the_validate_command_itself_loads_no_parser_and_no_database_library(
    issued_ws, demo_data, partnership, tmp_path
):
    """The command hands each file to the pool's workers (which load the readers once, in the
    fork server), so its own start-up is short: neither openpyxl, lxml nor SQLAlchemy."""
    from helpers.loaded_modules import command_loads

    from xl_ni179.template.fill import fill_workbook

    ws, templates = issued_ws
    good = fill_workbook(
        partnership,
        templates / "NI179_MELTON_2008-09-review.xlsx",
        demo_data["MELTON"],
        tmp_path / "MELTON.xlsx",
    )
    args = ["--workspace", str(ws), "validate", "--round", "2008-09-review", str(good)]
    code, heavy, out = command_loads(
        args, ("openpyxl", "lxml", "sqlalchemy", "numpy", "pandas"), tmp_path
    )
    assert "MELTON" in out and code == 0
    assert heavy == []


@pytest.mark.slow
def test_issue_records_not_in_the_shape_written_are_passed_over(issued_ws, tmp_path):
    """A damaged audit record never stops `ni179 validate`: both ways of reading the store skip
    it and keep the good ones (its returns would be compared with a built template)."""
    import shutil
    import sqlite3

    from xl_ni179.intake.worker_context import issue_key
    from xl_ni179.store.issued import issued_at

    ws = Path(shutil.copytree(issued_ws[0], tmp_path / "ws"))
    good = Workspace(ws).issued_templates()
    key = issue_key(Workspace(ws).partnership)
    odd = [
        "null",
        "[1, 2]",
        "7",
        json.dumps({"issue_key": key, "round": 5, "fingerprints": {"MELTON": "x"}}),
        json.dumps({"issue_key": key, "round": "2008-09-review", "fingerprints": ["MELTON"]}),
        json.dumps({"issue_key": key, "round": "2008-09-review", "fingerprints": {"MELTON": 12}}),
        json.dumps(
            {
                "issue_key": key,
                "round": "2008-09-review",
                "fingerprints": {"MELTON": "ab"},
                "prefilled": {"MELTON": "not a mapping"},
            }
        ),
    ]
    with sqlite3.connect(ws / "ni179.sqlite") as db:
        db.executemany(
            "INSERT INTO audit (at, actor, action, detail) VALUES ('2009-05-01 09:00:00', 't', "
            "'templates', ?)",
            [(text,) for text in odd],
        )
    assert len(good) == 13
    assert issued_at(ws) == good == Workspace(ws).issued_templates()
