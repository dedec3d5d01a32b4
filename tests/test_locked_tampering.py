"""A locked cell changed so that its *spelling* survives is still a changed cell.

The locked-content check compares a return with the template it was issued as, cell by
cell or by the fingerprint recorded when the template was issued. Each case here keeps what
a careless comparison looks at and changes what the partner's program shows:

* a total's formula replaced by text that reads as the formula does once its spelling is
  made canonical (the cell shows those words, no longer the total);
* a year heading's number replaced by the text a number is written as (the heading is text,
  no longer a year);
* a label made to carry its neighbour's content, with control characters (_x0000_,
  _x0001_) that a fingerprint made of lines would read as the neighbour's line.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xl_ni179.intake.batch import validate_file
from xl_ni179.intake.compiled import return_spec
from xl_ni179.intake.validate import validate_in_process
from xl_ni179.intake.worker_context import IssuedTemplate
from xl_ni179.spec.formulas import canonical_formula
from xl_ni179.template.builder import write_templates
from xl_ni179.template.fill import fill_workbook

ORG = "MELTON"


@pytest.fixture
def issued_return(tmp_path, partnership, demo_round, demo_data) -> tuple[Path, IssuedTemplate]:
    """MELTON's return filled in from the template as issued, and that issue's record."""
    prints: dict[str, str] = {}
    (template,) = write_templates(
        partnership, demo_round, tmp_path / "issued", orgs=[ORG], fingerprints=prints
    )
    filled = fill_workbook(partnership, template, demo_data[ORG], tmp_path / "filled.xlsx")
    return filled, IssuedTemplate(demo_round.id, ORG, None, None, prints[ORG])


def _edited(source: Path, out: Path, edit) -> Path:
    wb = load_workbook(source)
    edit(wb)
    wb.save(out)
    return out


def _changed_cells(report) -> set[str]:
    return {f.where for f in report.findings if f.code == "locked-content-changed"}


def _both_ways(partnership, path: Path, issued: IssuedTemplate) -> list:
    """The report with the issue's fingerprint to go by, and without (cell by cell)."""
    return [
        validate_in_process(partnership, path, issued=[issued]),
        validate_file(partnership, path),
    ]


def test_a_total_replaced_by_the_text_of_its_formula_is_a_changed_cell(
    issued_return, partnership, tmp_path
):
    filled, issued = issued_return

    def as_text(wb) -> None:
        cell = wb["Gains"]["B15"]
        assert cell.data_type == "f"
        # As text, in the one spelling formulas are compared by: the cell shows these
        # characters, not the sum.
        cell.value = "=" + canonical_formula(cell.value)
        cell.data_type = "s"

    tampered = _edited(filled, tmp_path / "text-total.xlsx", as_text)
    for report in _both_ways(partnership, tampered, issued):
        assert not report.valid
        assert "sheet Gains, cell B15" in _changed_cells(report)


def test_a_year_heading_replaced_by_the_text_of_its_number_is_a_changed_cell(
    issued_return, partnership, tmp_path
):
    filled, issued = issued_return
    year = load_workbook(filled)["Gains"]["B6"].value
    assert isinstance(year, int | float)

    def as_text(wb) -> None:
        wb["Gains"]["B6"] = repr(float(year))  # '2008.0': text, no longer the year 2008

    tampered = _edited(filled, tmp_path / "text-year.xlsx", as_text)
    for report in _both_ways(partnership, tampered, issued):
        assert not report.valid
        assert "sheet Gains, cell B6" in _changed_cells(report)


def _neighbours(partnership, demo_round) -> tuple[str, str, str]:
    """Two locked labels of the Gains sheet next to each other in (sheet, cell) order."""
    locked = return_spec(partnership, demo_round.id).expected_locked(ORG)
    cells = sorted(coord for (sheet, coord) in locked if sheet == "Gains")
    for first, second in zip(cells, cells[1:], strict=False):
        if first[0] == second[0] == "A" and not locked[("Gains", second)].startswith("\x00"):
            return first, second, locked[("Gains", second)]
    raise AssertionError("no two labels next to each other")


def test_a_label_carrying_its_neighbours_line_is_a_changed_cell(
    issued_return, partnership, demo_round, tmp_path
):
    filled, issued = issued_return
    first, second, second_text = _neighbours(partnership, demo_round)

    def merged(wb) -> None:
        ws = wb["Gains"]
        # Placeholders for characters openpyxl will not write; put back as escapes below.
        ws[first] = f"{ws[first].value}@1Gains@0{second}@0{second_text}"
        ws[second] = None

    staged = _edited(filled, tmp_path / "staged.xlsx", merged)
    out = io.BytesIO()
    with zipfile.ZipFile(staged) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if b"@1Gains@0" in data:
                data = data.replace(b"@1", b"_x0001_").replace(b"@0", b"_x0000_")
            dst.writestr(info, data)
    tampered = tmp_path / "neighbour.xlsx"
    tampered.write_bytes(out.getvalue())
    for report in _both_ways(partnership, tampered, issued):
        assert not report.valid
        assert {f"sheet Gains, cell {first}", f"sheet Gains, cell {second}"} <= _changed_cells(
            report
        )
