"""Structure, identity and tampering: is this our template, from this partner, untouched?"""

from __future__ import annotations

import re
import zipfile

import pytest
from openpyxl import load_workbook

from xl_ni179.intake.batch import validate_file


def codes(report) -> set[str]:
    return {f.code for f in report.findings}


def edit(path, fn):
    wb = load_workbook(path)
    fn(wb)
    wb.save(path)
    return path


def rewrite_part(path, part, fn, tmp_path):
    out = tmp_path / f"rewritten-{path.name}"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, fn(data.decode()).encode() if item.filename == part else data)
    return out


def test_formula_overwritten_with_a_number_is_rejected(partnership, make_return):
    path = edit(make_return("MELTON"), lambda wb: wb["Gains"].__setitem__("B37", 9999))
    report = validate_file(partnership, path)
    assert not report.valid
    found = {(f.code, f.where) for f in report.findings}
    assert ("locked-content-changed", "sheet Gains, cell B37") in found
    assert ("total-mismatch", "sheet Gains, cell B37") in found


def test_unprotected_sheet_with_changed_label_is_rejected(partnership, make_return):
    def tamper(wb):
        wb["Gains"].protection.sheet = False
        wb["Gains"]["A8"] = "Procurement (including one-off savings)"

    report = validate_file(partnership, edit(make_return("MELTON"), tamper))
    assert not report.valid
    changed = [f for f in report.findings if f.code == "locked-content-changed"]
    assert [f.where for f in changed] == ["sheet Gains, cell A8"]
    assert "'Procurement'" in changed[0].message
    assert "protection-removed" in codes(report)


@pytest.mark.slow
def test_many_changed_locked_cells_are_listed_up_to_a_limit(partnership, make_return):
    def tamper(wb):
        for row in range(1, 31):
            wb["Check details"][f"C{row + 40}"] = f"changed {row}"

    report = validate_file(partnership, edit(make_return("MELTON"), tamper))
    changed = [f for f in report.findings if f.code == "locked-content-changed"]
    assert len(changed) == 21
    assert changed[-1].message.endswith(" 9 more locked cells differ from the template too.")
    assert "holds 'changed 1'" in changed[0].message


def test_another_organisations_code_is_rejected(partnership, make_return):
    path = edit(make_return("MELTON"), lambda wb: wb["_meta"].__setitem__("B4", "LCC"))
    report = validate_file(partnership, path, sender="finance@melton.example.org")
    assert not report.valid
    assert {"organisation-mismatch", "sender-not-registered", "locked-content-changed"} <= codes(
        report
    )


def test_return_from_an_unregistered_sender_is_rejected(partnership, returns_dir):
    report = validate_file(
        partnership,
        returns_dir / "NI179_MELTON_2008-09-review.xlsx",
        sender="someone@elsewhere.example.com",
    )
    assert codes(report) == {"sender-not-registered"}
    assert "someone@elsewhere.example.com" in report.findings[0].message
    ok = validate_file(
        partnership,
        returns_dir / "NI179_MELTON_2008-09-review.xlsx",
        sender="FINANCE@melton.example.org",
    )
    assert ok.valid


def test_added_and_renamed_sheets_are_named(partnership, make_return):
    def tamper(wb):
        wb.create_sheet("My workings")
        wb["Projects"].title = "Project list"

    report = validate_file(partnership, edit(make_return("MELTON"), tamper))
    assert not report.valid
    messages = " ".join(f.message for f in report.findings)
    assert "'My workings'" in messages and "'Projects' is missing" in messages


@pytest.mark.slow
def test_moved_defined_name_and_formula_in_an_input(partnership, make_return, tmp_path):
    path = make_return("MELTON")
    moved = rewrite_part(
        path, "xl/workbook.xml", lambda xml: xml.replace("'Gains'!$B$8<", "'Gains'!$B$9<"), tmp_path
    )
    report = validate_file(partnership, moved)
    assert [f.field for f in report.findings if f.code == "defined-name-moved"] == [
        "gains_procurement_2008_09"
    ]

    def formula(wb):
        wb["Gains"]["B8"] = "=10*5"

    report = validate_file(partnership, edit(make_return("MELTON"), formula))
    assert codes(report) == {"input-is-formula"}
    assert report.findings[0].where == "sheet Gains, cell B8"


@pytest.mark.slow
def test_outdated_template_and_wrong_round(partnership, make_return):
    path = edit(make_return("MELTON"), lambda wb: wb["_meta"].__setitem__("B2", "0.9"))
    assert "template-version-outdated" in codes(validate_file(partnership, path))
    path = edit(make_return("MELTON"), lambda wb: wb["_meta"].__setitem__("B3", "2010-11-review"))
    assert codes(validate_file(partnership, path)) == {"unknown-round"}


def test_not_our_template(partnership, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "Efficiency savings 2008/09"
    wb.save(tmp_path / "own-format.xlsx")
    report = validate_file(partnership, tmp_path / "own-format.xlsx")
    assert codes(report) == {"not-ni179-template"}


def test_infinite_number_is_not_money(partnership, make_return, tmp_path):
    # 'inf' is no number in the file format: Excel refuses it, Calc reads something else.
    path = make_return("MELTON", {"gains_other_2008_09": 12345.5})
    bad = rewrite_part(
        path,
        "xl/worksheets/sheet2.xml",
        lambda xml: re.sub(r'(<c r="B14"[^>]*><v>)12345.5(</v>)', r"\1inf\2", xml),
        tmp_path,
    )
    report = validate_file(partnership, bad)
    assert {(f.code, f.where) for f in report.findings} == {
        ("ambiguous-cell", "sheet Gains, cell B14")
    }


def test_cross_return_rules(partnership, returns_dir, make_return, copy_of):
    previous = validate_file(partnership, returns_dir / "NI179_MELTON_2008-09-review.xlsx")
    lower = make_return("MELTON", {"gains_procurement_2008_09": 1.0})
    report = validate_file(partnership, lower, previous=previous, replaces=previous)
    assert {f.code for f in report.findings} >= {"gains-withdrawn", "resubmission-changed"}
    withdrawn = next(f for f in report.findings if f.code == "gains-withdrawn")
    assert withdrawn.where == "sheet Gains, cell B15" and withdrawn.severity == "warning"
    assert report.valid and not report.ready
    same = validate_file(
        partnership,
        copy_of(returns_dir / "NI179_MELTON_2008-09-review.xlsx"),
        previous=previous,
        replaces=previous,
    )
    assert same.findings == []


@pytest.mark.slow
def test_expected_locked_content_from_a_twin_equals_building_each_template(partnership, demo_round):
    """The validator builds one template per shape and fills in each organisation's own
    name, code and baseline; that must give exactly what building its own template gives."""
    from xl_ni179.intake.compiled import return_spec
    from xl_ni179.template.builder import build_locked

    spec = return_spec(partnership, demo_round.id)
    shapes = set()
    for org in partnership.organisations:
        assert spec.expected_locked(org.code) == build_locked(
            partnership, org.code, demo_round.id
        ), org.code
        shapes.add((org.sector, tuple(a.code for a in partnership.agreements_of(org.code))))
    assert len(shapes) < len(partnership.organisations)  # twins were really used (the districts)
