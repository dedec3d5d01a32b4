"""The rule set: every check the system makes, each defined once with a stable code.

``RULES`` maps code -> Rule. Importing this package registers all rules, so the
template builder, the validator and the docs generator see the same set.
"""

# Importing these modules registers their rules.
from xl_ni179.rules import data_rules, file_rules, round_rules, structure_rules  # noqa: E402,F401,I001
from xl_ni179.rules.base import RULES, Rule, get_rule, register

__all__ = ["RULES", "Rule", "get_rule", "register"]
