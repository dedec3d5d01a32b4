"""What a rule is: a stable kebab-case code, a severity and message templates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from xl_ni179.findings import Finding, Severity

CODE_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
CATEGORIES = ("file", "structure", "receipt", "data", "cross-return")


@dataclass(frozen=True)
class Rule:
    """One check. ``message`` and ``fix`` are ``str.format`` templates.

    Template fields available to every rule: ``sheet``, ``cell``, ``label``, plus
    whatever the check passes (``value``, ``year``...).
    """

    code: str
    severity: Severity
    category: str
    title: str  # what the rule checks, for docs and the checks sheet
    message: str  # what is wrong
    fix: str  # what to do
    in_workbook: bool = False  # also checked live by a formula on the Checks sheet

    def finding(self, *, sheet: str = "", cell: str = "", field: str = "", label: str = "",
                explained: bool = False, **params: Any) -> Finding:
        values = {"sheet": sheet, "cell": cell, "field": field, "label": label or field, **params}
        return Finding(
            code=self.code,
            severity=self.severity,
            message=self.message.format(**values),
            fix=self.fix.format(**values),
            sheet=sheet,
            cell=cell,
            field=field,
            explained=explained,
        )


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    if not CODE_RE.match(rule.code):
        raise ValueError(f"rule code {rule.code!r} is not kebab-case")
    if rule.code in RULES:
        raise ValueError(f"rule code {rule.code!r} is defined twice")
    if rule.category not in CATEGORIES:
        raise ValueError(f"rule {rule.code!r} has unknown category {rule.category!r}")
    RULES[rule.code] = rule
    return rule


def get_rule(code: str) -> Rule:
    return RULES[code]
