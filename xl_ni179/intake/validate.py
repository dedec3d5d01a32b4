"""Validation on receipt: can this returned file be accepted, and what must be fixed?

The order matters: the package is inspected before any XML is parsed, the parse runs
under limits, identity is settled before figures are trusted, and every data rule runs
(never stopping at the first failure) so the sender gets one complete list.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_ni179.checks.base import is_number
from xl_ni179.checks.hyperlinks import link_findings
from xl_ni179.checks.saved import stale_results
from xl_ni179.intake.compiled import ReturnSpec, return_spec
from xl_ni179.intake.cross_return import mark_explained
from xl_ni179.intake.display import check_inputs_shown
from xl_ni179.intake.reader import DAYS_1904, DefinedName, RawWorkbook, read_package
from xl_ni179.intake.screen import file_sha256, findings_of
from xl_ni179.intake.worker_context import IssuedTemplate
from xl_ni179.partnership import Partnership, Round
from xl_ni179.rules import RULES
from xl_ni179.rules import structure_rules as sr
from xl_ni179.rules.findings import Report
from xl_ni179.spec import layout
from xl_ni179.spec.formulas import Formula, parse_reference, same_place
from xl_ni179.spec.prefill import claimed_prefill
from xl_ni179.spec.schema import (
    ANNOTATION_SHEET,
    COVER,
    DATE,
    GAINS,
    META,
    SHEETS,
    Schema,
)
from xl_ni179.template.builder import META_KEYS, TEMPLATE_ID
from xl_ni179.template.fingerprint import differences, locked_cells, locked_fingerprint, shown

log = logging.getLogger(__name__)

MAX_LOCKED_FINDINGS = 20


@dataclass
class ReturnValues:
    """The Values a rule may look at: inputs by name, raw cells, the trusted baseline."""

    raw: RawWorkbook
    schema: Schema
    baseline: float

    _inputs: dict[str, Any] = field(
        default_factory=dict, init=False, repr=False
    )  # the rules ask again and again

    def input(self, name: str) -> Any:
        try:
            return self._inputs[name]
        except KeyError:
            pass
        f = self.schema.get(name)
        value = None if f is None else self.raw.value(f.sheet, f.cell)
        value = self._inputs[name] = None if isinstance(value, Formula) else value
        return value

    def cell(self, sheet: str, coord: str) -> Any:
        return self.raw.value(sheet, coord)


def validate_in_process(
    p: Partnership,
    path: str | Path,
    *,
    sender: str | None = None,
    round_id: str | None = None,
    issued: Iterable[IssuedTemplate] = (),
) -> Report:
    """The whole check of one file in this process (what each pool worker runs)."""
    path = Path(path)
    report = Report(file=str(path), sha256=file_sha256(path))
    reading = read_package(path)  # the package and its cells, in one pass
    if reading.workbook is None:
        report.extend(findings_of(reading.problems))
        return report
    raw = reading.workbook
    validate_workbook(p, raw, report, sender=sender, round_id=round_id, issued=issued)
    return report


def validate_workbook(
    p: Partnership,
    raw: RawWorkbook,
    report: Report,
    *,
    sender: str | None = None,
    round_id: str | None = None,
    issued: Iterable[IssuedTemplate] = (),
) -> None:
    meta = {
        str(raw.value(META, f"A{i}")): raw.value(META, f"B{i}")
        for i in range(1, len(META_KEYS) + 3)
    }
    if META not in raw.cells or meta.get("template_id") != TEMPLATE_ID:
        report.add(sr.NOT_OUR_TEMPLATE.finding())
        return
    rnd = _round(p, meta, round_id, report)
    org_code = str(meta.get("organisation") or "")
    org = p.find_organisation(org_code)
    report.organisation = org.code if org else None
    cover_code = raw.value(COVER, layout.COVER_CODE_CELL)
    if cover_code is not None and str(cover_code) != org_code:
        report.add(
            sr.ORG_MISMATCH.finding(
                sheet=COVER, cell=layout.COVER_CODE_CELL, found=org_code, cover=cover_code
            )
        )
    spec = return_spec(p, (rnd or p.latest_round).id)  # who may send is the same in every round
    if org is None:
        report.add(sr.UNKNOWN_ORG.finding(found=org_code))
    elif sender and not (match := p.sender(sender)).may_send_for(
        org.code
    ):  # xl_ni179.partnership.senders
        report.add(
            sr.SENDER_AMBIGUOUS.finding(sender=sender, organisations=match.names)
            if match.ambiguous
            else sr.SENDER_MISMATCH.finding(organisation=org.name, sender=sender)
        )
    if rnd is None:
        return
    report.round_id = rnd.id
    schema = spec.schema
    _sheets(raw, report)
    _names(raw, schema, report, spec.names(org.code if org is not None else None))
    _dates_in_1900_system(raw, schema)
    report.prefill = claimed_prefill(p, rnd, schema, meta, raw.value)
    if org is not None:
        _locked(spec, raw, org.code, report, frozenset(issued))
    _protection(raw, report)
    # The reader gives each sheet's links as {sheet: {ref: target}} (xl_ni179.checks.hyperlinks).
    report.extend(list(link_findings(getattr(raw, "hyperlinks", {}), schema, raw.value)))
    formulas = _input_formulas(raw, schema, report)
    check_inputs_shown(raw, schema, report, skip=formulas)
    values = ReturnValues(raw, schema, org.baseline if org else float("inf"))
    for check in spec.checks:
        if check.field in formulas or not check.fails(values):
            continue
        f = schema.get(check.field)
        report.add(
            RULES[check.code].finding(
                sheet=check.sheet,
                cell=check.cell,
                field=check.field,
                label=f.label if f else check.label,
                **check.message_params(values),
            )
        )
    report.extend(stale_results(schema, values, raw.cached.get(GAINS, {})))
    report.values = {f.name: values.input(f.name) for f in schema.fields}
    mark_explained(report)


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
        report.add(
            sr.TEMPLATE_OUTDATED.finding(
                found=version or "unknown", round=rnd.id, expected=rnd.template_version
            )
        )
    return rnd


def _sheets(raw: RawWorkbook, report: Report) -> None:
    names = [s.name for s in raw.sheets]
    for name in SHEETS:
        if name not in names:
            report.add(sr.SHEET_MISSING.finding(sheet=name))
    for name in names:
        if name not in SHEETS and name != ANNOTATION_SHEET:
            report.add(sr.SHEET_ADDED.finding(sheet=name))


# Names programs add of their own accord: print areas and titles, filters, Gnumeric's sheet
# titles. A built-in name that holds a formula is still reported.
_BUILT_IN = frozenset(
    f"_xlnm.{n}"
    for n in ("print_area", "print_titles", "_filterdatabase", "sheet_title", "criteria", "extract")
)
_GNUMERIC_PRINT = frozenset(("print_area", "print_titles"))


def _names(
    raw: RawWorkbook, schema: Schema, report: Report, ours: dict[str, tuple[str, str, str]]
) -> None:
    """Our names where we put them (in any spelling), and no name of anyone else's.

    A name the template did not create can do harm however harmless it looks: one scoped
    to a sheet hides ours of the same name from that sheet's formulas (the workbook's own
    checks would then read other cells), and a name may hold a formula that fetches data
    or runs a macro (Auto_Open) when anything refers to it. Only the names programs add
    themselves are let through, and only when they hold plain references.
    """
    fields = schema.by_folded_name
    found: dict[str, DefinedName] = {}
    for d in raw.defined:
        key = d.name.lower()
        if d.sheet is None and key in ours and key not in found:
            found[key] = d
        elif not _allowed(d):
            scope = f" on the sheet '{d.sheet}'" if d.sheet is not None else ""
            detail = (
                " (a second definition of the name)"
                if d.sheet is None and key in ours
                else " (it hides the template's own name on that sheet)"
                if key in ours
                else ""
            )
            report.add(
                sr.NAME_ADDED.finding(
                    sheet=d.sheet or "", name=d.name[:60], scope=scope, detail=detail
                )
            )
    for key, (name, sheet, cell) in ours.items():
        f = fields.get(key)
        label = f.label if f else "a cell the template names"
        defined = found.get(key)
        if defined is None:
            report.add(sr.NAME_MISSING.finding(sheet=sheet, cell=cell, field=name, label=label))
        elif not same_place(parse_reference(defined.text), (sheet, cell)):
            report.add(
                sr.NAME_MOVED.finding(
                    sheet=sheet, cell=cell, field=name, label=label, found=defined.text[:80]
                )
            )


def _allowed(d: DefinedName) -> bool:
    key = d.name.lower()
    if key.startswith("_xlfn."):  # Excel's stand-in for a function newer than the file format
        return d.text.strip() == "#NAME?"
    if d.sheet is not None and key in _GNUMERIC_PRINT:  # Gnumeric leaves off the _xlnm. prefix
        key = "_xlnm." + key
    return key in _BUILT_IN and _plain_reference(d.text)


def _plain_reference(text: str) -> bool:
    """References, #REF! or a quoted title: nothing a program would calculate."""
    from openpyxl.formula.tokenizer import Token, Tokenizer, TokenizerError

    try:
        tokens = Tokenizer("=" + text.removeprefix("=")).items
    except TokenizerError:
        return False
    return all(t.type in (Token.OPERAND, Token.WSPACE) or t.value == "," for t in tokens) and all(
        t.subtype != Token.RANGE or "[" not in t.value for t in tokens
    )  # no other workbook


