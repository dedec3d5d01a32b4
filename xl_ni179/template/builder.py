"""Build the partner return workbook for one organisation and round."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.workbook.protection import WorkbookProtection

from xl_ni179 import __version__
from xl_ni179.checks.data import build_checks
from xl_ni179.partnership import Organisation, Partnership, Round
from xl_ni179.spec.formulas import parse_reference
from xl_ni179.spec.prefill import PREFILL_ROUND_KEY, PREFILL_SHA_KEY, Prefill
from xl_ni179.spec.schema import (
    CHECKS,
    CHECKS_FIRST_ROW,
    COVER,
    FORECAST,
    FORECAST_FIRST_ROW,
    GAINS,
    META,
    MONEY,
    PROJECT_FIRST_ROW,
    PROJECTS,
    SIGNOFF,
    Schema,
    build_schema,
)
from xl_ni179.template import prior, sheets
from xl_ni179.template.fingerprint import fingerprint, locked_cells, normalise, openpyxl_cells

TEMPLATE_ID = "ni179-return"
# Rows repeated at the top of each printed page: the title, and the column headings where
# the sheet is one table. The Gains blocks each carry their own year headings.
PRINT_TITLE_ROWS = {COVER: 2, GAINS: 2, FORECAST: FORECAST_FIRST_ROW - 1, PROJECTS: PROJECT_FIRST_ROW - 1,
                    SIGNOFF: 2, CHECKS: CHECKS_FIRST_ROW - 1}
META_KEYS = ("template_id", "template_version", "round", "organisation", "schema", "fingerprint",
             "generator", PREFILL_ROUND_KEY, PREFILL_SHA_KEY)


def template_filename(org_code: str, round_id: str) -> str:
    return f"NI179_{org_code}_{round_id}.xlsx"


def build_workbook(p: Partnership, org_code: str, rnd: Round, prefill: Prefill | None = None
                   ) -> tuple[Workbook, Schema, dict[str, str | None]]:
    """The template as an openpyxl workbook, its schema and its metadata; ``prefill`` fills
    in the figures of the organisation's last accepted return (see xl_ni179.spec.prefill)."""
    org = p.organisation(org_code)
    schema = build_schema(p, rnd)
    data_checks = build_checks(schema)
    wb = Workbook()
    wb.worksheets[0].title = COVER  # the sheet a new workbook starts with
    sheet = {name: wb.create_sheet(name) for name in (GAINS, FORECAST, PROJECTS, SIGNOFF, CHECKS, META)}
    sheet[COVER] = wb[COVER]
    for f in schema.fields:
        sheets.name_cell(sheet[f.sheet], f.name, f.cell)
    sheets.gains(sheet[GAINS], p, org, rnd, schema)
    prior.draw(sheet[GAINS], schema, prefill)
    sheets.money_validation(sheet[GAINS], [f.cell for f in schema.fields if f.type == MONEY and f.sheet == GAINS])
    sheets.forecast(sheet[FORECAST], rnd, schema)
    sheets.projects(sheet[PROJECTS], p, org)
    sheets.money_validation(sheet[PROJECTS], [f.cell for f in schema.fields
                                               if f.type == MONEY and f.sheet == PROJECTS])
    sheets.signoff(sheet[SIGNOFF], schema)
    blocking = sheets.checks(sheet[CHECKS], schema, data_checks)
    sheets.cover(sheet[COVER], p, org, rnd, blocking)
    cells = openpyxl_cells(wb)
    meta = {
        "template_id": TEMPLATE_ID,
        "template_version": rnd.template_version,
        "round": rnd.id,
        "organisation": org.code,
        "schema": schema.fingerprint(),
        "fingerprint": fingerprint(locked_cells(cells, schema)),
        "generator": f"xl_ni179 {__version__}",
        PREFILL_ROUND_KEY: prefill.round_id if prefill else None,
        PREFILL_SHA_KEY: prefill.sha256 if prefill else None,
    }
    meta_ws = sheet[META]
    for i, key in enumerate(META_KEYS, start=1):
        meta_ws.cell(i, 1, key)
        meta_ws.cell(i, 2, meta[key])
    meta_ws.sheet_state = "veryHidden"
    for name, rows in PRINT_TITLE_ROWS.items():
        sheets.print_ready(sheet[name], rows)
    for ws in wb.worksheets:
        ws.protection.sheet = True
        ws.protection.formatCells = False
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = 0
    return wb, schema, meta


@dataclass(frozen=True)
class Expected:
    """What a genuine template of one shape holds: its locked content (normalised), the
    same cells as the template wrote them (for messages) and its defined names."""

    locked: dict[tuple[str, str], str]
    content: dict[tuple[str, str], Any]
    names: dict[str, tuple[str, str, str]]  # lower-case name -> (name, sheet, cell)
    local_names: frozenset[tuple[str, str]]  # (lower-case name, sheet) of sheet-scoped names


_EXPECTED: dict[tuple, tuple[Partnership, Organisation, Expected]] = {}
_EXPECTED_MAX = 64  # about 0.3 MB each: bounded, so a worker's memory does not grow with the partnership


