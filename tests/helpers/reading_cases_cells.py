"""Reading cases in the cells themselves (issue 17, examples 2 and 5): cells outside
``sheetData`` or behind markup compatibility, cells and rows given twice, values no two
programs read alike, and formulas in input cells in disguise.
"""

from __future__ import annotations

from lxml import etree

from helpers.ooxml import MAIN, NS, Package
from helpers.reading_case_edits import (
    MC,
    X14,
    Case,
    Edit,
    edit_sheet,
    set_cell,
    sheet_part,
)

# -- example 2: cells outside sheetData, markup compatibility -------------------------------


def _cell_in_ext(pkg: Package) -> None:
    ext = etree.fromstring(
        f'<extLst xmlns="{MAIN}"><ext uri="{{78C0D931-6437-407d-A8EE-F0AAD7539E65}}">'
        '<c r="B8"><v>163.5</v></c></ext></extLst>'
    )
    edit_sheet(pkg, "Gains", lambda root: root.append(ext))


def _row_in_ext(pkg: Package) -> None:
    ext = etree.fromstring(
        f'<extLst xmlns="{MAIN}"><ext uri="{{11111111-2222-3333-4444-555555555555}}">'
        '<sheetData><row r="8"><c r="B8"><v>163.5</v></c></row></sheetData></ext></extLst>'
    )
    edit_sheet(pkg, "Gains", lambda root: root.append(ext))


def _alternate_sheet_data(pkg: Package) -> None:
    """mc:AlternateContent offering a program that 'understands' x14 other cells."""

    def change(root: etree._Element) -> None:
        data = root.find("m:sheetData", NS)
        alternate = etree.Element(f"{{{MC}}}AlternateContent", nsmap={"mc": MC, "x14": X14})
        choice = etree.SubElement(alternate, f"{{{MC}}}Choice", Requires="x14")
        other = etree.fromstring(etree.tostring(data))
        other.find("m:row/m:c[@r='B8']/m:v", NS).text = "163.5"
        choice.append(other)
        fallback = etree.SubElement(alternate, f"{{{MC}}}Fallback")
        data.addprevious(alternate)
        fallback.append(data)

    edit_sheet(pkg, "Gains", change)


def _second_sheet_data(pkg: Package) -> None:
    def change(root: etree._Element) -> None:
        data = root.find("m:sheetData", NS)
        data.addnext(
            etree.fromstring(
                f'<sheetData xmlns="{MAIN}"><row r="8"><c r="B8"><v>163.5</v></c></row></sheetData>'
            )
        )

    edit_sheet(pkg, "Gains", change)


def _process_content(pkg: Package) -> None:
    """An ignorable wrapper in a row, whose content mc:ProcessContent tells one program to read."""
    wrap_ns = "http://example.org/wrap"
    part, root = sheet_part(pkg, "Gains")
    new = etree.Element(root.tag, nsmap={**root.nsmap, "mc": MC, "w": wrap_ns})
    for key, value in root.attrib.items():
        new.set(key, value)
    new.set(f"{{{MC}}}Ignorable", "w")
    new.set(f"{{{MC}}}ProcessContent", "w:wrap")
    new.extend(list(root))
    row = pkg.cell(new, "B8").getparent()
    wrap = etree.SubElement(row, f"{{{wrap_ns}}}wrap")
    wrap.append(etree.fromstring(f'<c xmlns="{MAIN}" r="C8"><v>163.5</v></c>'))
    pkg.put(part, new)


def _foreign_element_in_row(pkg: Package) -> None:
    def change(root: etree._Element) -> None:
        row = pkg.cell(root, "B8").getparent()
        row.append(
            etree.fromstring(
                '<x:c xmlns:x="http://example.org/other" r="C8"><x:v>163.5</x:v></x:c>'
            )
        )

    edit_sheet(pkg, "Gains", change)


def _cell_twice(pkg: Package) -> None:
    def change(root: etree._Element) -> None:
        cell = pkg.cell(root, "B8")
        twin = etree.fromstring(etree.tostring(cell))
        twin.find("m:v", NS).text = "163.5"
        cell.addnext(twin)

    edit_sheet(pkg, "Gains", change)


def _row_twice(pkg: Package) -> None:
    def change(root: etree._Element) -> None:
        row = pkg.cell(root, "B8").getparent()
        row.addnext(etree.fromstring(f'<row xmlns="{MAIN}" r="8"><c r="C8"><v>163.5</v></c></row>'))

    edit_sheet(pkg, "Gains", change)


