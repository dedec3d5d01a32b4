"""Build the partner return workbook for one organisation and round."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.workbook.protection import WorkbookProtection

from xl_ni179 import __version__
from xl_ni179.checks.data import build_checks
from xl_ni179.partnership import Partnership, Round
from xl_ni179.spec.prefill import PREFILL_ROUND_KEY, PREFILL_SHA_KEY, Prefill
from xl_ni179.spec.schema import (
    CHECK_DETAILS,
    CHECKS,
    COVER,
    FORECAST,
    GAINS,
    META,
    MONEY,
    PROJECTS,
    SIGNOFF,
    Schema,
    build_schema,
)
from xl_ni179.template import prior, sheets, sheets_checks, sheets_gains
from xl_ni179.template.editable import workbook_bytes
from xl_ni179.template.fingerprint import fingerprint, locked_cells, openpyxl_cells
from xl_ni179.template.printing import Pages, print_ready

TEMPLATE_ID = "ni179-return"
# How each visible sheet prints (xl_ni179.template.printing): A4 landscape, one page wide,
# page breaks between tables. The rows repeated on every page are those frozen on screen:
# the title and the column headings (on Gains, the year headings over all three blocks).
PAGES = {
    COVER: Pages(title_rows=2),
    GAINS: Pages(),
    FORECAST: Pages(),
    PROJECTS: Pages(),
    SIGNOFF: Pages(),
    CHECKS: Pages(),
    CHECK_DETAILS: Pages(),
}
META_KEYS = (
    "template_id",
    "template_version",
    "round",
    "organisation",
    "schema",
    "fingerprint",
    "generator",
    PREFILL_ROUND_KEY,
    PREFILL_SHA_KEY,
)


def template_filename(org_code: str, round_id: str) -> str:
    return f"NI179_{org_code}_{round_id}.xlsx"


def checked_filename(org_code: str | None, round_id: str | None) -> str:
    """NI179_<code>_<round>_checked.xlsx, the checked copy sent back by mail (with a reply or a
    chaser). A part that is not known is left out, not left empty; each part is cleaned, as
    what a rejected file named may be anything."""
    parts = ["NI179", org_code or "return", round_id or "", "checked"]
    return "_".join(re.sub(r"[^A-Za-z0-9.-]+", "-", part) for part in parts if part) + ".xlsx"


def build_workbook(
    p: Partnership, org_code: str, rnd: Round, prefill: Prefill | None = None
) -> tuple[Workbook, Schema, dict[str, str | None]]:
    """The template as an openpyxl workbook, its schema and its metadata; ``prefill`` fills
    in the figures of the organisation's last accepted return (see xl_ni179.spec.prefill)."""
    org = p.organisation(org_code)
    schema = build_schema(p, rnd)
    data_checks = build_checks(schema)
    wb = Workbook()
    wb.worksheets[0].title = COVER  # the sheet a new workbook starts with
    sheet = {
        name: wb.create_sheet(name)
        for name in (GAINS, FORECAST, PROJECTS, SIGNOFF, CHECKS, CHECK_DETAILS, META)
    }
    sheet[COVER] = wb[COVER]
    for f in schema.fields:
        sheets.name_cell(sheet[f.sheet], f.name, f.cell)
    sheets_gains.gains(sheet[GAINS], p, org, rnd, schema)
    prior.draw(sheet[GAINS], schema, prefill)
    sheets.money_validation(
        sheet[GAINS], [f.cell for f in schema.fields if f.type == MONEY and f.sheet == GAINS]
    )
    sheets.forecast(sheet[FORECAST], rnd, schema)
    sheets.projects(sheet[PROJECTS], p, org)
    sheets.money_validation(
        sheet[PROJECTS], [f.cell for f in schema.fields if f.type == MONEY and f.sheet == PROJECTS]
    )
    sheets.signoff(sheet[SIGNOFF], schema)
    blocking = sheets_checks.checks(
        sheet[CHECKS], schema, sheets_checks.check_details(sheet[CHECK_DETAILS], data_checks)
    )
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
    for name, pages in PAGES.items():
        print_ready(sheet[name], pages)
    for ws in wb.worksheets:
        ws.protection.sheet = True
        ws.protection.formatCells = False
        ws.protection.formatColumns = False
        ws.protection.formatRows = False
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = 0
    return wb, schema, meta


def locked_content(
    p: Partnership, org_code: str, rnd: Round, prefill: Prefill | None = None
) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], Any]]:
    """The template's locked cells: normalised (what a return is compared with), and as
    the template wrote them (for messages)."""
    wb, schema, _ = build_workbook(p, org_code, rnd, prefill)
    cells = openpyxl_cells(wb)
    locked = locked_cells(cells, schema)
    return locked, {where: cells[where[0]][where[1]] for where in locked}


def build_locked(
    p: Partnership, org_code: str, round_id: str, prefill: Prefill | None = None
) -> dict[tuple[str, str], str]:
    """The locked content, built from the template itself (what the receipt's expected
    locked content must equal)."""
    return locked_content(p, org_code, p.round(round_id), prefill)[0]


def _template(
    p: Partnership, org_code: str, rnd: Round, prefill: Prefill | None
) -> tuple[bytes, str]:
    """The workbook's bytes and its locked-content fingerprint."""
    wb, schema, meta = build_workbook(p, org_code, rnd, prefill)
    return workbook_bytes(wb, schema), str(meta["fingerprint"])


def build_template(
    p: Partnership, org_code: str, rnd: Round, prefill: Prefill | None = None
) -> bytes:
    return _template(p, org_code, rnd, prefill)[0]


def write_templates(
    p: Partnership,
    rnd: Round,
    out_dir: Path,
    orgs: list[str] | None = None,
    prefills: dict[str, Prefill] | None = None,
    fingerprints: dict[str, str] | None = None,
) -> list[Path]:
    """One template per organisation (or per code in ``orgs``) into ``out_dir``; an
    organisation in ``prefills`` gets its earlier figures filled in. ``fingerprints``, if
    given, receives each organisation's locked-content fingerprint (to record the issue)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for org in p.organisations:
        if orgs and org.code not in orgs:
            continue
        path = out_dir / template_filename(org.code, rnd.id)
        data, fingerprint = _template(p, org.code, rnd, (prefills or {}).get(org.code))
        path.write_bytes(data)
        if fingerprints is not None:
            fingerprints[org.code] = fingerprint
        written.append(path)
    return written
