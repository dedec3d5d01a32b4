"""Prefill: a round's actual-year inputs filled in from the organisation's last accepted return.

The template holds the figures twice: in the (editable) input cells, and in a locked
"as reported" column beside the round's years, which the Checks sheet compares the inputs
with (a change is a restatement). The _meta sheet names the accepted return the figures
came from, by its file hash. On receipt the bounded worker rebuilds the expected locked
content from the figures the workbook holds; the caller, who holds the returns store,
then checks those figures against the named accepted return (``verify_prefill``), so a
partner cannot quietly rewrite what they reported before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xl_ni179.partnership import Partnership, Round
from xl_ni179.rules.findings import Report
from xl_ni179.spec.schema import GAINS, Schema, build_schema

PREFILL_ROUND_KEY, PREFILL_SHA_KEY = "prefilled_from_round", "prefilled_from_sha256"


@dataclass(frozen=True)
class Prefill:
    """Figures of one accepted earlier return, for the inputs a round prefills."""

    round_id: str  # the earlier round the return was accepted in
    round_title: str
    sha256: str  # the accepted file
    values: dict[str, float]  # input name -> figure (£000)

    def covers(self, year: str, schema: Schema) -> bool:
        return any(f.year == year and f.name in self.values for f in schema.prefill_fields())


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def prefill_from(
    p: Partnership, rnd: Round, previous: Report | None, schema: Schema | None = None
) -> Prefill | None:
    """What ``previous`` (an accepted return of an earlier round) fills in for ``rnd``:
    its figures for the years that were actual in it; None if it fills in nothing."""
    if previous is None or not previous.round_id:
        return None
    source = next((r for r in p.rounds if r.id == previous.round_id), None)
    if source is None or source.deadline >= rnd.deadline:
        return None
    schema = schema or build_schema(p, rnd)
    values = {
        f.name: float(previous.values[f.name])
        for f in schema.prefill_fields()
        if f.year in source.actual_years and _number(previous.values.get(f.name))
    }
    if not values:
        return None
    return Prefill(source.id, source.title, previous.sha256, values)


def claimed_prefill(
    p: Partnership, rnd: Round, schema: Schema, meta: dict[str, Any], cell: Any
) -> Prefill | None:
    """The prefill a returned workbook says it was issued with, and the figures it holds in
    its "as reported" column (``cell(sheet, coord)`` reads the workbook). Not yet trusted."""
    round_id, sha = meta.get(PREFILL_ROUND_KEY), meta.get(PREFILL_SHA_KEY)
    if not round_id or not sha or not schema.prefill_years:
        return None
    source = next((r for r in p.rounds if r.id == str(round_id)), None)
    if source is None or source.deadline >= rnd.deadline:
        return None  # the locked-content check reports the altered column
    held = {}
    for f in schema.prefill_fields():
        value = cell(GAINS, schema.prior_cell(f))
        if _number(value):
            held[f.name] = float(value)
    return Prefill(source.id, source.title, str(sha), held)


def _shown(value: float | None) -> str:
    return f"'{value:,.1f}'" if value is not None else "nothing"


def verify_prefill(p: Partnership, report: Report, source: Report | None) -> None:
    """Check the "as reported" figures a return holds against the accepted return they were
    taken from (``source``, from the store; None when the store has no such return)."""
    from xl_ni179.rules import structure_rules as sr

    claimed: Prefill | None = report.prefill
    if claimed is None or report.round_id is None:
        return
    if (
        source is None
        or source.organisation != report.organisation
        or source.round_id != claimed.round_id
    ):
        report.add(sr.PREFILL_UNKNOWN.finding(sheet=GAINS, round=claimed.round_title))
        report.prefill = None  # a checked copy sent back is then a plain template of the round
        return
    rnd = p.round(report.round_id)
    schema = build_schema(p, rnd)
    expected = prefill_from(p, rnd, source, schema)
    want = expected.values if expected else {}
    report.prefill = expected  # from here on (a checked copy sent back) the figures as accepted
    for f in schema.prefill_fields():
        a, b = want.get(f.name), claimed.values.get(f.name)
        if (a is None) != (b is None) or (a is not None and b is not None and abs(a - b) > 1e-6):
            report.add(
                sr.LOCKED_CHANGED.finding(
                    sheet=GAINS,
                    cell=schema.prior_cell(f),
                    expected=_shown(a),
                    found=_shown(b),
                    more="",
                )
            )
