"""Formulas compared by meaning: every spelling a program writes is equal, every change of
meaning is not; and the reader turns what programs write into the same cells."""

from __future__ import annotations

import zipfile

import pytest

from xl_ni179.intake.reader import read_package, read_workbook
from xl_ni179.spec.formulas import (
    Formula,
    canonical_formula,
    parse_reference,
    same_formula,
    same_place,
)

NET = "=IF(IF(ISNUMBER('Gains'!B30),ABS('Gains'!B30-(N(gains_procurement_2008_09)-N(costs_procurement_2008_09)))>0.05,TRUE),1,0)"  # noqa: E501

SAME = {
    "Calc: unquoted sheet, TRUE()": (
        NET,
        "=IF(IF(ISNUMBER(Gains!B30),ABS(Gains!B30-(N(gains_procurement_2008_09)"
        "-N(costs_procurement_2008_09)))>0.05,TRUE()),1,0)",
    ),
    "Gnumeric: long number spelling": (
        NET,
        "=IF(IF(ISNUMBER(Gains!B30),ABS(Gains!B30-(N(gains_procurement_2008_09)"
        "-N(costs_procurement_2008_09)))>0.0500000000000000000007,TRUE),1,0)",
    ),
    "case of functions, names and references": (NET, NET.lower()),
    "dollars": ("=SUM('Gains'!$B$8:$B$14)", "=SUM(Gains!B8:B14)"),
    "sheet repeated in a range": ("=SUM('Gains'!$B$8:$B$14)", "=SUM('Gains'!B8:'Gains'!B14)"),
    "spaces and line breaks": ("=SUM(A1,B1)+1", "= SUM( A1 , B1 ) + 1 "),
    "FALSE()": ("=IF(A1,FALSE,1)", "=IF(A1,FALSE(),1)"),
    "_xlfn. and _xlws. prefixes": (
        "=IFERROR(A1,0)+SORT(B1:B3)",
        "=_xlfn.IFERROR(A1,0)+_xlfn._xlws.SORT(B1:B3)",
    ),
    "number spellings": ("=A1*1+2.5", "=A1*1.0+2.5E0"),
    "exponent form": ("=A1*1500", "=A1*1.5E+3"),
    "percent written long": ("=$B$48*3.4%", "=$B$48*3.40000000000000000009%"),
    "array formula braces": ("=SUM(A1:A3*B1:B3)", "{=SUM(A1:A3*B1:B3)}"),
    "quoted sheet with an apostrophe": ("='It''s'!A1", "='IT''S'!$A$1"),
}

DIFFERENT = {
    "another cell": (NET, NET.replace("B30", "B31")),
    "another sheet": ("=SUM(Gains!B8:B14)", "=SUM(Forecast!B8:B14)"),
    "a shorter range": ("=SUM('Gains'!$B$8:$B$14)", "=SUM('Gains'!$B$8:$B$13)"),
    "another name": (NET, NET.replace("costs_procurement", "costs_assets")),
    "another operator": ("=N(a)-N(b)", "=N(a)+N(b)"),
    "another comparison": (NET, NET.replace(">0.05", ">=0.05")),
    "another constant": (NET, NET.replace("0.05", "0.5")),
    "another function": ("=SUM(A1:A3)", "=MAX(A1:A3)"),
    "TRUE against FALSE()": ("=IF(A1,TRUE,1)", "=IF(A1,FALSE(),1)"),
    "text case (FIND and EXACT see it)": ('=FIND("Red",A1)', '=FIND("red",A1)'),
    "intersection against union": ("=SUM(A1:B2 B1:C3)", "=SUM(A1:B2,B1:C3)"),
    "percent dropped": ("=$B$48*3.4%", "=$B$48*3.4"),
    "a constant in place of the formula": ("=SUM(A1:A3)", "=6"),
}


@pytest.mark.parametrize("a,b", SAME.values(), ids=SAME.keys())
def test_spellings_of_the_same_formula_are_equal(a, b):
    assert canonical_formula(a) == canonical_formula(b)
    assert same_formula(b, a)


@pytest.mark.parametrize("a,b", DIFFERENT.values(), ids=DIFFERENT.keys())
def test_a_change_of_meaning_is_different(a, b):
    assert canonical_formula(a) != canonical_formula(b)


def test_an_unreadable_formula_equals_only_itself():
    assert canonical_formula('=A1&"open') == canonical_formula('=A1&"open')
    assert canonical_formula('=A1&"open') != canonical_formula('=A1&"open"')


@pytest.mark.parametrize(
    "text", ["'Gains'!$B$8", "Gains!$B$8", "Gains!B8", "gains!b8", "'GAINS'!$b8", "=Gains!B$8"]
)
def test_a_defined_name_target_in_any_spelling(text):
    assert same_place(parse_reference(text), ("Gains", "B8"))


@pytest.mark.parametrize("text", ["'Gains'!$B$9", "Forecast!B8", "Gains!B8:B9", "#REF!", "B8"])
def test_a_defined_name_pointing_elsewhere(text):
    assert not same_place(parse_reference(text), ("Gains", "B8"))


