"""Returns saved by real spreadsheet programs are accepted with the figures the partner
entered, get the same findings when an input is wrong, and still show tampering.

The corpus is built once per session from our own templates: inputs typed into the
blank template in LibreOffice Calc, a filled return re-saved by LibreOffice, converted by
Gnumeric, and re-spelt as Excel writes it (helpers.realprograms). Each is compared with
the same return filled by openpyxl, through the store and the consolidated summary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers.components import require_component
from helpers.corpus_report import RESULTS
from helpers.excel_respelling import STEPS
from helpers.ooxml import Package
from helpers.realprograms import (
    CALC_TAMPERING,
    GNUMERIC_HINT,
    PROGRAMS,
    TAMPERING,
    UNO_HINT,
    CalcJob,
    convert_with_gnumeric,
    resave_in_calc,
    respell_as_excel,
    ssconvert,
    system_uno,
    tamper,
    type_in_calc,
    typed_cells,
)

from xl_ni179.consolidate.run import summarise
from xl_ni179.intake.batch import validate_files
from xl_ni179.rules import RULES
from xl_ni179.rules.findings import Report
from xl_ni179.spec.schema import CHECK_DETAILS, CHECKS, GAINS, build_schema
from xl_ni179.store.workspace import Workspace
from xl_ni179.template import template_filename
from xl_ni179.template.fill import fill_workbook

pytestmark = pytest.mark.real_component

ORGS = ("LCC", "LCITY", "POLICE", "MELTON")  # county, unitary city, police authority, district
VALIDITY = ("valid", "invalid")
# Wrong inputs a person types (or pastes from a ledger, past the cell's list and number
# checks); each stays what it is in every program: text stays text, -4 a number.
INVALID = {
    "gains_procurement_2008_09": "N/A",
    "costs_other_2008_09": -4,
    "rag_2010_11": "Purple",
    "signoff_email": "finance.example.org",
    "signoff_date": "next week",
    "signoff_s151_officer": None,
}
INVALID_CODES = {
    "money-not-a-number",
    "money-negative",
    "rag-not-recognised",
    "signoff-email-invalid",
    "signoff-date-invalid",
    "required-missing",
}
RECEIVED = dt.datetime(2009, 5, 12, 9)
NOW = dt.datetime(2009, 5, 20, 12)


@dataclass
class Corpus:
    originals: dict[tuple[str, str], Path] = field(default_factory=dict)  # (org, validity)
    saved: dict[tuple[str, str, str], Path] = field(
        default_factory=dict
    )  # (program, org, validity)
    tampered: dict[tuple[str, str, str], Path] = field(default_factory=dict)  # (program, org, kind)
    respelt: dict[str, Path] = field(default_factory=dict)  # one Excel re-spelling alone, Melton
    reports: dict[Path, Report] = field(default_factory=dict)


@pytest.fixture(scope="session")
def corpus(
    tmp_path_factory, partnership, demo_round, templates_dir, demo_data, libreoffice, request
) -> Corpus:
    require_component(system_uno(), UNO_HINT)
    require_component(ssconvert() is not None, GNUMERIC_HINT)
    root = tmp_path_factory.mktemp("real-programs")
    schema = build_schema(partnership, demo_round)
    c = Corpus()
    inputs = {
        (org, v): {**demo_data[org], **(INVALID if v == "invalid" else {})}
        for org in ORGS
        for v in VALIDITY
    }
    template = {org: templates_dir / template_filename(org, demo_round.id) for org in ORGS}
    for (org, v), data in inputs.items():
        c.originals[org, v] = fill_workbook(
            partnership, template[org], data, root / "openpyxl" / f"{org}-{v}.xlsx"
        )

    jobs = [
        CalcJob(template[org], root / "calc-typed" / f"{org}-{v}.xlsx", typed_cells(schema, data))
        for (org, v), data in inputs.items()
    ]
    for org in ORGS:
        for kind, cell in CALC_TAMPERING.items():
            jobs.append(
                CalcJob(
                    template[org],
                    root / "calc-tampered" / f"{org}-{kind}.xlsx",
                    typed_cells(schema, inputs[org, "valid"]) + [cell],
                    unprotect=[GAINS],
                )
            )
    type_in_calc(jobs, root / "calc-work")
    resaved = dict(
        zip(
            c.originals,
            resave_in_calc(list(c.originals.values()), root / "calc-resaved"),
            strict=True,
        )
    )
    for (org, v), original in c.originals.items():
        c.saved["calc-typed", org, v] = root / "calc-typed" / f"{org}-{v}.xlsx"
        c.saved["calc-resaved", org, v] = resaved[org, v]
        c.saved["gnumeric", org, v] = convert_with_gnumeric(
            original, root / "gnumeric" / f"{org}-{v}.xlsx"
        )
        c.saved["excel-respelt", org, v] = respell_as_excel(
            original, root / "excel" / f"{org}-{v}.xlsx"
        )
    for program in PROGRAMS:
        for org in ORGS:
            for kind in TAMPERING:
                c.tampered[program, org, kind] = (
                    root / "calc-tampered" / f"{org}-{kind}.xlsx"
                    if program == "calc-typed"
                    else tamper(
                        c.saved[program, org, "valid"],
                        root / "tampered" / f"{program}-{org}-{kind}.xlsx",
                        kind,
                    )
                )
    for i, step in enumerate(STEPS):
        c.respelt[step] = respell_as_excel(
            c.originals["MELTON", "valid"], root / "excel-steps" / f"{i}.xlsx", [step]
        )
    files = [*c.originals.values(), *c.saved.values(), *c.tampered.values(), *c.respelt.values()]
    c.reports = dict(zip(files, validate_files(partnership, files), strict=True))
    request.config.stash[RESULTS] = {
        f"{program} {org}": False for program in PROGRAMS for org in ORGS
    }
    return c


def data_findings(report: Report) -> set[tuple[str, str, str]]:
    return {(f.code, f.sheet, f.cell) for f in report.findings if RULES[f.code].category == "data"}


def errors(report: Report) -> set[tuple[str, str, str]]:
    return {(f.code, f.sheet, f.cell) for f in report.errors}


def other_errors(report: Report) -> list[str]:
    """Errors that are not about the inputs: what a program's saving must never cause."""
    return [
        f"{f.code} at {f.where}: {f.message}"
        for f in report.errors
        if RULES[f.code].category != "data"
    ]


