"""The safety layer's problems as findings: the rule's message and fix, filled in.

The safety layer and the reader report a problem by the code of the file rule it breaks
(``xl_ni179.intake.safety.problems``); this is where a problem meets its rule.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable

from xl_ni179.intake.safety import inspect_package
from xl_ni179.intake.safety.problems import Problem
from xl_ni179.rules import RULES
from xl_ni179.rules.findings import Finding


def finding_of(problem: Problem) -> Finding:
    return RULES[problem.code].finding(sheet=problem.sheet, cell=problem.cell, **problem.params)


def findings_of(problems: Iterable[Problem]) -> list[Finding]:
    return [finding_of(p) for p in problems]


def inspect_file(path: str | os.PathLike[str]) -> list[Finding]:
    """``inspect_package`` with each problem as the finding a user reads (empty when the file is safe to parse)."""
    return findings_of(inspect_package(path))


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The file's SHA-256, read in chunks (its identity in the store and in every reply)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
