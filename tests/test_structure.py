"""The package's structure: rooms by job, declarations below implementations, nothing
importing upwards (lazy imports included), and every check tied to rules that exist."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from xl_ni179.checks import receipt, saved
from xl_ni179.checks.data import DATA_CHECKS, build_checks
from xl_ni179.intake.safety import problems
from xl_ni179.partnership import load_partnership
from xl_ni179.rules import RULES
from xl_ni179.rules.base import fill
from xl_ni179.spec.schema import build_schema

PACKAGE = Path(__file__).resolve().parents[1] / "xl_ni179"

# Each room may import the rooms listed before it, never one after it.
ROOMS = ["text", "environment", "errors", "data", "partnership", "rules", "spec", "checks", "template", "intake",
         "store", "consolidate", "paper", "mail", "demo", "excel", "cli"]
# Entry points sit above everything: `python -m xl_ni179` and `python -m xl_ni179.mail`.
ENTRY_POINTS = {"xl_ni179/__main__.py", "xl_ni179/mail/__main__.py"}


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every xl_ni179 module ``path`` imports, anywhere in the file (lazy imports count)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("xl_ni179"):
            if node.module == "xl_ni179":
                found += [(node.lineno, f"xl_ni179.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("xl_ni179")]
    return found


def _modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ROOMS else None


def test_no_module_imports_a_room_above_its_own() -> None:
    upward = []
    for path in _modules():
        rel = path.relative_to(PACKAGE.parent).as_posix()
        room = _room(rel.removesuffix(".py").replace("/", "."))
        if rel in ENTRY_POINTS or room is None:
            continue
        for line, module in _imports(path):
            target = _room(module)
            if target is not None and ROOMS.index(target) > ROOMS.index(room):
                upward.append(f"{rel}:{line} imports {module}")
    assert upward == []


def test_at_most_eight_modules_at_the_package_top() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top


def test_rules_import_nothing_of_ours_but_errors_and_text() -> None:
    outside = [(p.name, m) for p in (PACKAGE / "rules").glob("*.py") for _, m in _imports(p)
               if not m.startswith(("xl_ni179.rules", "xl_ni179.errors", "xl_ni179.text"))]
    assert outside == []


@pytest.mark.parametrize("part", ["intake/safety", "intake/reader.py", "intake/raw.py", "intake/sheet_cells.py",
                                  "intake/values.py"])
def test_the_reader_and_the_safety_layer_import_no_rules(part: str) -> None:
    paths = [PACKAGE / part] if part.endswith(".py") else list((PACKAGE / part).glob("*.py"))
    found = [(p.name, m) for p in paths for _, m in _imports(p) if m.startswith("xl_ni179.rules")]
    assert found == []


def test_only_the_excel_room_imports_xlwings() -> None:
    found = []
    for path in _modules():
        if (PACKAGE / "excel") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.relative_to(PACKAGE)}: {n}" for n in names if n.split(".")[0] == "xlwings"]
    assert found == []


def test_every_data_rule_has_a_check_and_every_check_emits_rules() -> None:
    emitted = {code for kind in DATA_CHECKS for code in kind.emits}
    data_rules = {code for code, rule in RULES.items() if rule.category == "data"}
    assert emitted == data_rules
    assert set(receipt.EMITS) <= set(RULES) and set(saved.EMITS) <= set(RULES)
    assert len({kind.name for kind in DATA_CHECKS}) == len(DATA_CHECKS)


def test_every_round_places_only_the_codes_its_checks_declare() -> None:
    p = load_partnership()
    for rnd in p.rounds:
        for kind in DATA_CHECKS:
            assert {c.code for c in kind.checks(build_schema(p, rnd))} <= set(kind.emits)
        assert {c.code for c in build_checks(build_schema(p, rnd))} <= {
            code for code, rule in RULES.items() if rule.category == "data"}


def test_every_problem_the_safety_layer_reports_is_a_file_rule() -> None:
    assert problems.CODES
    for code in problems.CODES:
        assert RULES[code].category == "file", code


def test_a_missing_message_parameter_never_raises() -> None:
    for rule in RULES.values():
        finding = rule.finding()  # no parameters at all: nothing may raise
        assert finding.code == rule.code and finding.message and finding.fix
        assert "{" not in finding.message + finding.fix
    implausible = RULES["gains-implausible"].finding(sheet="Gains", cell="B15", year="2009/10")
    assert implausible.message == ("Gross gains for 2009/10 are £‹value›k, more than ‹limit› of your "
                                   "2007/08 baseline.")


def test_a_parameter_that_does_not_suit_its_format_is_shown_as_it_is() -> None:
    finding = RULES["gains-withdrawn"].finding(sheet="Gains", cell="B15", label="Gross gains", value="n/a",
                                               before=12.0, previous="2008-09-review")
    assert finding.message.startswith("Gross gains is £n/ak, lower than the £12k reported")
    assert fill("{a[0]} {b.c} {d:%}", {"a": None}) == "‹a[0]› ‹b.c› ‹d›"


def test_no_test_imports_another_test_module() -> None:
    """Code the tests share lives in tests/helpers/: no module imports a test module or conftest."""
    tests = Path(__file__).resolve().parent
    test_modules = {p.stem for p in tests.glob("test_*.py")} | {"conftest"}
    found = []
    for path in tests.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                modules = [node.module or "", *(f"{node.module or ''}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            else:
                continue
            found += [(path.name, m) for m in modules if set(m.split(".")) & test_modules]
    assert found == []


def test_the_parents_checks_across_returns_load_no_reader() -> None:
    """Receiving and validating compare a return with earlier ones in the parent process, from
    recorded figures: that must not load the reader, the template builder or a file parser,
    which only the bounded workers need (issue 20 item 7). (openpyxl, and through it lxml, still
    come with the formula tokenizer the declarations use.)"""
    import subprocess
    import sys

    code = ("import sys, xl_ni179.intake.cross_return; "
            "print(sorted(m for m in sys.modules if m in ('xl_ni179.intake.reader', 'xl_ni179.intake.validate', "
            "'xl_ni179.template.builder', 'xl_ni179.intake.safety', 'xl_ni179.intake.compiled')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
