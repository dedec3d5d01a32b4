"""A hostile or broken file is refused with its named finding, quickly, on the path every
returned file takes (``validate_in_process``, what each bounded worker runs): the package
check (``inspect_package``, read as findings by ``inspect_file``) before any reader, then
the reader's limits on the cells. Harmless variants and the valid base get none."""

from __future__ import annotations

import time
from pathlib import Path

import openpyxl
import pytest
from helpers import base_package, benign_packages, hostile_corpus

from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety.formulas import has_dde
from xl_ni179.intake.screen import inspect_file
from xl_ni179.intake.validate import validate_in_process
from xl_ni179.partnership import Partnership
from xl_ni179.rules import RULES
from xl_ni179.rules.findings import Finding

CASES = {name: code for name, code, _ in hostile_corpus.CASES}
SECONDS_PER_FILE = 5.0  # generous: most files take about a millisecond
# Valid OOXML the strict reader still refuses as damaged: cells without an address (r=""),
# which no program we receive returns from writes.
READER_REFUSES = {"cells-without-refs.xlsx"}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return base_package.make_base(tmp_path_factory.mktemp("base") / "base.xlsx")


@pytest.fixture(scope="module")
def corpus(base: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    built = hostile_corpus.build_corpus(base, tmp_path_factory.mktemp("hostile"))
    return {path.name: path for path, _ in built}


@pytest.fixture(scope="module")
def benign(base: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {p.name: p for p in hostile_corpus.build_benign(base, tmp_path_factory.mktemp("benign"))}


def file_findings(partnership: Partnership, path: Path) -> list[Finding]:
    """The file-level findings of ``path`` as validation reports them."""
    return [
        f
        for f in validate_in_process(partnership, path).findings
        if RULES[f.code].category == "file"
    ]


def test_corpus_covers_every_pre_parse_rule() -> None:
    assert len(CASES) >= 35
    # not-a-regular-file is about the folder entry, not its bytes: tests/test_special_files.py
    pre_parse = {
        code
        for code, rule in RULES.items()
        if rule.category == "file"
        and not code.startswith("parse-")
        and code != "not-a-regular-file"
    }
    assert set(CASES.values()) == pre_parse
    assert hostile_corpus.IN_CELLS <= set(CASES)


def test_base_has_no_findings(partnership, base: Path) -> None:
    assert inspect_file(base) == []
    assert file_findings(partnership, base) == []


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_file_is_rejected_with_its_finding(
    name: str, partnership, corpus: dict[str, Path]
) -> None:
    started = time.perf_counter()
    findings = validate_in_process(partnership, corpus[name]).findings
    elapsed = time.perf_counter() - started
    codes = [f.code for f in findings]
    assert CASES[name] in codes, f"{name}: {[(f.code, f.message) for f in findings]}"
    assert elapsed < SECONDS_PER_FILE
    assert len(findings) <= L.MAX_FINDINGS
    for finding in findings:
        rule = RULES[finding.code]
        assert (rule.category, rule.severity, finding.severity) == ("file", "error", "error")
        assert finding.message and finding.fix


@pytest.mark.parametrize("name", [name for name in CASES if name not in hostile_corpus.IN_CELLS])
def test_package_problems_are_found_before_any_reader(name: str, corpus: dict[str, Path]) -> None:
    assert CASES[name] in [f.code for f in inspect_file(corpus[name])]


@pytest.mark.parametrize("name", [name for name, _ in benign_packages.BENIGN])
def test_harmless_variant_passes(name: str, partnership, benign: dict[str, Path]) -> None:
    assert inspect_file(benign[name]) == []
    if name not in READER_REFUSES:
        assert (
            file_findings(partnership, benign[name]) == []
        )  # nor does the reader object to its cells
    openpyxl.load_workbook(benign[name]).close()  # and it really is a readable workbook


@pytest.mark.parametrize(
    "name",
    [
        "xfd-lying-dimension.xlsx",
        "xfd-honest-dimension.xlsx",
        "dimension-only.xlsx",
        "huge-merge.xlsx",
    ],
)
def test_single_far_cell_is_rejected_in_milliseconds(
    name: str, partnership, corpus: dict[str, Path]
) -> None:
    """One cell (or a dimension, or a merged range) at XFD1048576 is refused by the reader's
    limits where it stands, before anything sizes a grid from it."""
    started = time.perf_counter()
    findings = validate_in_process(partnership, corpus[name]).findings
    assert time.perf_counter() - started < 0.1
    assert [(f.code, f.sheet, f.cell) for f in findings] == [
        ("sheet-too-large", "Savings", "XFD1048576")
    ]


def test_limits_are_read_when_checking(
    partnership, base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(L, "MAX_ROWS", 5)
    assert [f.code for f in validate_in_process(partnership, base).findings] == ["sheet-too-large"]


def test_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        inspect_file(tmp_path / "nowhere.xlsx")


def test_every_file_rule_reads_well() -> None:
    params = {"detail": "x", "seconds": 30.0, "megabytes": 1024, "rows": "2,000", "columns": 200}
    file_rules = [rule for rule in RULES.values() if rule.category == "file"]
    assert {r.code for r in file_rules} >= set(CASES.values()) | {
        "parse-timeout",
        "parse-memory",
        "parse-crashed",
    }
    for rule in file_rules:
        finding = rule.finding(sheet="Savings", cell="B8", **params)
        assert finding.severity == "error"
        assert finding.message.endswith(".") and finding.fix.endswith((".", ")"))
        assert "Traceback" not in finding.message and "{" not in finding.message + finding.fix


@pytest.mark.parametrize(
    "formula, dde",
    [
        ("cmd|' /C calc'!A0", True),
        ("=cmd|'/c calc'!A0", True),
        ("SUM(A1:A3)+msexcel|'x'!_xlbgnm.A1", True),
        ('DDEAUTO("c:\\\\windows\\\\system32\\\\cmd.exe","/k calc")', True),
        ("Table1['x]cmd|'/c calc'!A0", True),  # ' escapes only one character in brackets
        ('"a|b"&B2', False),
        ('"say ""|"" twice"', False),
        ("'Q|1'!A1", False),
        ("SUM(Table1[[#This Row],[a'[b|c]])", False),
        ('"DDE(x)"', False),
        ("SUM(B2:B4)", False),
    ],
)
def test_dde_detection(formula: str, dde: bool) -> None:
    assert has_dde(formula) is dde


@pytest.mark.slow
def test_corpus_built_from_a_real_return(partnership, returns_dir: Path, tmp_path: Path) -> None:
    """The same cases, made from a filled-in return of the real template."""
    real = sorted(returns_dir.glob("*.xlsx"))[0]
    assert validate_in_process(partnership, real).findings == []
    for path, code in hostile_corpus.build_corpus(real, tmp_path / "hostile"):
        assert code in [f.code for f in validate_in_process(partnership, path).findings], path.name
    for path in hostile_corpus.build_benign(real, tmp_path / "benign"):
        assert inspect_file(path) == [], path.name
        if path.name not in READER_REFUSES:
            assert file_findings(partnership, path) == [], path.name
