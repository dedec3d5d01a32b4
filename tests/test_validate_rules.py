"""Data rules on receipt, and their agreement with the workbook's own Checks sheet."""

from __future__ import annotations

import re

import pytest
from helpers.workbook_helpers import failing_checks, recalculate

from xl_ni179.intake.batch import validate_file
from xl_ni179.rules import RULES
from xl_ni179.spec.schema import SHEETS, build_schema

CELL = re.compile(r"[A-Z]{1,3}[1-9][0-9]*")

# Each case changes the Melton demo return; the codes are what both sides must report.
CASES: dict[str, tuple[dict, set[str]]] = {
    "blank required gain": ({"gains_procurement_2008_09": None}, {"required-missing"}),
    "pound sign": ({"gains_other_2008_09": "£5"}, {"money-not-a-number"}),
    "thousands comma": ({"costs_assets_2008_09": "1,000"}, {"money-not-a-number"}),
    "N/A": ({"gains_workforce_2009_10": "N/A"}, {"money-not-a-number"}),
    "negative": ({"costs_other_2008_09": -4}, {"money-negative"}),
    # The ceiling is £10bn (10,000,000 in £000): beyond it an amount is an error, not a warning.
    "amount beyond any real one": (
        {"gains_procurement_2011_12": 10_000_000.5},
        {"money-out-of-range", "gains-implausible"},
    ),
    "amount at the ceiling": ({"gains_procurement_2011_12": 10_000_000}, {"gains-implausible"}),
    "negative amount beyond any real one": (
        {"costs_other_2011_12": -2e7},
        {"money-negative", "money-out-of-range"},
    ),
    "project savings beyond any real amount": (
        {"project_savings_fleet": 1e12},
        {"money-out-of-range"},
    ),
    "unknown rating": ({"rag_2010_11": "Purple"}, {"rag-not-recognised"}),
    "lower-case rating is fine": ({"rag_2010_11": "amber"}, set()),
    "amber without commentary": (
        {"rag_2009_10": "Amber", "rag_commentary_2009_10": "  "},
        {"rag-commentary-missing"},
    ),
    "bad email": ({"signoff_email": "finance.melton.example.org"}, {"signoff-email-invalid"}),
    "email with space": ({"signoff_email": "a b@melton.example.org"}, {"signoff-email-invalid"}),
    "email with markup after it": (
        {"signoff_email": 'x@y.z"><svg/onload=alert(1)>'},
        {"signoff-email-invalid"},
    ),
    "date as words": ({"signoff_date": "next week"}, {"signoff-date-invalid"}),
    "sign-off date years before the round": (
        {"signoff_date": "2005-05-12"},
        {"signoff-date-implausible"},
    ),
    "sign-off date before the year ended": (
        {"signoff_date": "2009-03-31"},
        {"signoff-date-implausible"},
    ),
    "sign-off date on the first day after the year": ({"signoff_date": "2009-04-01"}, set()),
    "sign-off date far in the future": (
        {"signoff_date": "2999-01-01"},
        {"signoff-date-implausible"},
    ),
    "sign-off date as a huge number": ({"signoff_date": 1e12}, {"signoff-date-implausible"}),
    "blank sign-off": ({"signoff_preparer": None, "signoff_date": None}, {"required-missing"}),
    # The date cell is text, read day first or ISO whatever the computer's language (issue 19).
    "date typed day first": ({"signoff_date": "15/05/2009"}, set()),
    "date typed with dashes": ({"signoff_date": "15-05-2009"}, set()),
    "date typed with dots and a short year": ({"signoff_date": "5.6.09"}, set()),
    "date typed with the month in words": ({"signoff_date": "15 May 2009"}, set()),
    "date typed with a short month and spaces": ({"signoff_date": " 3  june  2009 "}, set()),
    "date typed ISO with slashes": ({"signoff_date": "2009/05/15"}, set()),
    "date given as a date (a paste)": ({"signoff_date": 39948}, set()),
    "date typed month first": ({"signoff_date": "05/15/2009"}, {"signoff-date-invalid"}),
    "date that does not exist": ({"signoff_date": "31/04/2009"}, {"signoff-date-invalid"}),
    "29 February of a common year": ({"signoff_date": "29/02/2009"}, {"signoff-date-invalid"}),
    "month not a month": ({"signoff_date": "15 Mai 2009"}, {"signoff-date-invalid"}),
    "date with a word after it": ({"signoff_date": "15/05/2009 am"}, {"signoff-date-invalid"}),
    "three-digit year": ({"signoff_date": "15/05/209"}, {"signoff-date-invalid"}),
    "a year later than the round": ({"signoff_date": "12/05/2010"}, {"signoff-date-implausible"}),
    "last day of the round's window": ({"signoff_date": "14/06/2009"}, set()),
    "a day after the round's window": (
        {"signoff_date": "15/06/2009"},
        {"signoff-date-implausible"},
    ),
    "implausible gains": ({"gains_procurement_2011_12": 5000}, {"gains-implausible"}),
    "forecast falls": ({"costs_procurement_2010_11": 300}, {"forecast-below-previous"}),
    "costs exceed gains": ({"costs_procurement_2008_09": 900}, {"net-gains-negative"}),
    "explained warning still reported": (
        {
            "gains_procurement_2011_12": 5000,
            "explain_gains_implausible": "Includes a one-year pension gain",
        },
        {"gains-implausible"},
    ),
    # Melton's preparer is "T. Walsh, Finance Officer": names compared without case, spaces or job title.
    "preparer signs off": ({"signoff_s151_officer": "t.  WALSH"}, {"signoff-not-independent"}),
    "preparer signs off, title given": (
        {"signoff_s151_officer": "T.Walsh, Director of Finance"},
        {"signoff-not-independent"},
    ),
    "a different person signs off": ({"signoff_s151_officer": "T. Walsham"}, set()),
    "several at once": (
        {"gains_procurement_2008_09": "five", "rag_2011_12": "Red", "signoff_email": None},
        {"money-not-a-number", "rag-commentary-missing", "required-missing"},
    ),
}