def describe(findings: list) -> str:
    """Findings in a line: each code, how often and its first cells."""
    by_code: dict[str, list[str]] = {}
    for f in findings:
        by_code.setdefault(f.code, []).append(f.where)
    return "; ".join(
        f"{code} x{len(cells)} ({', '.join(cells[:3])}{', ...' if len(cells) > 3 else ''})"
        for code, cells in by_code.items()
    )


def comparable(summary) -> dict:
    """The consolidated summary without its findings list, which names warnings such as a
    program dropping protection (allowed), not figures."""
    return {k: v for k, v in summary.to_json().items() if k != "findings"}


def receive_all(path: Path, files: dict[str, Path], partnership) -> tuple[Workspace, dict]:
    ws = Workspace.init(path)
    receipts = {
        org: ws.receive(file, sender=partnership.organisation(org).emails[0], received_at=RECEIVED)
        for org, file in files.items()
    }
    return ws, receipts


@pytest.fixture(scope="session")
def original_store(corpus, tmp_path_factory, partnership, demo_round):
    ws, receipts = receive_all(
        tmp_path_factory.mktemp("store") / "openpyxl",
        {org: corpus.originals[org, "valid"] for org in ORGS},
        partnership,
    )
    assert {r.outcome for r in receipts.values()} == {"accepted"}
    yield ws.accepted_returns(demo_round.id), comparable(summarise(ws, demo_round.id, now=NOW))
    ws.engine.dispose()


