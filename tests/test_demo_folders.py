"""`ni179 demo` never deletes what it did not make (issue 11, item 9).

It used to remove the whole workspace folder it was given (NI179_WORKSPACE or
--workspace), accepted returns included, and OUT/templates and OUT/returns. Now it works
only in new or empty folders, or ones an earlier demo run made (they hold the marker
file), and refuses anything else before touching a file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from xl_ni179.cli import main
from xl_ni179.store.workspace import DEMO_MARKER, Workspace

MELTON = "finance@melton.example.org"


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def real(tmp_path, returns_dir) -> Path:
    """A real workspace holding an accepted return."""
    ws = Workspace.init(tmp_path / "real-workspace")
    assert (
        ws.receive(returns_dir / "NI179_MELTON_2008-09-review.xlsx", sender=MELTON).outcome
        == "accepted"
    )
    ws.engine.dispose()
    return ws.path


def ni179(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xl_ni179", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


@pytest.mark.slow
def test_the_demo_refuses_a_real_workspace_named_by_the_environment(real, tmp_path):
    before = tree(real)
    result = ni179("demo", "--out", str(tmp_path / "out"), env={"NI179_WORKSPACE": str(real)})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "is an NI 179 workspace" in result.stderr and "Nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree(real) == before and not (real / DEMO_MARKER).exists()
    assert not (tmp_path / "out").exists()  # refused before anything was made
    rows = {s.code: s.state for s in Workspace(real).status("2008-09-review")}
    assert rows["MELTON"] == "accepted"


def test_the_demo_refuses_a_real_workspace_given_with_the_option(real, tmp_path):
    before = tree(real)
    result = CliRunner().invoke(
        main, ["--workspace", str(real), "demo", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2 and "--workspace" in result.output
    assert tree(real) == before


def test_the_demo_refuses_an_output_folder_it_did_not_make(tmp_path):
    out = tmp_path / "shared-drive"
    for sub in ("templates", "returns"):
        (out / sub).mkdir(parents=True)
        (out / sub / "NI179_MELTON_real.xlsx").write_bytes(b"someone's real return")
    before = tree(out)
    result = CliRunner().invoke(
        main, ["--workspace", str(tmp_path / "ws"), "demo", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "a folder the demo did not make" in result.output and "--out" in result.output
    assert tree(out) == before and not (tmp_path / "ws").exists()


def test_the_demo_refuses_a_link(real, tmp_path):
    link = tmp_path / "link-to-workspace"
    link.symlink_to(real, target_is_directory=True)
    before = tree(real)
    result = CliRunner().invoke(
        main, ["--workspace", str(link), "demo", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2 and "a link" in result.output
    assert tree(real) == before


@pytest.mark.slow
def test_the_demo_runs_again_in_its_own_folders_only(tmp_path, monkeypatch):
    monkeypatch.delenv("NI179_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path)  # where the real default workspace, ./ni179-workspace, would be
    out = tmp_path / "demo-output"
    for _ in range(2):  # the second run finds the marker and starts afresh
        result = CliRunner().invoke(main, ["demo", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert f"Workspace: {out / 'workspace'}" in result.output
    assert not (tmp_path / "ni179-workspace").exists()  # the default is left for real work
    assert (out / DEMO_MARKER).is_file() and (out / "workspace" / DEMO_MARKER).is_file()
    ws = Workspace(out / "workspace")
    assert len(ws.submissions()) == 7  # afresh: not 14
    ws.engine.dispose()
    # The demo's workspace is not to be used for the real collection.
    result = CliRunner().invoke(main, ["--workspace", str(out / "workspace"), "init"])
    assert result.exit_code == 2 and "holds the demo" in result.output
