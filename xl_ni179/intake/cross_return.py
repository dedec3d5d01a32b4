"""Checks of a validated return against the organisation's earlier accepted ones, made in
the parent process from the figures the workers recorded: no file is read again, so this
imports nothing that reads one (no lxml, no openpyxl, unlike ``xl_ni179.intake.validate``)."""

from __future__ import annotations

from dataclasses import replace

from xl_ni179.checks.base import blank, is_number, num_sum
from xl_ni179.partnership import Partnership
from xl_ni179.rules import structure_rules as sr
from xl_ni179.rules.base import EXPLAINED_FIX
from xl_ni179.rules.findings import Report
from xl_ni179.spec import layout
from xl_ni179.spec.schema import (
    GAINS,
    TOLERANCE,
    WORKSTREAMS,
    Schema,
    build_schema,
    explain_name,
    gains_name,
    total_name,
)


def add_cross_return(
    p: Partnership, report: Report, previous: Report | None, replaces: Report | None
) -> None:
    """Compare a validated return with the organisation's earlier accepted ones (from their
    figures: the file itself is not read again)."""
    if report.round_id is None or not report.values or (previous is None and replaces is None):
        return

    schema = _schema(p, report.round_id)
    now_values = report.values
    if previous is not None:
        # Gains are cumulative and ongoing: a year's total should not fall below what was reported.
        held = (
            report.prefill
            if report.prefill is not None and report.prefill.sha256 == previous.sha256
            else None
        )
        for year in schema.years:
            if held is not None and held.covers(year, schema):
                continue  # the workbook held these figures: each change is an actual-restated warning
            before = [
                previous.values.get(gains_name(stream, year))
                for stream in _workstreams(schema, year)
            ]
            if not any(is_number(v) for v in before):
                continue
            now = num_sum([now_values.get(f.name) for f in schema.of_group("gains", year)])
            was = num_sum(before)
            if now < was - TOLERANCE:
                cell = layout.total_cells(schema, year)["gross"]
                report.add(
                    sr.GAINS_WITHDRAWN.finding(
                        sheet=GAINS,
                        cell=cell,
                        field=total_name("gross", year),
                        label=f"Gross gains for {year}",
                        value=now,
                        before=was,
                        previous=previous.round_id or "earlier round",
                    )
                )
    if replaces is not None:
        for f in schema.fields:
            if f.year_kind != "actual" or f.group not in ("gains", "costs"):
                continue
            before_value, value = replaces.values.get(f.name), now_values.get(f.name)
            if (
                is_number(before_value)
                and is_number(value)
                and abs(before_value - value) > TOLERANCE
            ):
                report.add(
                    sr.RESUBMISSION_CHANGED.finding(
                        sheet=f.sheet,
                        cell=f.cell,
                        field=f.name,
                        label=f.label,
                        value=value,
                        before=before_value,
                    )
                )
    mark_explained(report)


def _workstreams(schema: Schema, year: str) -> list[str]:
    """The workstreams the schema has gains inputs for in ``year``."""
    names = {f.name for f in schema.of_group("gains", year)}
    return [stream for stream, _ in WORKSTREAMS if gains_name(stream, year) in names]


_SCHEMAS: dict[tuple[str, str], Schema] = {}  # by the partnership's content and the round


def _schema(p: Partnership, round_id: str) -> Schema:
    key = (p.content_key, round_id)
    if key not in _SCHEMAS:
        if len(_SCHEMAS) >= 4:  # a consolidator meets a round or two: bounded all the same
            _SCHEMAS.pop(next(iter(_SCHEMAS)))
        _SCHEMAS[key] = build_schema(p, p.round(round_id))
    return _SCHEMAS[key]


def mark_explained(report: Report) -> None:
    """Each warning the partner explained on the Checks sheet is marked so, with the fix
    that says it is done."""
    out = []
    for f in report.findings:
        if f.severity == "warning" and not blank(report.values.get(explain_name(f.code))):
            f = replace(f, explained=True, fix=EXPLAINED_FIX)  # not "explain it": that is done
        out.append(f)
    report.findings = out
