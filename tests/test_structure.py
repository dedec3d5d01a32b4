"""The package's structure: layers by job in the order the README declares them, nothing
importing upwards (lazy, relative and by-name imports included, each shown to be caught on a
planted copy), and every check tied to rules that exist."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
from helpers import structure as S

from xl_ni179.checks import receipt, saved
from xl_ni179.checks.data import DATA_CHECKS, build_checks
from xl_ni179.intake.safety import problems
from xl_ni179.partnership import load_partnership
from xl_ni179.rules import RULES
from xl_ni179.rules.base import fill
from xl_ni179.spec.schema import build_schema

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "xl_ni179"
README = (ROOT / "README.md").read_text("utf-8")


def _imports(path: Path) -> list[str]:
    """Every xl_ni179 module ``path`` imports, anywhere in the file (lazy and by-name imports count)."""
    return [i.target for i in S.imports(path, PACKAGE)[0] if i.target.startswith("xl_ni179")]


# -- the layers, as the README declares them ------------------------------------------------------


def test_the_readme_declares_every_package_in_one_order() -> None:
    order = S.layers(README, PACKAGE)
    assert order[0] == "text" and order[-2:] == ["excel", "cli"], order
    assert S.undeclared(README, PACKAGE) == []


@pytest.mark.slow
def test_no_module_imports_a_layer_above_its_own() -> None:
    assert S.upward_imports(README, PACKAGE) == []


def test_xlwings_is_imported_only_where_the_readme_says() -> None:
    assert S.xlwings_problems(README, PACKAGE) == []


def test_at_most_eight_modules_at_the_package_top() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top


def test_rules_import_nothing_of_ours_but_errors_and_text() -> None:
    outside = [
        (p.name, m)
        for p in (PACKAGE / "rules").glob("*.py")
        for m in _imports(p)
        if not m.startswith(("xl_ni179.rules", "xl_ni179.errors", "xl_ni179.text"))
    ]
    assert outside == []


@pytest.mark.parametrize(
    "part",
    [
        "intake/safety",
        "intake/reader.py",
        "intake/raw.py",
        "intake/sheet_cells.py",
        "intake/values.py",
    ],
)
def test_the_reader_and_the_safety_layer_import_no_rules(part: str) -> None:
    paths = [PACKAGE / part] if part.endswith(".py") else list((PACKAGE / part).glob("*.py"))
    found = [(p.name, m) for p in paths for m in _imports(p) if m.startswith("xl_ni179.rules")]
    assert found == []


# -- each check fails on a violation planted in a copy of the package ----------------------------


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    """A copy of the package (the README beside it): plant one violation, run the checks."""
    copy = tmp_path / "xl_ni179"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def _plant(package: Path, module: str, source: str) -> None:
    path = package / module
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.parent != package and not (path.parent / "__init__.py").exists():
        (path.parent / "__init__.py").write_text("")
    path.write_text(path.read_text("utf-8") + source if path.exists() else source)


def test_the_unplanted_copy_passes(planted: Path) -> None:
    assert S.undeclared(README, planted) == S.upward_imports(README, planted) == []
    assert S.xlwings_problems(README, planted) == []


@pytest.mark.slow
def test_a_package_the_readme_does_not_name_is_reported(planted: Path) -> None:
    _plant(planted, "util/helpers.py", "from xl_ni179.cli.main import main\n")
    assert S.undeclared(README, planted) == ["xl_ni179/util is in no layer of the README's list"]
    assert S.upward_imports(README, planted) == [
        "xl_ni179/util/helpers.py:1 imports xl_ni179.cli.main, of a package in no layer"
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    "source, target",
    [
        ("from ..excel import ribbon\n", "xl_ni179.excel.ribbon"),
        ("from .. import cli\n", "xl_ni179.cli"),
        ("def f():\n    from ..mail.chasers import draft_chasers\n", "xl_ni179.mail.chasers"),
        ("import xl_ni179.store.workspace\n", "xl_ni179.store.workspace"),
        ("import importlib\nimportlib.import_module('xl_ni179.cli.main')\n", "xl_ni179.cli.main"),
        ("__import__('xl_ni179.excel')\n", "xl_ni179.excel"),
        (
            "from importlib import import_module\nimport_module('..consolidate', __package__)\n",
            "xl_ni179.consolidate",
        ),
        (
            "from importlib import import_module\nimport_module(f'xl_ni179.paper.{1}')\n",
            "xl_ni179.paper",
        ),
        ("PRELOAD = ['xl_ni179.intake.batch']\n", "xl_ni179.intake.batch"),
    ],
    ids=[
        "relative",
        "relative-package",
        "relative-lazy",
        "absolute",
        "import_module",
        "__import__",
        "import_module-relative",
        "f-string",
        "named-by-string",
    ],
)
def test_an_upward_import_is_reported_however_it_is_written(
    planted: Path, source: str, target: str
) -> None:
    _plant(planted, "rules/planted.py", source)
    found = S.upward_imports(README, planted)
    assert len(found) == 1 and found[0].startswith("xl_ni179/rules/planted.py:")
    assert found[0].endswith(f"imports {target}, a layer above its own")


def test_a_dynamic_import_the_check_cannot_read_is_reported(planted: Path) -> None:
    _plant(
        planted,
        "rules/planted.py",
        "import importlib\n\ndef load(name):\n    return importlib.import_module(name)\n",
    )
    assert S.upward_imports(README, planted) == [
        "xl_ni179/rules/planted.py:4 imports by a name the structure check cannot read: "
        "importlib.import_module(name)"
    ]


def test_the_package_init_may_import_nothing_of_ours(planted: Path) -> None:
    _plant(planted, "__init__.py", "from xl_ni179.text import visible\n")
    assert S.upward_imports(README, planted) == [
        "xl_ni179/__init__.py:4 imports xl_ni179.text, but xl_ni179/__init__.py imports nothing of ours"
    ]


def test_a_layer_order_changed_in_the_readme_is_the_order_checked(planted: Path) -> None:
    swapped = README.replace("  - `cli/`:", "  - `cli_placeholder/`:").replace(
        "  - `text.py`:", "  - `cli/`: moved first.\n  - `text.py`:"
    )
    assert S.layers(swapped, planted)[0] == "cli"
    assert any("a layer above its own" in p for p in S.upward_imports(swapped, planted))


@pytest.mark.slow
@pytest.mark.parametrize(
    "module, source, problem",
    [
        (
            "consolidate/planted.py",
            "def f():\n    import xlwings\n",
            "consolidate/planted.py:2 imports xlwings outside excel/",
        ),
        (
            "demo/planted.py",
            "import importlib\nimportlib.import_module('xlwings')\n",
            "demo/planted.py:2 imports xlwings outside excel/",
        ),
        (
            "excel/planted.py",
            "import xlwings as xw\n",
            "excel/planted.py:1 imports xlwings at module level; the README says only inside functions",
        ),
        (
            "cli/planted.py",
            "from xl_ni179.excel import udfs\n",
            "cli/planted.py:1 imports xl_ni179.excel.udfs, which loads xlwings",
        ),
    ],
    ids=["outside-excel", "outside-excel-by-name", "module-level-in-excel", "importer-of-udfs"],
)
def test_each_xlwings_violation_is_reported(
    planted: Path, module: str, source: str, problem: str
) -> None:
    _plant(planted, module, source)
    assert S.xlwings_problems(README, planted) == [problem]


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
            code for code, rule in RULES.items() if rule.category == "data"
        }


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
    assert implausible.message == (
        "Gross gains for 2009/10 are £‹value›k, more than ‹limit› of your 2007/08 baseline."
    )


def test_a_parameter_that_does_not_suit_its_format_is_shown_as_it_is() -> None:
    finding = RULES["gains-withdrawn"].finding(
        sheet="Gains",
        cell="B15",
        label="Gross gains",
        value="n/a",
        before=12.0,
        previous="2008-09-review",
    )
    assert finding.message.startswith("Gross gains is £n/ak, lower than the £12k reported")
    assert fill("{a[0]} {b.c} {d:%}", {"a": None}) == "‹a[0]› ‹b.c› ‹d›"


@pytest.mark.slow
def test_no_test_imports_another_test_module() -> None:
    """Code the tests share lives in tests/helpers/: no module imports a test module or conftest."""
    tests = Path(__file__).resolve().parent
    test_modules = {p.stem for p in tests.glob("test_*.py")} | {"conftest"}
    found = []
    for path in tests.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                modules = [
                    node.module or "",
                    *(f"{node.module or ''}.{a.name}" for a in node.names),
                ]
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

    code = (
        "import sys, xl_ni179.intake.cross_return; "
        "print(sorted(m for m in sys.modules if m in ('xl_ni179.intake.reader', 'xl_ni179.intake.validate', "
        "'xl_ni179.template.builder', 'xl_ni179.intake.safety', 'xl_ni179.intake.compiled')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"