def _locked(
    spec: ReturnSpec,
    raw: RawWorkbook,
    org_code: str,
    report: Report,
    issued: frozenset[IssuedTemplate],
) -> None:
    # A sheet the template does not have is one sheet-added finding, not a finding per cell
    # that would read the sender's own text back to them.
    ours = {k: v for k, v in raw.cells.items() if k in SHEETS or k == META}
    prefill = report.prefill
    if issued:
        held = IssuedTemplate(
            spec.round.id,
            org_code,
            prefill.round_id if prefill else None,
            prefill.sha256 if prefill else None,
            locked_fingerprint(ours, spec.schema),
        )
        if held in issued:  # the template as we issued it: nothing to rebuild
            return
    found = locked_cells(ours, spec.schema)
    expected = spec.expected_locked(org_code, prefill)
    if found == expected:  # the usual case, and far cheaper than listing differences
        return
    changed = list(differences(expected, found))
    for i, (sheet, cell, _expected, _now) in enumerate(changed[: MAX_LOCKED_FINDINGS + 1]):
        if i == MAX_LOCKED_FINDINGS:  # one more finding says how many are left unlisted
            more = f" {len(changed) - MAX_LOCKED_FINDINGS - 1} more locked cells differ from the template too."
        else:
            more = ""
        # Each side in its own spelling: the template's text, and what the file holds now.
        report.add(
            sr.LOCKED_CHANGED.finding(
                sheet=sheet,
                cell=cell,
                expected=shown(spec.template_content(org_code, (sheet, cell), prefill)),
                found=shown(raw.value(sheet, cell)),
                more=more,
            )
        )


