"""`ni179 receive` and `ni179 validate` read ordinary files only. A FIFO, a link to /dev/zero,
a folder, a socket or a device named like a return is refused at once with a finding, and
the rest of the batch goes on. Before, a FIFO or a link to /dev/zero made both commands hang
for ever and no return in the batch was recorded (issue 18, item 10)."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from xl_ni179.intake.screen import NotRegularFile, file_sha256
from xl_ni179.store.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120  # a hang is a failure, not a stuck test run


@pytest.fixture
def batch(tmp_path, returns_dir):
    """A returns folder: two genuine returns with special entries named like returns among them."""
    folder = tmp_path / "returns"
    folder.mkdir()
    (folder / "NI179_MELTON_2008-09-review.xlsx").write_bytes(
        (returns_dir / "NI179_MELTON_2008-09-review.xlsx").read_bytes()
    )
    os.mkfifo(folder / "NI179_BLABY_2008-09-review.xlsx")
    (folder / "NI179_CHARN_2008-09-review.xlsx").symlink_to("/dev/zero")
    (folder / "NI179_HARB_2008-09-review.xlsx").mkdir()
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "NI179_LCC_2008-09-review.xlsx"))
    kinds = {
        "BLABY": "a named pipe (FIFO)",
        "CHARN": "a link (to /dev/zero)",
        "HARB": "a folder",
        "LCC": "a socket",
    }
    if os.geteuid() == 0:  # only root may make a device node
        os.mknod(folder / "NI179_FIRE_2008-09-review.xlsx", stat.S_IFCHR | 0o600, os.makedev(1, 5))
        kinds["FIRE"] = "a device"
    (folder / "NI179_NWL_2008-09-review.xlsx").write_bytes(
        (returns_dir / "NI179_NWL_2008-09-review.xlsx").read_bytes()
    )
    yield folder, kinds
    sock.close()


def ni179(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NI179_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "xl_ni179", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=ROOT,
    )


def by_file(output: str) -> dict[str, str]:
    """Each file's block of output, by organisation code in its name."""
    blocks: dict[str, str] = {}
    code = None
    for line in output.splitlines():
        if line.startswith(("/", "NI179_")) and "NI179_" in line:
            code = line.split("NI179_", 1)[1].split("_", 1)[0]
            blocks[code] = ""
        if code:
            blocks[code] += line + "\n"
    return blocks


@pytest.mark.slow
def test_receive_refuses_special_files_and_records_the_rest(tmp_path, batch):
    folder, kinds = batch
    ws = tmp_path / "ws"
    assert ni179("--workspace", str(ws), "init").returncode == 0
    files = sorted(str(p) for p in folder.iterdir())
    result = ni179("--workspace", str(ws), "receive", *files)
    assert result.returncode == 1, result.stderr  # some were not accepted
    assert "Traceback" not in result.stderr
    blocks = by_file(result.stdout)
    for code, kind in kinds.items():
        assert "[not-a-regular-file]" in blocks[code], blocks[code]
        assert f"This is not an ordinary file but {kind}" in blocks[code]
    assert "ACCEPTED (version 1)" in blocks["MELTON"] and "ACCEPTED (version 1)" in blocks["NWL"]
    subs = Workspace(ws).submissions()
    assert sorted((s.org_code, s.outcome) for s in subs) == [
        ("MELTON", "accepted"),
        ("NWL", "accepted"),
    ]


@pytest.mark.slow
def test_validate_refuses_special_files_and_checks_the_rest(batch):
    folder, kinds = batch
    files = sorted(str(p) for p in folder.iterdir())
    result = ni179("validate", *files)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    blocks = by_file(result.stdout)
    for code in kinds:
        assert "[not-a-regular-file]" in blocks[code] and "NOT ACCEPTED" in blocks[code]
    assert blocks["MELTON"].splitlines()[0].endswith("ACCEPTED") and blocks["NWL"].splitlines()[
        0
    ].endswith("ACCEPTED")


def test_the_check_is_on_the_opened_file_not_the_name(tmp_path):
    """The file is opened without following a link and without waiting, then the open file
    itself is checked: nothing can be swapped in between."""
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFile, match="named pipe"):
        file_sha256(
            fifo
        )  # returns at once: opening a FIFO to read would otherwise wait for a writer
    link = tmp_path / "link.xlsx"
    link.symlink_to(tmp_path / "real.xlsx")
    (tmp_path / "real.xlsx").write_bytes(b"PK")
    with pytest.raises(NotRegularFile, match="a link"):
        file_sha256(link)  # even to an ordinary file: the folder must hold the return itself
