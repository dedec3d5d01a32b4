"""Hostile returns through the checked-copy paths (`ni179 validate --annotate`, `ni179 receive
--annotate`, the library): each case ends in bounded time, nothing the safety checks rejected
is written back, and the received file is never opened outside the bounded worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from helpers import hostile_corpus
from helpers.checked_copy import (
    assert_nothing_of_phishing,
    assert_only_ours,
    package_reads,
    phishing_return,
)

from xl_ni179.cli import main
from xl_ni179.intake.annotate import annotate
from xl_ni179.intake.batch import validate_file

SECONDS_PER_CASE = 5


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, returns_dir):
    real = returns_dir / "NI179_MELTON_2008-09-review.xlsx"
    return hostile_corpus.build_corpus(real, tmp_path_factory.mktemp("hostile"))


@pytest.mark.slow
def test_no_hostile_file_gets_a_checked_copy(partnership, corpus, tmp_path):
    slow = {}
    for path, code in corpus:
        started = time.perf_counter()
        report = validate_file(partnership, path)
        with package_reads() as reads:
            out = annotate(partnership, report, tmp_path / f"{path.stem}-checked.xlsx")
        elapsed = time.perf_counter() - started
        assert code in {f.code for f in report.findings}, path.name
        assert out is None and reads == [], path.name
        if elapsed > SECONDS_PER_CASE:
            slow[path.name] = round(elapsed, 1)
    assert not slow, slow
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_validate_annotate_writes_nothing_back_for_the_corpus(corpus, tmp_path):
    checked = tmp_path / "checked"
    started = time.perf_counter()
    with package_reads() as reads:
        result = CliRunner().invoke(
            main, ["validate", "--annotate", str(checked), *(str(p) for p, _ in corpus)]
        )
    elapsed = time.perf_counter() - started
    assert result.exit_code == 1, result.output
    assert result.output.count("No checked copy") == len(corpus)
    assert reads == []  # before: openpyxl opened every rejected file here, in the main process
    assert not checked.exists() or list(checked.iterdir()) == []
    assert elapsed < SECONDS_PER_CASE * len(corpus) / 2, f"{elapsed:.0f} s for {len(corpus)} files"


@pytest.mark.slow
def test_the_cell_bomb_costs_the_main_process_nothing(corpus, tmp_path):
    """Before: `ni179 validate --annotate` on this 80 KB file took 19 s and 668 MB, all of it
    openpyxl opening the rejected file in the main process."""
    (bomb,) = [p for p, _ in corpus if p.name == "cell-bomb.xlsx"]
    assert bomb.stat().st_size < 100_000
    peak_file = tmp_path / "peak.txt"
    # The command as a user runs it, reporting the main process's own peak (VmHWM) as it exits:
    # the pool worker that refused the file is bounded by its own limits and is not counted.
    run = (
        "import atexit, runpy, sys\n"
        "def peak():\n"
        "    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        f"    open({str(peak_file)!r}, 'w').write(hwm.split()[1])\n"
        "atexit.register(peak)\n"
        "sys.argv = ['ni179', *sys.argv[1:]]\n"
        "runpy.run_module('xl_ni179', run_name='__main__')\n"
    )
    started = time.monotonic()
    with open(tmp_path / "out.txt", "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                run,
                "validate",
                "--annotate",
                str(tmp_path / "checked"),
                str(bomb),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, _usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by proc.wait()
    elapsed = time.monotonic() - started
    output = (tmp_path / "out.txt").read_text()
    assert os.waitstatus_to_exitcode(status) == 1, output
    assert "[zip-bomb]" in output and "No checked copy" in output
    assert not (tmp_path / "checked").exists()
    peak_kb = int(peak_file.read_text())
    assert peak_kb < 250 * 1024, f"peak {peak_kb // 1024} MB"
    assert elapsed < 2 * SECONDS_PER_CASE, f"{elapsed:.1f} s"  # including the interpreter's start


@pytest.mark.slow
def test_a_phishing_return_gets_back_only_our_template(partnership, returns_dir, tmp_path):
    path = phishing_return(
        returns_dir / "NI179_MELTON_2008-09-review.xlsx", tmp_path / "melton.xlsx"
    )
    report = validate_file(partnership, path)
    assert {"sheet-added", "input-is-formula"} <= {f.code for f in report.errors}
    with package_reads() as reads:
        out = annotate(partnership, report, tmp_path / "checked" / "melton-checked.xlsx")
    assert reads == []
    data = out.read_bytes()
    assert_only_ours(partnership, report, data)
    assert_nothing_of_phishing(data)


@pytest.mark.slow
def test_receive_annotate_writes_the_checked_copy_from_the_store(
    returns_dir, make_return, tmp_path
):
    ws_dir = tmp_path / "ws"
    runner = CliRunner()
    assert runner.invoke(main, ["--workspace", str(ws_dir), "init"]).exit_code == 0
    bad = make_return("MELTON", {"signoff_email": "nobody"}, name="melton.xlsx")
    dde = hostile_corpus.build_corpus(
        returns_dir / "NI179_MELTON_2008-09-review.xlsx", tmp_path / "h"
    )
    (dde,) = [p for p, code in dde if p.name == "dde-formula.xlsx"]
    with package_reads() as reads:
        result = runner.invoke(
            main,
            [
                "--workspace",
                str(ws_dir),
                "receive",
                "--annotate",
                str(tmp_path / "checked"),
                str(bad),
                str(dde),
            ],
        )
    assert result.exit_code == 1, result.output
    assert reads == []
    assert sorted(p.name for p in (tmp_path / "checked").iterdir()) == ["melton-checked.xlsx"]
    assert "[dde-link]" in result.output and "No checked copy" in result.output
