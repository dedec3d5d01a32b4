"""Many returns at once: validated together on both workers, recorded one by one in order.

`ni179 validate`, `ni179 receive`, the ribbon's Receive and the mail intake hand a whole
batch to the library; what the user sees must be what receiving the files one at a time
gives, and a progress bar shows only on a terminal.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from click.testing import CliRunner

from xl_ni179.cli import main
from xl_ni179.intake.safety.bounded import BoundedPool
from xl_ni179.store.workspace import Incoming, Workspace

ROUND = "2008-09-review"
ROOT = Path(__file__).resolve().parents[1]


def summary(receipts) -> list[tuple]:
    return [
        (
            r.outcome,
            r.org_code,
            r.version,
            r.supersedes,
            r.duplicate_of is not None,
            sorted(f.code for f in r.report.findings),
        )
        for r in receipts
    ]


@pytest.fixture
def batch(returns_dir, make_return) -> list[Path]:
    """Melton, the same file again, Melton's corrected second version, a rejected return, Oadby and Wigston."""
    melton = returns_dir / "NI179_MELTON_2008-09-review.xlsx"
    return [
        melton,
        melton,
        make_return("MELTON", {"signoff_preparer": "A. N. Other"}),
        make_return("HINCK", {"gains_procurement_2008_09": "£5"}),
        returns_dir / "NI179_OADBY_2008-09-review.xlsx",
    ]


@pytest.mark.slow
def test_a_batch_is_received_as_one_file_after_another(tmp_path, batch):
    together = Workspace.init(tmp_path / "together")
    receipts = list(together.receive_many(batch, round_id=ROUND))
    alone = Workspace.init(tmp_path / "alone")
    expected = [alone.receive(path, round_id=ROUND) for path in batch]

    assert summary(receipts) == summary(expected)
    assert [r.report.file for r in receipts] == [str(p) for p in batch]  # in the order given
    assert [(r.outcome, r.version, r.supersedes) for r in receipts] == [
        ("accepted", 1, None),
        ("duplicate", 1, None),
        ("accepted", 2, 1),
        ("rejected", 1, None),
        ("accepted", 1, None),
    ]
    assert [(s.org_code, s.version, s.outcome) for s in together.submissions()] == [
        (s.org_code, s.version, s.outcome) for s in alone.submissions()
    ]


@pytest.mark.slow
def test_each_file_of_a_batch_is_checked_against_its_own_sender(tmp_path, returns_dir):
    ws = Workspace.init(tmp_path / "ws")
    p = ws.partnership
    lcc, lcity = (returns_dir / f"NI179_{code}_2008-09-review.xlsx" for code in ("LCC", "LCITY"))
    receipts = list(
        ws.receive_many(
            [
                Incoming(lcc, p.organisation("LCC").emails[0]),
                Incoming(lcity, p.organisation("LCC").emails[0]),  # not LCC's to send
                Incoming(lcity, p.organisation("LCITY").emails[0]),
            ]
        )
    )
    assert [(r.outcome, r.org_code) for r in receipts] == [
        ("accepted", "LCC"),
        ("rejected", "LCC"),
        ("accepted", "LCITY"),
    ]
    assert "sender-not-registered" in {f.code for f in receipts[1].report.findings}
    assert "sender-not-registered" not in {
        f.code for r in (receipts[0], receipts[2]) for f in r.report.findings
    }


@pytest.fixture
def batches(monkeypatch) -> list[list[str]]:
    """The lists of files each call of the worker pool was given."""
    calls: list[list[str]] = []
    real = BoundedPool.map

    def spy(self, fn, paths, **kwargs):
        paths = [str(x) for x in paths]
        calls.append(paths)
        return real(self, fn, paths, **kwargs)

    monkeypatch.setattr(BoundedPool, "map", spy)
    return calls


@pytest.mark.slow
def test_validate_and_receive_hand_the_pool_every_file_at_once(tmp_path, batch, batches):
    files = [str(p) for p in batch]
    result = CliRunner().invoke(main, ["validate", "--json", *files], catch_exceptions=False)
    assert [d["file"] for d in json.loads(result.output)] == files
    assert batches == [files]

    batches.clear()
    ws = Workspace.init(tmp_path / "ws")
    result = CliRunner().invoke(
        main,
        ["--workspace", str(ws.path), "receive", "--round", ROUND, *files],
        catch_exceptions=False,
    )
    assert result.exit_code == 1  # Hinckley's return is rejected
    assert batches == [sorted(set(files), key=files.index)]  # the repeated file is checked once
    lines = [line for line in result.output.splitlines() if line.startswith(str(tmp_path.parent))]
    assert [line.split(":")[0] for line in lines] == files  # answered in the order given
    assert "version 2, replaces version 1" in result.output


def _run_on_terminal(args: list[str]) -> tuple[str, str]:
    """Run ``ni179 ARGS`` with stderr on a terminal (a pseudo-terminal); its (stdout, stderr)."""
    main_fd, terminal = pty.openpty()
    fcntl.ioctl(
        terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0)
    )  # 24 rows, 100 columns
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "xl_ni179", *args], stdout=subprocess.PIPE, stderr=terminal, env=env
    )
    os.close(terminal)
    seen = b""
    while True:
        ready, _, _ = select.select([main_fd], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # the terminal closed: the program has ended
            break
        if not chunk:
            break
        seen += chunk
    out = proc.stdout.read().decode()
    proc.stdout.close()
    proc.wait(60)
    os.close(main_fd)
    return out, seen.decode("utf-8", "replace")


@pytest.mark.slow
def test_progress_bar_on_a_terminal_only(tmp_path, returns_dir):
    files = [str(p) for p in sorted(returns_dir.glob("*.xlsx"))][:3]
    out, err = _run_on_terminal(["validate", *files])
    assert "Validating:   0%" in err and "0/3" in err  # the bar, counting files, on the terminal
    assert err.count("Validating") >= 2  # redrawn as files are checked
    assert out.count(": ACCEPTED") == 3 and "Validating" not in out

    out, err = _run_on_terminal(["validate", "--json", *files])
    assert err == ""  # --json: nothing but the JSON
    assert len(json.loads(out)) == 3

    piped = subprocess.run(
        [sys.executable, "-m", "xl_ni179", "validate", *files],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert piped.stderr == "" and piped.stdout.count(": ACCEPTED") == 3


def test_an_unreadable_file_is_left_out_and_the_rest_received(tmp_path, returns_dir):
    ws = Workspace.init(tmp_path / "ws")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for code in ("LCC", "OADBY"):
        shutil.copy(returns_dir / f"NI179_{code}_2008-09-review.xlsx", inbox)
    # listed, then deleted before it was read (a link would be refused as not-a-regular-file instead)
    files = sorted([*inbox.glob("*.xlsx"), inbox / "NI179_GONE.xlsx"])
    missed: list[Path] = []
    receipts = list(
        ws.receive_many(files, round_id=ROUND, unreadable=lambda path, _exc: missed.append(path))
    )
    assert [r.org_code for r in receipts] == ["LCC", "OADBY"]
    assert missed == [inbox / "NI179_GONE.xlsx"]
    with pytest.raises(OSError):  # without the callback, before anything is recorded
        list(ws.receive_many(files, round_id=ROUND))
    assert len(ws.submissions()) == 2
