"""The checked copy sent back to a partner: our template with their values and a comment at each
finding, opened by a real spreadsheet engine."""

from __future__ import annotations

import io

import pytest
from helpers.checked_copy import assert_only_ours, assert_values_plain
from helpers.libreoffice import convert
from openpyxl import load_workbook

from xl_ni179.intake.annotate import annotate, annotated_bytes
from xl_ni179.intake.batch import validate_file
from xl_ni179.rules.findings import Finding, Report
from xl_ni179.spec.schema import build_schema

# Partner text that a spreadsheet would read as a formula if it were written as one.
FORMULA_TEXT = {
    "rag_commentary_2009_10": '=HYPERLINK("http://evil.example/login","Click here to verify your account")',
    "rag_commentary_2010_11": "+cmd|' /C calc'!A0",
    "rag_commentary_2011_12": "@SUM(1,2)",
    "project_comment_fleet": "-2+3",
}


@pytest.mark.slow
def test_annotated_workbook_shows_each_finding_at_its_cell(
    partnership, make_return, tmp_path, libreoffice
):
    path = make_return(
        "OADBY",
        {
            "gains_procurement_2008_09": "£5",
            "rag_2010_11": "Red",
            "rag_commentary_2010_11": None,
            "signoff_date": "soon",
        },
    )
    report = validate_file(partnership, path)
    assert len(report.findings) == 3
    out = annotate(partnership, report, tmp_path / "annotated.xlsx")
    (opened,) = convert([out], tmp_path / "lo")  # raises if LibreOffice cannot open it
    wb = load_workbook(opened)
    for f in report.findings:
        comment = wb[f.sheet][f.cell].comment
        assert comment is not None and f.code in comment.text and f.fix in comment.text, f.where
        # and coloured on its own sheet (issue 19): red for an error, so it is seen without hovering
        assert str(wb[f.sheet][f.cell].fill.fgColor.rgb).upper().endswith("FFC7CE"), f.where
    untouched = wb["Gains"]["B9"]  # an input without a finding keeps the input colour
    assert str(untouched.fill.fgColor.rgb).upper().endswith("FFF2CC")
    results = wb["Validation results"]
    rows = {
        (results.cell(r, 2).value, results.cell(r, 3).value, results.cell(r, 6).value)
        for r in range(5, 5 + len(report.findings))
    }
    assert rows == {(f.sheet, f.cell, f.code) for f in report.findings}
    assert str(results["A1"].value).startswith("NOT ACCEPTED")
    assert wb.sheetnames[0] == "Validation results"
    assert (
        wb["Gains"]["B8"].value == "£5" and wb["Sign-off"]["B7"].value == "soon"
    )  # what they typed
    assert_only_ours(partnership, report, out.read_bytes())


@pytest.mark.slow
def test_a_checked_copy_sent_back_unchanged_gets_the_same_verdict(
    partnership, returns_dir, tmp_path
):
    """The copy is a faithful return: the partner can fix it and send it straight back."""
    original = returns_dir / "NI179_LCITY_2008-09-review.xlsx"
    report = validate_file(partnership, original)
    assert report.valid
    copy = annotate(partnership, report, tmp_path / "LCITY-checked.xlsx")
    again = validate_file(partnership, copy)
    assert again.valid and again.findings == report.findings
    assert again.values == report.values


@pytest.mark.slow
def test_text_that_looks_like_a_formula_lands_as_text(
    partnership, make_return, tmp_path, libreoffice
):
    path = make_return("MELTON", {**FORMULA_TEXT, "signoff_email": "nobody"})
    report = validate_file(partnership, path)
    assert [f.code for f in report.errors] == ["signoff-email-invalid"]
    assert {k: report.values[k] for k in FORMULA_TEXT} == FORMULA_TEXT
    out = annotate(partnership, report, tmp_path / "checked.xlsx")
    assert_only_ours(partnership, report, out.read_bytes())  # string cells, not formulas
    schema = build_schema(partnership, partnership.round(report.round_id))
    wb = load_workbook(out)
    for name in FORMULA_TEXT:
        f = schema.field(name)
        assert wb[f.sheet][f.cell].quotePrefix, name  # stays text even when edited in Excel
    (opened,) = convert([out], tmp_path / "lo")
    assert_values_plain(
        partnership, report, opened.read_bytes()
    )  # and LibreOffice kept them as text


@pytest.mark.slow
def test_annotating_a_file_that_is_not_a_workbook_writes_nothing(partnership, tmp_path):
    bad = tmp_path / "return.xlsx"
    bad.write_text("Organisation,Gains\nMelton,100\n")
    report = validate_file(partnership, bad)
    assert not report.valid
    assert annotate(partnership, report, tmp_path / "out.xlsx") is None
    assert not (tmp_path / "out.xlsx").exists()


def test_values_a_cell_cannot_hold_land_as_text(partnership):
    """An infinite number or a control character (a crafted file can carry both) must not stop
    the copy being written, or the reply would never go; and the control character is shown,
    not dropped, in the cell and in the comment quoting it."""
    report = Report(
        file="x.xlsx",
        organisation="MELTON",
        round_id="2008-09-review",
        values={"gains_procurement_2008_09": float("inf"), "signoff_phone": "0116\x07 496 0000"},
        findings=[
            Finding(
                "money-not-a-number",
                "error",
                "This entry should be a number, but it contains '1\x1b[31m2'.",
                "Type the figure as a number.",
                "Gains",
                "B9",
            )
        ],
    )
    wb = load_workbook(io.BytesIO(annotated_bytes(partnership, report)))
    assert wb["Gains"]["B8"].value == "inf" and wb["Sign-off"]["B9"].value == "0116\\x07 496 0000"
    assert "contains '1\\x1b[31m2'" in wb["Gains"]["B9"].comment.text


@pytest.mark.slow
def test_a_warning_is_amber_until_explained_then_green(partnership, make_return):
    same = {"signoff_s151_officer": "T. Walsh", "signoff_preparer": "T. Walsh"}
    for explanation, colour in (
        (None, "FFEB9C"),
        ("Small council: nobody else can sign.", "C6EFCE"),
    ):
        report = validate_file(
            partnership,
            make_return("MELTON", {**same, "explain_signoff_not_independent": explanation}),
        )
        (warning,) = report.warnings
        assert warning.code == "signoff-not-independent" and warning.explained == bool(explanation)
        wb = load_workbook(io.BytesIO(annotated_bytes(partnership, report)))
        assert str(wb[warning.sheet][warning.cell].fill.fgColor.rgb).upper().endswith(colour)
        assert str(wb["Validation results"]["A5"].fill.fgColor.rgb).upper().endswith(colour)
