"""The safety layer's problems as findings: the rule's message and fix, filled in.

The safety layer and the reader report a problem by the code of the file rule it breaks
(``xl_ni179.intake.safety.problems``); this is where a problem meets its rule.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable

from xl_ni179.intake.safety.problems import Problem
from xl_ni179.rules import RULES
from xl_ni179.rules.findings import Finding


def finding_of(problem: Problem) -> Finding:
    return RULES[problem.code].finding(sheet=problem.sheet, cell=problem.cell, **problem.params)


def findings_of(problems: Iterable[Problem]) -> list[Finding]:
    return [finding_of(p) for p in problems]


def inspect_file(path: str | os.PathLike[str]) -> list[Finding]:
    """Every file-rule finding of reading the file at ``path`` (its package and its cells, in
    one pass), as a user reads them: empty when the file is a workbook we can read."""
    from xl_ni179.intake.reader import read_package

    return findings_of(read_package(path).problems)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The file's SHA-256, read in chunks (its identity in the store and in every reply)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
