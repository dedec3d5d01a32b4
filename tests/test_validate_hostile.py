"""Hostile and broken files through the real validator, the way returns arrive: each is
rejected with its named finding, quickly, and the good return after them still passes."""

from __future__ import annotations

import time

import pytest
from helpers import hostile_corpus, misbehaving_parsers

from xl_ni179.intake.batch import validate_files
from xl_ni179.intake.safety import BoundedPool


@pytest.mark.slow
def test_every_hostile_file_is_rejected_by_name_and_the_run_goes_on(
    partnership, returns_dir, tmp_path
):
    real = returns_dir / "NI179_MELTON_2008-09-review.xlsx"
    corpus = hostile_corpus.build_corpus(real, tmp_path / "hostile")
    assert len(corpus) >= 35
    files = [path for path, _ in corpus] + [real]
    started = time.perf_counter()
    reports = list(validate_files(partnership, files))
    elapsed = time.perf_counter() - started
    for (path, code), report in zip(corpus, reports, strict=False):
        assert not report.valid, path.name
        assert code in {f.code for f in report.findings}, (
            path.name,
            [f.code for f in report.findings],
        )
        assert all(f.message and f.fix for f in report.findings)
    assert reports[-1].valid and reports[-1].findings == []
    assert elapsed / len(files) < 3, f"{elapsed:.1f} s for {len(files)} files"


@pytest.mark.slow
def test_a_parser_crash_does_not_stop_the_next_validation(partnership, returns_dir):
    real = returns_dir / "NI179_NWL_2008-09-review.xlsx"
    with BoundedPool(workers=1, timeout=20) as pool:
        crashed = pool.run(misbehaving_parsers.segfault, real)
        assert crashed.problem.code == "parse-crashed"
        hung = pool.run(misbehaving_parsers.hang, real, timeout=1)
        assert hung.problem.code == "parse-timeout"
        (report,) = validate_files(partnership, [real], pool=pool)
    assert report.valid and report.organisation == "NWL"


@pytest.mark.parametrize("name", ["empty.xlsx", "notes.csv.xlsx"])
def test_cli_rejects_a_broken_file_without_a_traceback(tmp_path, name):
    from click.testing import CliRunner

    from xl_ni179.cli import main

    path = tmp_path / name
    path.write_bytes(b"" if name.startswith("empty") else b"Organisation,Gains\nMelton,100\n")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "NOT ACCEPTED" in result.output and "What to do:" in result.output
