"""Validation on receipt: can this returned file be accepted, and what must be fixed?

The order matters: the package is inspected before any XML is parsed, the parse runs
under limits, identity is settled before figures are trusted, and every data rule runs
(never stopping at the first failure) so the sender gets one complete list.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xl_ni179.config import Partnership, Round
from xl_ni179.findings import Finding, Report
from xl_ni179.rules import structure_rules as sr
from xl_ni179.rules.data_rules import build_checks, is_number, num_sum
from xl_ni179.schema import COVER, META, SHEETS, Schema, build_schema, explain_name
from xl_ni179.template.builder import TEMPLATE_ID, expected_locked
from xl_ni179.template.fingerprint import differences, locked_cells
from xl_ni179.xlsx_reader import Formula, RawWorkbook, parse_reference

ANNOTATION_SHEET = "Validation results"  # added by our annotated copy; allowed back in
MAX_LOCKED_FINDINGS = 20
COVER_CODE_CELL = "B5"  # where the template writes the organisation code


@dataclass
class ReturnValues:
    """The Values a rule may look at: inputs by name, raw cells, the trusted baseline."""

    raw: RawWorkbook
    schema: Schema
    baseline: float

    def input(self, name: str) -> Any:
        f = self.schema.get(name)
        if f is None:
            return None
        value = self.raw.value(f.sheet, f.cell)
        return None if isinstance(value, Formula) else value

    def cell(self, sheet: str, coord: str) -> Any:
        return self.raw.value(sheet, coord)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def validate_file(p: Partnership, path: str | Path, *, sender: str | None = None,
                  round_id: str | None = None, previous: Report | None = None,
                  replaces: Report | None = None, pool: Any = None) -> Report:
    """Validate one returned workbook. Never raises for a bad file: problems are findings.

    ``previous`` is the organisation's last accepted return (any round); ``replaces`` is
    the accepted version of this round that a resubmission would supersede.
    """
    from xl_ni179.safe_read import inspect_package, read_bounded

    path = Path(path)
    report = Report(file=str(path))
    report.sha256 = file_sha256(path)
    problems = inspect_package(path)
    if problems:
        report.extend(problems)
        return report
    raw = read_bounded(path, pool=pool)
    if isinstance(raw, Finding):
        report.add(raw)
        return report
    validate_workbook(p, raw, report, sender=sender, round_id=round_id, previous=previous, replaces=replaces)
    return report


def validate_workbook(p: Partnership, raw: RawWorkbook, report: Report, *, sender: str | None = None,
                      round_id: str | None = None, previous: Report | None = None,
                      replaces: Report | None = None) -> None:
    meta = {str(raw.value(META, f"A{i}")): raw.value(META, f"B{i}") for i in range(1, 10)}
    if META not in raw.cells or meta.get("template_id") != TEMPLATE_ID:
        report.add(sr.NOT_OUR_TEMPLATE.finding())
        return
    rnd = _round(p, meta, round_id, report)
    org_code = str(meta.get("organisation") or "")
    org = p.find_organisation(org_code)
    report.organisation = org.code if org else None
    cover_code = raw.value(COVER, COVER_CODE_CELL)
    if cover_code is not None and str(cover_code) != org_code:
        report.add(sr.ORG_MISMATCH.finding(sheet=COVER, cell=COVER_CODE_CELL, found=org_code, cover=cover_code))
    if org is None:
        report.add(sr.UNKNOWN_ORG.finding(found=org_code))
    elif sender and org.code not in _sender_orgs(p, sender):
        report.add(sr.SENDER_MISMATCH.finding(organisation=org.name, sender=sender))
    if rnd is None:
        return
    report.round_id = rnd.id
    schema = build_schema(p, rnd)
    _sheets(raw, report)
    _names(raw, schema, report)
    if org is not None:
        _locked(p, raw, schema, org.code, rnd, report)
    _protection(raw, report)
    formulas = _input_formulas(raw, schema, report)
    values = ReturnValues(raw, schema, org.baseline if org else float("inf"))
    from xl_ni179.rules import RULES

    for check in build_checks(schema):
        if check.field in formulas or not check.fails(values):
            continue
        f = schema.get(check.field)
        report.add(RULES[check.code].finding(sheet=check.sheet, cell=check.cell, field=check.field,
                                             label=f.label if f else check.label,
                                             **check.message_params(values)))
    _cross_return(schema, values, previous, replaces, report)
    report.values = {f.name: values.input(f.name) for f in schema.fields}
    _mark_explained(values, report)


def _sender_orgs(p: Partnership, sender: str) -> set[str]:
    sender = sender.strip().lower()
    return {o.code for o in p.organisations if sender in (e.lower() for e in o.emails)}


def _round(p: Partnership, meta: dict, round_id: str | None, report: Report) -> Round | None:
    found = str(meta.get("round") or "")
    rnd = next((r for r in p.rounds if r.id == found), None)
    if rnd is None:
        report.add(sr.UNKNOWN_ROUND.finding(found=found))
        return None
    if round_id and round_id != rnd.id:
        report.add(sr.WRONG_ROUND.finding(found=rnd.id, expected=round_id))
    version = str(meta.get("template_version") or "")
    if version != rnd.template_version:
        report.add(sr.TEMPLATE_OUTDATED.finding(found=version or "unknown", round=rnd.id,
                                                expected=rnd.template_version))
    return rnd


def _sheets(raw: RawWorkbook, report: Report) -> None:
    names = [s.name for s in raw.sheets]
    for name in SHEETS:
        if name not in names:
            report.add(sr.SHEET_MISSING.finding(sheet=name))
    for name in names:
        if name not in SHEETS and name != ANNOTATION_SHEET:
            report.add(sr.SHEET_ADDED.finding(sheet=name))


def _names(raw: RawWorkbook, schema: Schema, report: Report) -> None:
    for f in schema.fields:
        text = raw.names.get(f.name)
        if text is None:
            report.add(sr.NAME_MISSING.finding(sheet=f.sheet, cell=f.cell, field=f.name, label=f.label))
        elif parse_reference(text) != (f.sheet, f.cell):
            report.add(sr.NAME_MOVED.finding(sheet=f.sheet, cell=f.cell, field=f.name, label=f.label,
                                             found=text))


def _locked(p: Partnership, raw: RawWorkbook, schema: Schema, org_code: str, rnd: Round,
            report: Report) -> None:
    found = locked_cells({k: v for k, v in raw.cells.items() if k != ANNOTATION_SHEET}, schema)
    changed = list(differences(expected_locked(p, org_code, rnd.id), found))
    for sheet, cell, expected, _now in changed[:MAX_LOCKED_FINDINGS]:
        report.add(sr.LOCKED_CHANGED.finding(sheet=sheet, cell=cell,
                                             expected=f"'{expected}'" if expected else "nothing"))
    if len(changed) > MAX_LOCKED_FINDINGS:
        more = len(changed) - MAX_LOCKED_FINDINGS
        report.add(sr.LOCKED_CHANGED.finding(sheet=changed[MAX_LOCKED_FINDINGS][0],
                                             cell=changed[MAX_LOCKED_FINDINGS][1],
                                             expected=f"its template content; {more} more locked cells "
                                                      "differ too"))


def _protection(raw: RawWorkbook, report: Report) -> None:
    unprotected = [s.name for s in raw.sheets if s.name in SHEETS and not raw.protected.get(s.name)]
    if unprotected:
        report.add(sr.PROTECTION_OFF.finding(what="the sheet(s) " + ", ".join(unprotected)))
    if not raw.structure_locked:
        report.add(sr.PROTECTION_OFF.finding(what="the workbook structure"))


def _input_formulas(raw: RawWorkbook, schema: Schema, report: Report) -> set[str]:
    names = set()
    for f in schema.fields:
        value = raw.value(f.sheet, f.cell)
        if isinstance(value, Formula):
            names.add(f.name)
            report.add(sr.INPUT_FORMULA.finding(sheet=f.sheet, cell=f.cell, field=f.name, label=f.label,
                                                found=str(value)))
    return names


def _cross_return(schema: Schema, values: ReturnValues, previous: Report | None, replaces: Report | None,
                  report: Report) -> None:
    if previous is not None:
        # Gains are cumulative and ongoing: a year's total should not fall below what was reported.
        for year in schema.years:
            yk = year.replace("/", "_")
            before = [previous.values.get(f"gains_{ws}_{yk}") for ws in _workstreams(schema, year)]
            if not any(is_number(v) for v in before):
                continue
            now = num_sum([values.input(f.name) for f in schema.of_group("gains", year)])
            was = num_sum(before)
            if now < was - 0.05:
                from xl_ni179 import layout

                cell = layout.total_cells(schema, year)["gross"]
                report.add(sr.GAINS_WITHDRAWN.finding(sheet="Gains", cell=cell, field=f"gross_total_{yk}",
                                                      label=f"Gross gains for {year}", value=now, before=was,
                                                      previous=previous.round_id or "earlier round"))
    if replaces is not None:
        for f in schema.fields:
            if f.year_kind != "actual" or f.group not in ("gains", "costs"):
                continue
            was, now = replaces.values.get(f.name), values.input(f.name)
            if is_number(was) and is_number(now) and abs(was - now) > 0.05:
                report.add(sr.RESUBMISSION_CHANGED.finding(sheet=f.sheet, cell=f.cell, field=f.name,
                                                           label=f.label, value=now, before=was))


def _workstreams(schema: Schema, year: str) -> list[str]:
    yk = year.replace("/", "_")
    return [f.name.removeprefix("gains_").removesuffix("_" + yk) for f in schema.of_group("gains", year)]


def _mark_explained(values: ReturnValues, report: Report) -> None:
    from dataclasses import replace

    from xl_ni179.rules.data_rules import blank

    out = []
    for f in report.findings:
        if f.severity == "warning" and not blank(values.input(explain_name(f.code))):
            f = replace(f, explained=True)
        out.append(f)
    report.findings = out