def _protection(raw: RawWorkbook, report: Report) -> None:
    # Only sheet protection is looked at, in whatever form it was saved (a password hash of
    # either kind, or none). Calc and Gnumeric drop the workbook-structure protection on every
    # save, so its absence says nothing about the partner; the sheets and names it guards are
    # checked directly (sheet-missing, sheet-added, defined-name-*).
    unprotected = [s.name for s in raw.sheets if s.name in SHEETS and not raw.protected.get(s.name)]
    if unprotected:
        report.add(sr.PROTECTION_OFF.finding(what="the sheet(s) " + ", ".join(unprotected)))


def _dates_in_1900_system(raw: RawWorkbook, schema: Schema) -> None:
    """Date inputs as serial numbers of the 1900 date system, whichever the file uses."""
    if not raw.date1904:
        return
    for f in schema.fields:
        if f.type == DATE:
            value = raw.value(f.sheet, f.cell)
            if is_number(value):
                raw.cells[f.sheet][f.cell] = value + DAYS_1904


def _input_formulas(raw: RawWorkbook, schema: Schema, report: Report) -> set[str]:
    names = set()
    for f in schema.fields:
        value = raw.value(f.sheet, f.cell)
        if isinstance(value, Formula):
            names.add(f.name)
            report.add(
                sr.INPUT_FORMULA.finding(
                    sheet=f.sheet, cell=f.cell, field=f.name, label=f.label, found=str(value)
                )
            )
    return names
