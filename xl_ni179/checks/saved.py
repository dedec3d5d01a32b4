"""The receipt check of saved results: does each calculated figure on the Gains sheet show
what its inputs add up to?

A workbook stores each formula's last result beside it, and LibreOffice (by default) and
Gnumeric display that stored result when they open the file, without recalculating. So a
return whose totals keep the template's formulas but carry forged results (999,999) prints
and is signed with figures other than the ones we record. The validator never reads those
results as figures; this check only compares them with its own calculation. It is a
receipt check, not a Checks-sheet formula: a workbook cannot see its own stored results.

Compared only where the comparison is fair: the cell holds the template's formula (another
formula is locked-content-changed and total-mismatch already), a result was stored (openpyxl
stores none) and every input it reads is a plain number in range or blank (otherwise the
programs' results differ and the inputs have their own findings).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xl_ni179.checks.base import Values, blank, is_number
from xl_ni179.checks.computed import Computed, computed_cells, normalise_formula
from xl_ni179.checks.inputs import MONEY_CEILING
from xl_ni179.rules.findings import Finding
from xl_ni179.rules.structure_rules import STALE_RESULT
from xl_ni179.spec.formulas import Formula
from xl_ni179.spec.schema import GAINS, TOLERANCE, Schema

EMITS = (STALE_RESULT.code,)
# What a formula shows when it cannot be calculated: not a figure anyone would sign.
ERROR_VALUES = frozenset(
    ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA")
)


def stale_results(schema: Schema, values: Values, saved: Mapping[str, Any]) -> list[Finding]:
    """A stale-total finding for each calculated Gains cell whose stored result is not what
    its inputs add up to (``saved``: the stored results of the Gains sheet, by cell)."""
    out = []
    for computed in computed_cells(schema):
        shown = saved.get(computed.cell)
        if shown is None or (
            isinstance(shown, str) and (shown.strip() == "" or shown in ERROR_VALUES)
        ):
            continue
        if not _comparable(schema, values, computed):
            continue
        expected = computed.expected(values)
        if is_number(shown) and abs(shown - expected) <= TOLERANCE:
            continue
        out.append(
            STALE_RESULT.finding(
                sheet=GAINS,
                cell=computed.cell,
                label=computed.label,
                shown=_figure(shown),
                expected=_figure(expected),
            )
        )
    return out


def _comparable(schema: Schema, values: Values, computed: Computed) -> bool:
    formula = values.cell(GAINS, computed.cell)
    if not isinstance(formula, Formula) or normalise_formula(formula) != normalise_formula(
        computed.formula
    ):
        return False
    for name in computed.inputs:
        f = schema.field(name)
        raw = values.cell(f.sheet, f.cell)
        if not (blank(raw) or (is_number(raw) and abs(raw) <= MONEY_CEILING)):
            return False
    return True


def _figure(value: Any) -> str:
    """An amount as the partner sees it on the sheet (999,999 or 229.4); anything else quoted."""
    if isinstance(value, bool) or not is_number(value):
        return f"'{value}'"
    text = f"{value:,.1f}"
    return text.removesuffix(".0")
