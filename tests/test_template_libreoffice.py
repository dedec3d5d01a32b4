"""The partner workbook recalculated by a real spreadsheet engine (LibreOffice headless):
what a finance officer sees as they fill it in."""

from __future__ import annotations

import dataclasses

import pytest
from helpers.workbook_helpers import failing_checks, recalculate, status
from openpyxl import load_workbook

from xl_ni179.partnership import load_partnership
from xl_ni179.partnership.targets import annual_target, cumulative_target
from xl_ni179.spec.schema import build_schema
from xl_ni179.template import template_filename, write_templates

pytestmark = [pytest.mark.usefixtures("libreoffice"), pytest.mark.slow]


def test_blank_template_is_not_ready_and_counts_missing_required_inputs(
    templates_dir, tmp_path, partnership, demo_round
):
    path = templates_dir / template_filename("BLABY", demo_round.id)
    values = recalculate([path], tmp_path)[path]
    required = [f for f in build_schema(partnership, demo_round).fields if f.required]
    assert status(values) == f"{len(required)} problem(s) to fix: see the Checks sheet"
    failing = failing_checks(values)
    assert {c for c, _, _ in failing} == {"required-missing"}
    assert {(s, c) for _, s, c in failing} == {(f.sheet, f.cell) for f in required}


def test_each_demo_return_says_ready(returns_dir, tmp_path):
    files = sorted(returns_dir.iterdir())
    assert len(files) == 7
    for path, values in recalculate(files, tmp_path).items():
        assert status(values) == "Ready to submit", path.name
        assert failing_checks(values) == set()


def test_a_deliberate_error_shows_its_rule_failing(make_return, tmp_path):
    path = make_return(
        "MELTON",
        {
            "rag_2009_10": "Amber",
            "rag_commentary_2009_10": None,
            "signoff_email": "finance at melton",
        },
    )
    values = recalculate([path], tmp_path)[path]
    assert status(values) == "2 problem(s) to fix: see the Checks sheet"
    assert failing_checks(values) == {
        ("rag-commentary-missing", "Forecast", "C6"),
        ("signoff-email-invalid", "Sign-off", "B8"),
    }
    checks = values["Checks"]
    row = next(
        k[1:] for k, v in checks.items() if v == "rag-commentary-missing" and k.startswith("A")
    )
    assert checks[f"E{row}"] == "Fix"


@pytest.mark.parametrize("method", ["additive", "compound"])
def test_targets_in_the_workbook_equal_the_python_arithmetic(method, tmp_path):
    base = load_partnership()
    p = dataclasses.replace(
        base, agreements=tuple(dataclasses.replace(a, method=method) for a in base.agreements)
    )
    rnd = p.round("2008-09-review")
    codes = ["LCC", "FIRE", "LCITY"]
    files = write_templates(p, rnd, tmp_path / "t", codes)
    computed = recalculate(files, tmp_path / "lo")
    checked = 0
    for code in codes:
        path = tmp_path / "t" / template_filename(code, rnd.id)
        names = load_workbook(path).defined_names
        gains = computed[path]["Gains"]
        org = p.organisation(code)
        for agreement in p.agreements_of(code):
            for year in rnd.years:
                for kind, fn in (("annual", annual_target), ("cumulative", cumulative_target)):
                    name = f"target_{kind}_{agreement.code.lower()}_{year.replace('/', '_')}"
                    expected = fn(agreement, org.baseline, year)
                    if expected is None:
                        assert name not in names
                        continue
                    ((_, cell),) = list(names[name].destinations)
                    assert gains[cell.replace("$", "")] == pytest.approx(expected, abs=1e-6), name
                    checked += 1
    assert checked > 40


# Addresses for the agreement test: (address, what the rule should say).
EMAILS = [
    ("finance@melton.example.org", True),
    ("a.b-c@council.gov.uk", True),
    ("o'brien@x.org", True),
    ("first+ni179@leics.gov.uk", True),
    ("  spaced@x.org  ", True),
    ("a@b.c", True),
    ('x@y.z"><svg/onload=alert(1)>', False),
    ("finance at melton", False),
    ("a@b", False),
    ("a..b@x.org", False),
    (".a@x.org", False),
    ("a.@x.org", False),
    ("a@-x.org", False),
    ("a@x-.org", False),
    ("a@x.123", False),
    ("a@b@c.org", False),
    ("a b@x.org", False),
    ("Name <a@x.org>", False),
    ("a@x.org,b@y.org", False),
    ('"a b"@x.org', False),
    ("a@[1.2.3.4]", False),
    ("a@x.test", False),
    ("a@host.localhost", False),
    ("é@x.org", False),
    ("a@x.org.", False),
    ("@x.org", False),
    ("a@", False),
    ('=HYPERLINK("http://evil.example")@x.org', False),
    ("a@" + "l" * 64 + ".org", False),
    ("a@" + "l" * 63 + ".org", True),
    ("l" * 65 + "@x.org", False),
]


def test_the_workbook_and_the_validator_agree_on_email_addresses(
    make_return, partnership, tmp_path
):
    """The Checks sheet's formula, recalculated by LibreOffice, flags exactly the addresses
    the validator rejects on receipt (email-validator plus our shape)."""
    from xl_ni179.intake.batch import validate_file

    files = {
        make_return("MELTON", {"signoff_email": address}): (address, ok) for address, ok in EMAILS
    }
    computed = recalculate(list(files), tmp_path)
    for path, (address, ok) in files.items():
        in_workbook = ("signoff-email-invalid", "Sign-off", "B8") in failing_checks(computed[path])
        on_receipt = "signoff-email-invalid" in {
            f.code for f in validate_file(partnership, path).findings
        }
        assert (in_workbook, on_receipt) == (not ok, not ok), address


def test_preparer_signing_off_is_a_warning_that_can_be_explained(make_return, tmp_path):
    """Sign-off independence, live in the workbook: the section 151 officer named is the
    preparer (spelled differently), so the return is not ready until that is explained."""
    same = {
        "signoff_preparer": "Gail Reid, Chief Finance Officer",
        "signoff_s151_officer": "gail reid",
    }
    unexplained = make_return("MELTON", same)
    explained = make_return(
        "MELTON",
        {
            **same,
            "explain_signoff_not_independent": "Small council: the deputy s151 officer reviewed the figures.",
        },
    )
    computed = recalculate([unexplained, explained], tmp_path)
    assert status(computed[unexplained]) == "1 problem(s) to fix: see the Checks sheet"
    assert failing_checks(computed[unexplained]) == {("signoff-not-independent", "Sign-off", "B6")}
    # A warning asks to be explained, not fixed (issue 19): 'Explain' on the Checks sheet and
    # 'Check' on its cell's line of Check details; an error says 'Fix' (see above).
    checks = computed[unexplained]["Checks"]
    row = next(
        k[1:] for k, v in checks.items() if v == "signoff-not-independent" and k.startswith("A")
    )
    assert checks[f"E{row}"] == "Explain"
    details = computed[unexplained]["Check details"]
    (line,) = [
        k[1:] for k, v in details.items() if v == "signoff-not-independent" and k.startswith("A")
    ]
    assert details[f"B{line}"] == "sheet Sign-off, cell B6" and details[f"D{line}"] == 1
    checks = computed[explained]["Checks"]
    assert checks[f"E{row}"] == "Explained"
    assert status(computed[explained]) == "Ready to submit"
