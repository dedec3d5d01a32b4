"""Packages that load their names on first use (a module ``__getattr__``) still show mypy every
name: a misspelt import is a type error, not ``Any``, and what mypy sees is what runs."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "xl_ni179"


def _lazy_packages() -> list[str]:
    """Every package of ours whose ``__init__`` defines a module-level ``__getattr__``."""
    found = []
    for init in sorted(PACKAGE.rglob("__init__.py")):
        if any(
            isinstance(node, ast.FunctionDef) and node.name == "__getattr__"
            for node in ast.walk(ast.parse(init.read_text("utf-8")))
        ):
            found.append(".".join(init.parent.relative_to(ROOT).parts))
    return found


LAZY = _lazy_packages()


def _type_checking_imports(package: str) -> dict[str, str]:
    """``{name: module}`` for each name imported under ``if TYPE_CHECKING:``."""
    init = ROOT.joinpath(*package.split("."), "__init__.py")
    names = {}
    for node in ast.parse(init.read_text("utf-8")).body:
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
        ):
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module, ast.unparse(imp)
                names.update({a.asname or a.name: imp.module for a in imp.names})
    return names


def test_the_lazy_packages_are_found() -> None:
    assert {
        "xl_ni179.mail",
        "xl_ni179.template",
        "xl_ni179.excel.addin",
        "xl_ni179.intake.safety",
    } <= set(LAZY)


@pytest.mark.parametrize("package", LAZY)
def test_every_exported_name_is_declared_for_mypy_and_loads_at_run_time(package: str) -> None:
    module = importlib.import_module(package)
    declared = _type_checking_imports(package)
    assert declared, f"{package} defines __getattr__ but declares no names under TYPE_CHECKING"
    eager = {n for n in module.__all__ if n in vars(module)}
    assert set(module.__all__) == set(declared) | eager
    for name, source in declared.items():
        assert getattr(module, name) is getattr(importlib.import_module(source), name), name
    assert not hasattr(module, "no_such_name")


@pytest.mark.slow
def test_a_misspelt_lazy_name_is_a_type_error(tmp_path: Path) -> None:
    from mypy import api

    lines = ["from xl_ni179.mail import draft_chaser  # typo"]  # the one the review found passing
    for package in LAZY:
        name = sorted(_type_checking_imports(package))[0]
        lines += [
            f"from {package} import {name}",
            f"from {package} import {name}x  # typo",
            f"print({name})",
        ]
    planted = tmp_path / "planted.py"
    planted.write_text("\n".join(lines) + "\n")
    out, err, _ = api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--follow-imports",
            "silent",
            str(planted),
        ]
    )
    errors = [line for line in out.splitlines() if ": error:" in line]
    typo_lines = {i for i, line in enumerate(lines, 1) if line.endswith("# typo")}
    assert {int(e.split(":")[1]) for e in errors} == typo_lines, out + err
    assert all("[attr-defined]" in e for e in errors), out