SHEET = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main"><sheetData>{}</sheetData></worksheet>'
)


def _book(tmp_path, cells: str, workbook_pr: str = ""):
    """The smallest package the reader accepts, with one sheet holding ``cells``."""
    path = tmp_path / "book.xlsx"
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    sml = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{sml}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sml}.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook {ns} xmlns:r="{rel}">{workbook_pr}<sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        z.writestr("xl/worksheets/sheet1.xml", SHEET.format(cells))
    return path


def test_shared_and_array_formulas_are_expanded(tmp_path):
    # Excel writes a shared formula once, on the first cell of the block, and a multi-cell
    # array formula on its first cell: each cell of the block shows that formula, whether
    # or not the file writes the cell at all.
    cells = (
        '<row r="1"><c r="B1"><f t="shared" ref="B1:C2" si="0">SUM(A1:A3)</f><v>6</v></c>'
        '<c r="C1"><f t="shared" si="0"/><v>3</v></c></row>'
        '<row r="2"><c r="B2"><f t="shared" si="0"/><v>5</v></c></row>'
        '<row r="5"><c r="A5"><f t="array" ref="A5:A7">A1:A3*2</f><v>2</v></c></row>'
        '<row r="6"><c r="A6"><v>4</v></c></row>'
    )
    raw = read_workbook(_book(tmp_path, cells))
    s = raw.cells["S"]
    assert s["C1"] == "=SUM(B1:B3)" and isinstance(s["C1"], Formula)
    assert s["B2"] == "=SUM(A2:A4)"
    assert s["A6"] == "=A1:A3*2" and raw.cached["S"]["A6"] == 4
    assert s["A7"] == "=A1:A3*2"  # not written in the file, yet the array's result shows there
    assert "C2" not in s  # in the shared block, but no cell uses it


@pytest.mark.parametrize(
    "cells, where",
    [
        # A follower of a shared formula that no cell defines: Calc shows nothing, Excel repairs.
        ('<row r="2"><c r="D2"><f t="shared" si="9"/><v>7</v></c></row>', "D2"),
        # A follower written before its master.
        (
            '<row r="1"><c r="C1"><f t="shared" si="0"/><v>3</v></c>'
            '<c r="D1"><f t="shared" ref="D1:E2" si="0">A1*2</f><v>6</v></c></row>',
            "C1",
        ),
        # A whole-column block (B:B) has no first or last row: the follower cannot be placed in it.
        (
            '<row r="1"><c r="B1"><f t="shared" ref="B:B" si="0">A1*2</f><v>2</v></c></row>'
            '<row r="2"><c r="B2"><f t="shared" si="0"/><v>4</v></c></row>',
            "B1",
        ),
        # A follower outside the master's block.
        (
            '<row r="1"><c r="B1"><f t="shared" ref="B1:B2" si="0">A1*2</f><v>2</v></c></row>'
            '<row r="3"><c r="B3"><f t="shared" si="0"/><v>4</v></c></row>',
            "B3",
        ),
        # A cell inside an array formula's block with a formula of its own.
        (
            '<row r="1"><c r="A1"><f t="array" ref="A1:A2">B1:B2</f><v>1</v></c></row>'
            '<row r="2"><c r="A2"><f>B9</f><v>1</v></c></row>',
            "A2",
        ),
        # A formula with no text (Calc shows Err:520), with attributes only.
        ('<row r="1"><c r="A1"><f/><v>63.5</v></c></row>', "A1"),
        ('<row r="1"><c r="A1"><f ca="1" aca="false"></f><v>63.5</v></c></row>', "A1"),
    ],
)
def test_a_formula_programs_would_read_differently_is_ambiguous(tmp_path, cells, where):
    problems = read_package(_book(tmp_path, cells)).problems
    assert [(p.code, p.sheet, p.cell) for p in problems] == [("ambiguous-cell", "S", where)], (
        problems
    )


def test_values_as_programs_write_them(tmp_path):
    cells = (
        '<row r="1"><c r="A1"><v>1.5E+3</v></c><c r="B1" t="b"><v>1</v></c>'
        '<c r="C1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>'
        '<c r="D1" t="inlineStr"><is><r><t>rich </t></r><r><t>text</t></r></is></c>'
        '<c r="E1" t="d"><v>2009-05-12T00:00:00</v></c></row>'
    )
    raw = read_workbook(_book(tmp_path, cells))
    s = raw.cells["S"]
    assert s["A1"] == 1500 and s["B1"] is True and s["D1"] == "rich text"
    assert raw.cached["S"]["C1"] == "ab"
    assert s["E1"] == 39945  # 12 May 2009 as the serial number Excel uses
    assert not raw.date1904
    raw = read_workbook(_book(tmp_path, cells, '<workbookPr date1904="true"/>'))
    assert raw.date1904 and raw.cells["S"]["E1"] == 39945 - 1462
