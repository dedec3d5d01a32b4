"""What a rule is: a stable kebab-case code, a severity and message templates."""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xl_ni179.rules.findings import Finding, Severity
from xl_ni179.text import QUOTE_CHARS, quote

# A rule's stable kebab-case code (not a configuration code: xl_ni179.partnership.CONFIG_CODE_RE).
RULE_CODE_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
CATEGORIES = ("file", "structure", "receipt", "data", "cross-return")

# What the partner is asked to do about a check that fails, by its severity: an error is
# fixed; a warning is looked at and, if the figure is right, explained (not changed). The
# workbook's Checks sheet and every reply take their words from here.
ACTION: dict[Severity, str] = {"error": "Fix", "warning": "Explain"}
CELL_ACTION: dict[Severity, str] = {
    "error": "Fix",
    "warning": "Check",
}  # one cell's check, on Check details
EXPLAINED = "Explained"
PASSED = "OK"
EXPLAINED_FIX = "Nothing more to do: you have explained this on the Checks sheet."


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

    @property
    def action(self) -> str:
        """What the Checks sheet says while this rule fails: Fix, or Explain for a warning."""
        return ACTION[self.severity]

    def finding(
        self,
        *,
        sheet: str = "",
        cell: str = "",
        field: str = "",
        label: str = "",
        explained: bool = False,
        **params: Any,
    ) -> Finding:
        values = {
            key: _bounded(value)
            for key, value in {
                "sheet": sheet,
                "cell": cell,
                "field": field,
                "label": label or field,
                **params,
            }.items()
        }
        return Finding(
            code=self.code,
            severity=self.severity,
            message=fill(self.message, values),
            fix=fill(self.fix, values),
            sheet=sheet,
            cell=cell,
            field=field,
            explained=explained,
        )


def _bounded(value: Any) -> Any:
    """A message parameter as a finding may quote it: text (a cell's, a sheet's or part's
    name, a formula, a reader's detail) cut to a few hundred characters, saying how long it
    was; numbers, dates and the like as they are, for the template's format to apply."""
    if isinstance(value, str):
        return quote(value)
    if value is None or isinstance(value, int | float | dt.date | dt.time):
        return value
    try:
        text = str(value)
    except Exception:  # noqa: BLE001 - a parameter that cannot be shown must not stop the finding
        return "‹?›"
    return quote(text) if len(text) > QUOTE_CHARS else value


class _Lenient(string.Formatter):
    """Fills a template without ever raising: a missing parameter shows as ‹name› (as the
    rules page writes it), and a value that does not suit its format is shown as it is."""

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        try:
            return super().get_field(field_name, args, kwargs)
        except (AttributeError, IndexError, KeyError, TypeError):
            return _Missing(field_name), field_name

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, _Missing):
            return str(value)
        try:
            return format(value, format_spec)
        except (TypeError, ValueError):
            return str(value)


class _Missing(str):
    def __new__(cls, name: str) -> _Missing:
        return super().__new__(cls, f"‹{name}›")


_LENIENT = _Lenient()


def fill(template: str, values: Mapping[str, Any]) -> str:
    """``template.format(**values)``, except that a missing or unsuitable parameter never raises
    (validation must finish and list every finding, whatever one check passed)."""
    try:
        return template.format(**values)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return _LENIENT.vformat(template, (), values)


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    if not RULE_CODE_RE.match(rule.code):
        raise ValueError(f"rule code {rule.code!r} is not kebab-case")
    if rule.code in RULES:
        raise ValueError(f"rule code {rule.code!r} is defined twice")
    if rule.category not in CATEGORIES:
        raise ValueError(f"rule {rule.code!r} has unknown category {rule.category!r}")
    RULES[rule.code] = rule
    return rule


def get_rule(code: str) -> Rule:
    return RULES[code]


def finding(code: str, **params: Any) -> Finding:
    """The finding of rule ``code`` (for a check that names its rule by code, as the reader
    and the safety layer do)."""
    return RULES[code].finding(**params)