@pytest.mark.parametrize("program", PROGRAMS)
def test_valid_return_is_accepted_with_identical_figures(
    program, corpus, original_store, tmp_path, partnership, demo_round, request
):
    figures, summary = original_store
    ws, receipts = receive_all(
        tmp_path / program, {org: corpus.saved[program, org, "valid"] for org in ORGS}, partnership
    )
    try:
        stored = ws.accepted_returns(demo_round.id)
        same_summary = comparable(summarise(ws, demo_round.id, now=NOW)) == summary
        results = request.config.stash[RESULTS]
        for org, receipt in receipts.items():
            results[f"{program} {org}"] = (
                receipt.outcome == "accepted" and stored.get(org) == figures[org] and same_summary
            )
        refused = {
            org: describe(r.report.errors) for org, r in receipts.items() if r.outcome != "accepted"
        }
        assert not refused, f"{program}: refused {refused}"
        for org, receipt in receipts.items():
            assert data_findings(receipt.report) == set(), (program, org)
            assert stored[org] == figures[org], (program, org)
        assert same_summary
    finally:
        ws.engine.dispose()


@pytest.mark.parametrize("program", PROGRAMS)
def test_invalid_inputs_get_the_same_findings_at_the_same_cells(program, corpus):
    for org in ORGS:
        original = corpus.reports[corpus.originals[org, "invalid"]]
        saved = corpus.reports[corpus.saved[program, org, "invalid"]]
        assert {code for code, _, _ in data_findings(original)} == INVALID_CODES
        assert data_findings(saved) == data_findings(original), (
            program,
            org,
            describe(saved.findings),
        )
        assert other_errors(saved) == [], (program, org, describe(saved.errors))
        assert saved.values == original.values, (program, org)


@pytest.mark.parametrize("kind", sorted(TAMPERING))
@pytest.mark.parametrize("program", PROGRAMS)
def test_tampering_inside_the_saved_file_is_caught(program, kind, corpus):
    for org in ORGS:
        report = corpus.reports[corpus.tampered[program, org, kind]]
        assert not report.valid, (program, org, kind)
        assert errors(report) == TAMPERING[kind], (program, org, kind, describe(report.errors))


@pytest.mark.parametrize("step", list(STEPS))
def test_each_excel_respelling_alone_changes_nothing(step, corpus):
    original = corpus.reports[corpus.originals["MELTON", "valid"]]
    report = corpus.reports[corpus.respelt[step]]
    assert report.errors == [], f"{step}: {describe(report.errors)}"
    assert report.values == original.values, step


def test_the_corpus_is_what_the_programs_wrote(corpus):
    """Guards the corpus itself: each program really re-wrote the file its own way."""

    def formula_of(path: Path) -> str:
        pkg = Package(path)
        parts = pkg.sheet_parts()  # the checks' formulas: the Checks summary and each cell's line
        return "".join(pkg.parts[parts[sheet]].decode() for sheet in (CHECKS, CHECK_DETAILS))

    originals = formula_of(corpus.originals["LCC", "valid"])
    assert "'Gains'!B30" in originals and ",TRUE)" in originals
    assert "TRUE()" in formula_of(corpus.saved["calc-typed", "LCC", "valid"])
    assert "TRUE()" in formula_of(corpus.saved["calc-resaved", "LCC", "valid"])
    assert "'Gains'!" not in formula_of(corpus.saved["gnumeric", "LCC", "valid"])
    excel = formula_of(corpus.saved["excel-respelt", "LCC", "valid"])
    assert 't="shared"' in excel and "_xlfn.IFERROR(" in excel and "'Gains'!" not in excel
    for org in ORGS:  # the typed return holds what the openpyxl fill holds, input by input
        assert (
            corpus.reports[corpus.saved["calc-typed", org, "valid"]].values
            == corpus.reports[corpus.originals[org, "valid"]].values
        ), org
