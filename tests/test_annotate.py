"""The annotated copy sent back to a partner, opened by a real spreadsheet engine."""

from __future__ import annotations

from openpyxl import load_workbook

from xl_ni179.annotate import annotate
from xl_ni179.libreoffice import convert
from xl_ni179.validate import validate_file


def test_annotated_workbook_shows_each_finding_at_its_cell(partnership, make_return, tmp_path, libreoffice):
    path = make_return("OADBY", {"gains_procurement_2008_09": "£5", "rag_2010_11": "Red",
                                 "rag_commentary_2010_11": None, "signoff_date": "soon"})
    report = validate_file(partnership, path)
    assert len(report.findings) == 3
    out = annotate(report, path, tmp_path / "annotated.xlsx")
    (opened,) = convert([out], tmp_path / "lo")  # raises if LibreOffice cannot open it
    wb = load_workbook(opened)
    for f in report.findings:
        comment = wb[f.sheet][f.cell].comment
        assert comment is not None and f.code in comment.text and f.fix in comment.text, f.where
    results = wb["Validation results"]
    rows = {(results.cell(r, 2).value, results.cell(r, 3).value, results.cell(r, 6).value)
            for r in range(5, 5 + len(report.findings))}
    assert rows == {(f.sheet, f.cell, f.code) for f in report.findings}
    assert str(results["A1"].value).startswith("NOT ACCEPTED")


def test_annotating_a_file_that_is_not_a_workbook_writes_nothing(partnership, tmp_path):
    bad = tmp_path / "return.xlsx"
    bad.write_text("Organisation,Gains\nMelton,100\n")
    report = validate_file(partnership, bad)
    assert not report.valid
    assert annotate(report, bad, tmp_path / "out.xlsx") is None
    assert not (tmp_path / "out.xlsx").exists()
