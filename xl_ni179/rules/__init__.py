"""The rule set: what the system checks, each rule defined once with a stable code.

A rule is only its declaration (code, severity, category, title, message and fix); the
checks that apply it live in ``xl_ni179.checks`` and the safety layer. ``RULES`` maps
code -> Rule; importing this package registers every rule, so the template builder, the
validator and the docs generator see the same set. This package imports nothing else of
ours but ``xl_ni179.errors``.
"""

from xl_ni179.rules import data_rules, file_rules, round_rules, structure_rules  # noqa: F401 - they register the rules
from xl_ni179.rules.base import RULES, Rule, finding, get_rule, register

__all__ = ["RULES", "Rule", "finding", "get_rule", "register"]
