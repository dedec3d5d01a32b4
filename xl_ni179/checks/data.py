"""The checks of the data rules (declared in ``xl_ni179.rules.data_rules``), in the order of
the template's Checks sheet.

Each carries an Excel expression for the Checks sheet and a Python predicate for receipt
side by side (``base``); they are written by what they look at: one input (``inputs``), the
calculated cells (``computed``), one year against another (``across_years``) and the
sign-off as a whole (``signoff``).
"""

from __future__ import annotations

from xl_ni179.checks import across_years, computed, inputs, signoff
from xl_ni179.checks.base import Check, DataCheck
from xl_ni179.spec.schema import Schema

# The Checks sheet lists its rows in this order, so the templates depend on it.
DATA_CHECKS: list[DataCheck] = [
    inputs.required,
    inputs.money_not_a_number,
    inputs.money_negative,
    inputs.money_out_of_range,
    inputs.rag,
    inputs.rag_commentary,
    inputs.signoff_email_and_date,
    computed.net_gains,
    computed.totals,
    computed.gains_implausible,
    computed.net_gains_negative,
    across_years.forecast_below_previous,
    signoff.signoff_independent,
    signoff.signoff_date_plausible,
    across_years.actual_restated,
    across_years.gains_fell,
]


def build_checks(schema: Schema) -> list[Check]:
    """Every data check for a return of this schema, in Checks-sheet order."""
    return [check for kind in DATA_CHECKS for check in kind.checks(schema)]