def python_failures(report) -> set[tuple[str, str, str]]:
    return {(f.code, f.sheet, f.cell) for f in report.findings if RULES[f.code].in_workbook}


def test_every_demo_return_validates_with_no_findings(partnership, returns_dir):
    for path in sorted(returns_dir.iterdir()):
        report = validate_file(partnership, path)
        assert report.valid and report.ready, (path.name, report.findings)
        assert report.findings == []


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_rule_reports_what_where_and_what_to_do(case, partnership, make_return):
    changes, codes = CASES[case]
    report = validate_file(partnership, make_return("MELTON", changes))
    assert {f.code for f in report.findings} == codes
    schema = build_schema(partnership, partnership.round(report.round_id))
    for f in report.findings:
        # Where: the sheet and cell of the input the finding is about, as the template places
        # it; a finding about a total points at a real cell of the return.
        if f.field:
            assert (f.sheet, f.cell) == (schema.field(f.field).sheet, schema.field(f.field).cell), f
        else:
            assert f.sheet in SHEETS and CELL.fullmatch(f.cell), f
        # What is wrong and what to do, both filled in: a parameter the check did not pass
        # would show as ‹name› in the text the partner reads.
        assert f.message and f.fix and "‹" not in f.message + f.fix, f
    assert report.valid == (not any(RULES[c].severity == "error" for c in codes))


def test_explained_warning_no_longer_blocks(partnership, make_return):
    unexplained = validate_file(
        partnership, make_return("MELTON", {"gains_procurement_2011_12": 5000})
    )
    explained = validate_file(
        partnership,
        make_return(
            "MELTON",
            {
                "gains_procurement_2011_12": 5000,
                "explain_gains_implausible": "One-off pension gain included",
            },
        ),
    )
    assert unexplained.valid and not unexplained.ready
    assert explained.valid and explained.ready
    assert explained.findings[0].explained


@pytest.mark.slow
def test_python_and_workbook_checks_agree_rule_by_rule(
    partnership, make_return, tmp_path, libreoffice
):
    files = {
        case: make_return("MELTON", changes, name=f"case{i}.xlsx")
        for i, (case, (changes, _)) in enumerate(sorted(CASES.items()))
    }
    computed = recalculate(list(files.values()), tmp_path)
    for case, path in files.items():
        python = python_failures(validate_file(partnership, path))
        workbook = failing_checks(computed[path])
        assert python == workbook, case
        assert {c for c, _, _ in python} == CASES[case][1], case