def _shape(p: Partnership, org: Organisation, round_id: str) -> tuple:
    """What decides a template's locked content apart from the organisation's own name,
    code and baseline: its sector, agreements and projects."""
    return (id(p), round_id, org.sector, tuple(a.code for a in p.agreements_of(org.code)),
            tuple(pr.code for pr in p.projects_of(org.code)))


def _expected(wb: Workbook, schema: Schema) -> Expected:
    cells = openpyxl_cells(wb)
    locked = locked_cells(cells, schema)
    names = {}
    for name, defined in wb.defined_names.items():
        where = parse_reference(defined.attr_text or "")
        if where is not None:
            names[name.lower()] = (name, *where)
    local = frozenset((name.lower(), ws.title) for ws in wb.worksheets for name in ws.defined_names)
    return Expected(locked, {where: cells[where[0]][where[1]] for where in locked}, names, local)


def _twin(p: Partnership, org_code: str, round_id: str) -> tuple[Organisation, Organisation, Expected]:
    """(the organisation, the twin whose template was built, that template's Expected)."""
    org = p.organisation(org_code)
    key = _shape(p, org, round_id)
    hit = _EXPECTED.get(key)
    if hit is None or hit[0] is not p:  # the id of a freed Partnership may be reused
        wb, schema, _ = build_workbook(p, org_code, p.round(round_id))
        if len(_EXPECTED) >= _EXPECTED_MAX:
            del _EXPECTED[next(iter(_EXPECTED))]  # the oldest
        hit = _EXPECTED[key] = (p, org, _expected(wb, schema))
    return org, hit[1], hit[2]


def _own(twin: Organisation, org: Organisation) -> dict[str | None, Any]:
    """The twin's name, code and baseline (normalised) -> the organisation's own."""
    return {normalise(twin.name): org.name, normalise(twin.code): org.code,
            normalise(twin.baseline): org.baseline}


def expected_locked(p: Partnership, org_code: str, round_id: str, prefill: Prefill | None = None
                    ) -> dict[tuple[str, str], str]:
    """The locked content a genuine template for this organisation and round holds.

    A prefilled template differs from a blank one only in its "as reported" column and
    note (``prior.prior_content``), which are put in place of the blank template's.

    Building a template takes tens of milliseconds, and in a large round nearly every
    return comes from a different organisation; so one template is built per shape
    (sector, agreements, projects) and an organisation's own name, code and baseline
    are put in its twin's place. A test checks this equals building each one.
    """
    org, twin, expected = _twin(p, org_code, round_id)
    locked = expected.locked
    if twin is not org:
        # An organisation's name, code and baseline are never blank, so each normalises to text.
        own = {k: n for k, v in _own(twin, org).items() if (n := normalise(v)) is not None}
        locked = {where: own.get(value, value) for where, value in locked.items()}
    if prefill is None:
        return locked
    schema = build_schema(p, p.round(round_id))
    out = {where: value for where, value in locked.items() if where not in prior.prior_content(schema, None)}
    for where, value in prior.prior_content(schema, prefill).items():
        norm = normalise(value)
        if norm is not None:
            out[where] = norm
    return out


def template_content(p: Partnership, org_code: str, round_id: str, where: tuple[str, str],
                     prefill: Prefill | None = None) -> Any:
    """What this organisation's template put in a locked cell, as the template spelled it."""
    if prefill is not None:
        prefilled = prior.prior_content(build_schema(p, p.round(round_id)), prefill)
        if where in prefilled:
            return prefilled[where]
    org, twin, expected = _twin(p, org_code, round_id)
    norm = expected.locked.get(where)
    own = _own(twin, org)
    return own[norm] if twin is not org and norm in own else expected.content.get(where)


def expected_template(p: Partnership, org_code: str, round_id: str) -> Expected:
    """The template of this organisation's shape; its defined names are this organisation's
    (its locked content and ``content`` are the twin's: use the two functions above)."""
    return _twin(p, org_code, round_id)[2]


def build_locked(p: Partnership, org_code: str, round_id: str, prefill: Prefill | None = None
                 ) -> dict[tuple[str, str], str]:
    """The locked content, built from the template itself (what expected_locked must equal)."""
    wb, schema, _ = build_workbook(p, org_code, p.round(round_id), prefill)
    return locked_cells(openpyxl_cells(wb), schema)


def build_template(p: Partnership, org_code: str, rnd: Round, prefill: Prefill | None = None) -> bytes:
    wb, _, _ = build_workbook(p, org_code, rnd, prefill)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_templates(p: Partnership, rnd: Round, out_dir: Path, orgs: list[str] | None = None,
                    prefills: dict[str, Prefill] | None = None) -> list[Path]:
    """One template per organisation (or per code in ``orgs``) into ``out_dir``; an
    organisation in ``prefills`` gets its earlier figures filled in."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for org in p.organisations:
        if orgs and org.code not in orgs:
            continue
        path = out_dir / template_filename(org.code, rnd.id)
        path.write_bytes(build_template(p, org.code, rnd, (prefills or {}).get(org.code)))
        written.append(path)
    return written
