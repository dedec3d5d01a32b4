"""Links in a returned workbook (issue 19): Calc saves a typed email address as a link to
``mailto:`` that address, which is accepted; no other link rides in.

The reader gives a workbook's links as ``RawWorkbook.hyperlinks``, ``{sheet: {ref: target}}``
(``target``: the address of the link's external relationship, or ``#place`` for a link
inside the workbook), which ``xl_ni179.checks.hyperlinks`` checks. The links are set here on
what the reader read from a real return, in the form Calc writes them (found by saving a
typed address in Calc: ``<hyperlink ref="B8" r:id="rId1" display="..."/>`` whose
relationship targets ``mailto:finance@melton.example.org``, TargetMode External).
"""

from __future__ import annotations

import pytest

from xl_ni179.checks.hyperlinks import link_findings
from xl_ni179.intake.reader import read_workbook
from xl_ni179.intake.validate import validate_workbook
from xl_ni179.rules.findings import Report
from xl_ni179.spec.schema import build_schema

TYPED = "finance@melton.example.org"


@pytest.fixture
def schema(partnership, demo_round):
    return build_schema(partnership, demo_round)


def _findings(schema, links, typed=TYPED):
    cells = {("Sign-off", "B8"): typed}
    return list(link_findings(links, schema, lambda sheet, cell: cells.get((sheet, cell))))


@pytest.mark.parametrize(
    "ref, target",
    [
        ("B8", f"mailto:{TYPED}"),
        ("$B$8", f"MAILTO:{TYPED.upper()}"),  # the same address, however it is cased
        ("B8:B8", f"mailto:{TYPED}"),
    ],
)
def test_calcs_own_link_of_the_typed_address_is_accepted(schema, ref, target):
    assert _findings(schema, {"Sign-off": {ref: target}}) == []


def test_a_link_within_the_workbook_goes_nowhere_and_is_accepted(schema):
    assert _findings(schema, {"Validation results": {"C5": "#'Gains'!B8"}}) == []


@pytest.mark.parametrize(
    "sheet, ref, target",
    [
        ("Sign-off", "B8", "mailto:someone.else@evil.example"),  # another address
        (
            "Sign-off",
            "B8",
            f"mailto:{TYPED}?subject=x&attach=\\\\host\\share",
        ),  # more than the address
        ("Sign-off", "B8", "https://evil.example/login"),  # the email cell, but a web page
        ("Gains", "B8", "https://evil.example/login"),  # a money input
        (
            "Forecast",
            "C6",
            "file://///evil.example/share/doc.xlsx",
        ),  # a commentary, to a network file
        ("Gains", "A8", "\\\\evil.example\\share"),  # a locked label, to a UNC path
        ("Sign-off", "B8:C9", f"mailto:{TYPED}"),  # over more than the email cell
        ("Sign-off", "B5", f"mailto:{TYPED}"),  # on another cell
    ],
)
def test_any_other_link_is_refused_where_it_is(schema, sheet, ref, target):
    (finding,) = _findings(schema, {sheet: {ref: target}})
    assert finding.code == "hyperlink-not-allowed" and finding.severity == "error"
    assert (finding.sheet, finding.cell) == (sheet, ref)
    assert "Remove Hyperlink" in finding.fix


def test_a_link_with_no_typed_address_behind_it_is_refused(schema):
    (finding,) = _findings(schema, {"Sign-off": {"B8": f"mailto:{TYPED}"}}, typed=None)
    assert finding.code == "hyperlink-not-allowed"


def test_the_target_quoted_back_is_short_and_has_no_control_characters(schema):
    (finding,) = _findings(schema, {"Gains": {"B8": "https://evil.example/\r\n" + "x" * 5000}})
    assert (
        len(finding.message) < 250 and "\r" not in finding.message and "\n" not in finding.message
    )


def test_validation_refuses_a_return_carrying_a_web_link_and_accepts_calcs_mailto(
    partnership, returns_dir
):
    """Through validate_workbook, with the links as the reader gives them."""
    path = returns_dir / "NI179_MELTON_2008-09-review.xlsx"
    raw = read_workbook(path)
    assert raw.value("Sign-off", "B8") == TYPED
    raw.hyperlinks = {"Sign-off": {"B8": f"mailto:{TYPED}"}}  # type: ignore[attr-defined]
    report = Report(file=str(path))
    validate_workbook(partnership, raw, report)
    assert report.valid and report.findings == []

    raw = read_workbook(path)
    raw.hyperlinks = {
        "Sign-off": {"B8": f"mailto:{TYPED}"},  # type: ignore[attr-defined]
        "Gains": {"B9": "https://evil.example/verify"},
    }
    report = Report(file=str(path))
    validate_workbook(partnership, raw, report)
    assert not report.valid
    assert [(f.code, f.where) for f in report.errors] == [
        ("hyperlink-not-allowed", "sheet Gains, cell B9")
    ]
    assert "'https://evil.example/verify'" in report.errors[0].message