def _cell_in_wrong_row(pkg: Package) -> None:
    def change(root: etree._Element) -> None:
        row = pkg.cell(root, "A9").getparent()
        row.append(etree.fromstring(f'<c xmlns="{MAIN}" r="B8"><v>163.5</v></c>'))

    edit_sheet(pkg, "Gains", change)


def _value_and_inline_text(pkg: Package) -> None:
    set_cell(pkg, "Gains", "B8", 't="inlineStr"><v>63.5</v><is><t>163.5</t></is>')


def _odd_number(pkg: Package) -> None:
    """Python's float() reads 6_3.5 as 63.5, Calc as 6."""
    set_cell(pkg, "Gains", "B8", "><v>6_3.5</v>")


def _odd_boolean(pkg: Package) -> None:
    set_cell(pkg, "Gains", "B8", 't="b"><v>2</v>')


def _escaped_rating(pkg: Package) -> None:
    """A rating written '_x0047_reen': Excel shows Green, LibreOffice the escape as it is."""
    set_cell(pkg, "Forecast", "B6", 't="inlineStr"><is><t>_x0047_reen</t></is>')


# -- example 5: formulas in input cells, in disguise ----------------------------------------

CASES_5 = {
    "shared-follower-without-master": (
        '><f t="shared" si="7"/><v>63.5</v>',
        "ambiguous-cell",
        "B8",
    ),
    "empty-formula": ("><f/><v>63.5</v>", "ambiguous-cell", "B8"),
    "formula-with-attributes-only": (
        '><f ca="1" aca="false"></f><v>63.5</v>',
        "ambiguous-cell",
        "B8",
    ),
    "data-table": (
        '><f t="dataTable" ref="B8:B8" dt2D="0" dtr="0" r1="A1"/><v>63.5</v>',
        "input-is-formula",
        "B8",
    ),
    "array-formula": (
        '><f t="array" ref="B8:B9">{63.5;53.7}</f><v>63.5</v>',
        "input-is-formula",
        "B9",
    ),
    "shared-formula-follower": (
        '><f t="shared" ref="B8:B9" si="7">63.5</f><v>63.5</v>',
        "input-is-formula",
        "B9",
    ),
    "formula-of-unknown-kind": ('><f t="magic">63.5</f><v>63.5</v>', "ambiguous-cell", "B8"),
}


def _input_formula(name: str) -> Edit:
    xml = CASES_5[name][0]

    def edit(pkg: Package) -> None:
        set_cell(pkg, "Gains", "B8", xml)
        if name == "shared-formula-follower":
            set_cell(pkg, "Gains", "B9", '><f t="shared" si="7"/><v>63.5</v>')

    return edit


CELL_CASES = [
    Case("cell-in-an-extension", 2, "ambiguous-cell", ("Gains", "B8"), _cell_in_ext),
    Case("rows-in-an-extension", 2, "ambiguous-cell", ("Gains", "B8"), _row_in_ext),
    Case(
        "alternate-content-around-the-cells",
        2,
        "ambiguous-package",
        None,
        _alternate_sheet_data,
    ),
    Case("second-sheet-data", 2, "ambiguous-cell", ("Gains", ""), _second_sheet_data),
    Case("process-content", 2, "ambiguous-package", None, _process_content),
    Case(
        "cell-of-another-namespace",
        2,
        "ambiguous-cell",
        ("Gains", "A8"),
        _foreign_element_in_row,
    ),
    Case("cell-given-twice", 2, "ambiguous-cell", ("Gains", "B8"), _cell_twice),
    Case("row-given-twice", 2, "ambiguous-cell", ("Gains", ""), _row_twice),
    Case("cell-in-another-row", 2, "ambiguous-cell", ("Gains", "B8"), _cell_in_wrong_row),
    Case("value-and-inline-text", 2, "ambiguous-cell", ("Gains", "B8"), _value_and_inline_text),
    Case("number-with-an-underscore", 2, "ambiguous-cell", ("Gains", "B8"), _odd_number),
    Case("boolean-two", 2, "ambiguous-cell", ("Gains", "B8"), _odd_boolean),
    Case("escaped-letter-in-text", 2, "ambiguous-cell", ("Forecast", "B6"), _escaped_rating),
]

INPUT_FORMULA_CASES = [
    Case(f"input-{name}", 5, code, ("Gains", cell), _input_formula(name))
    for name, (_, code, cell) in CASES_5.items()
]
