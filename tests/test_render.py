"""Reports as their readers get them: terminal text, JSON and the HTML fragment for email."""

from __future__ import annotations

from xl_ni179.intake import render
from xl_ni179.intake.batch import validate_file
from xl_ni179.rules import RULES
from xl_ni179.rules.findings import Report


def test_html_fragment_lists_each_finding_and_escapes_partner_text(partnership, make_return):
    report = validate_file(
        partnership,
        make_return(
            "MELTON",
            {
                "gains_procurement_2008_09": "<b>5</b>",
                "rag_2009_10": "Red",
                "rag_commentary_2009_10": None,
            },
        ),
    )
    html = render.to_html(report, "Melton Borough Council")
    assert "NOT ACCEPTED: 2 error(s) to fix" in html
    assert "&lt;b&gt;5&lt;/b&gt;" in html and "<b>5</b>" not in html
    assert html.count("<tr>") == 1 + len(report.findings)
    for f in report.findings:
        assert f.where in html and f.code in html


def test_text_puts_errors_before_warnings_and_says_what_to_do():
    report = Report(file="r.xlsx", organisation="MELTON")
    report.add(
        RULES["gains-implausible"].finding(
            sheet="Gains", cell="B15", year="2008/09", value=5000.0, limit=0.2
        )
    )
    report.add(RULES["required-missing"].finding(sheet="Sign-off", cell="B5", label="Prepared by"))
    lines = render.to_text(report).splitlines()
    assert lines[0] == "r.xlsx: MELTON: NOT ACCEPTED: 1 error(s) to fix"
    assert lines[1].startswith(
        "  ERROR [required-missing] at sheet Sign-off, cell B5: Prepared by is blank."
    )
    assert lines[3].startswith(
        "  WARNING [gains-implausible] at sheet Gains, cell B15: "
        "Gross gains for 2008/09 are £5,000k"
    )
    assert all(line.strip().startswith("What to do:") for line in lines[2::2])


def test_every_rule_renders_its_templates(partnership):
    """Every message and fix template fills in from the parameters its checks pass."""
    params = {
        "value": 1.0,
        "before": 2.0,
        "expected": 3.0,
        "year": "2009/10",
        "previous": "2008/09",
        "limit": 0.2,
        "kind": "net",
        "found": "x",
        "round": "r",
        "organisation": "Melton",
        "sender": "a@b.example",
        "cover": "X",
        "what": "the sheet",
        "detail": "d",
        "seconds": 60,
        "megabytes": 1024,
        "rows": "2,000",
        "columns": 200,
        "name": "my_total",
        "scope": "",
        "more": "",
        "preparer": "P. Holt",
        "closed": "30 June 2009",
        "received": "3 May 2010",
        "open_now": "No round is open now.",
        "next_step": "Contact the consolidator.",
    }
    for code, rule in RULES.items():
        finding = rule.finding(sheet="Gains", cell="B8", field="f", label="Label", **params)
        assert finding.message and finding.fix and "{" not in finding.message + finding.fix, code
