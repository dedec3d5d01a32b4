"""Reading cases in which what an input shows is not what it holds (issue 17, example 7):
number formats, font colours, merges, data bars and conditional formats over the County
Council's Gains!B8.
"""

from __future__ import annotations

from lxml import etree

from helpers.ooxml import MAIN, NS, Package
from helpers.reading_case_edits import (
    Case,
    Edit,
    edit_sheet,
    sheet_part,
)

# -- example 7: what an input shows ---------------------------------------------------------


def _styled(code: str | None = None, value: str = "39945", font: str | None = None) -> Edit:
    """The County Council's Gains!B8 holding ``value`` with its own cell format: the number
    format ``code`` (a new one, as Excel adds it) and/or a font colour."""

    def edit(pkg: Package) -> None:
        styles_part = next(
            t
            for kind, t in pkg.relationships(pkg.workbook_part()).values()
            if kind.endswith("/styles")
        )
        root = pkg.xml(styles_part)
        part, sheet = sheet_part(pkg, "Gains")
        cell = pkg.cell(sheet, "B8")
        xfs = root.find("m:cellXfs", NS)
        xf = etree.fromstring(etree.tostring(xfs[int(cell.get("s", "0"))]))
        if code is not None:
            formats = root.find("m:numFmts", NS)
            number = str(max(int(f.get("numFmtId")) for f in formats) + 1)
            formats.append(etree.Element(f"{{{MAIN}}}numFmt", numFmtId=number, formatCode=code))
            xf.set("numFmtId", number)
        if font is not None:
            fonts = root.find("m:fonts", NS)
            fonts.append(
                etree.fromstring(
                    f'<font xmlns="{MAIN}"><color rgb="FF{font}"/><sz val="11"/></font>'
                )
            )
            xf.set("fontId", str(len(fonts) - 1))
        xfs.append(xf)
        pkg.put(styles_part, root)
        cell.set("s", str(len(xfs) - 1))
        for child in list(cell):
            cell.remove(child)
        cell.attrib.pop("t", None)
        etree.SubElement(cell, f"{{{MAIN}}}v").text = value
        pkg.put(part, sheet)

    return edit


def _merged_over(pkg: Package) -> None:
    def change(root: etree._Element) -> None:
        merged = etree.fromstring(
            f'<mergeCells xmlns="{MAIN}" count="1"><mergeCell ref="A8:B8"/></mergeCells>'
        )
        protection = root.find("m:sheetProtection", NS)
        (protection if protection is not None else root.find("m:sheetData", NS)).addnext(merged)

    edit_sheet(pkg, "Gains", change)


def _bar_instead(pkg: Package) -> None:
    block = etree.fromstring(
        f'<conditionalFormatting xmlns="{MAIN}" sqref="B8:B14"><cfRule type="dataBar" '
        'priority="9"><dataBar showValue="0"><cfvo type="min"/><cfvo type="max"/>'
        '<color rgb="FF638EC6"/></dataBar></cfRule></conditionalFormatting>'
    )
    edit_sheet(pkg, "Gains", lambda root: root.find("m:sheetProtection", NS).addnext(block))


def _format_by_condition(pkg: Package) -> None:
    styles_part = next(
        t for kind, t in pkg.relationships(pkg.workbook_part()).values() if kind.endswith("/styles")
    )
    root = pkg.xml(styles_part)
    dxfs = root.find("m:dxfs", NS)
    dxfs.append(
        etree.fromstring(
            f'<dxf xmlns="{MAIN}"><numFmt numFmtId="200" formatCode="dd/mm/yyyy"/></dxf>'
        )
    )
    pkg.put(styles_part, root)
    block = etree.fromstring(
        f'<conditionalFormatting xmlns="{MAIN}" sqref="B8"><cfRule type="expression" '
        f'priority="9" dxfId="{len(dxfs) - 1}"><formula>TRUE</formula></cfRule>'
        "</conditionalFormatting>"
    )
    edit_sheet(pkg, "Gains", lambda root: root.find("m:sheetProtection", NS).addnext(block))


SHOWN_CASES = [
    Case(
        "date-in-a-money-cell",
        7,
        "input-format-changed",
        ("Gains", "B8"),
        _styled("dd/mm/yyyy"),
        "LCC",
    ),
    Case(
        "hidden-by-format",
        7,
        "input-format-changed",
        ("Gains", "B8"),
        _styled(";;;", "2790.2"),
        "LCC",
    ),
    Case(
        "scaled-by-format",
        7,
        "input-format-changed",
        ("Gains", "B8"),
        _styled("#,##0.0,,", "2790200000"),
        "LCC",
    ),
    Case(
        "literal-figure-in-format",
        7,
        "input-format-changed",
        ("Gains", "B8"),
        _styled('"2,790.2"', "1.5"),
        "LCC",
    ),
    Case(
        "percent-format",
        7,
        "input-format-changed",
        ("Gains", "B8"),
        _styled("0.0%", "27.902"),
        "LCC",
    ),
    Case("text-format", 7, "input-format-changed", ("Gains", "B8"), _styled("@", "2790.2"), "LCC"),
    Case(
        "coloured-format",
        7,
        "input-format-changed",
        ("Gains", "B8"),
        _styled("[White]#,##0.0;[Red]-#,##0.0", "2790.2"),
        "LCC",
    ),
    Case(
        "white-text",
        7,
        "input-hidden",
        ("Gains", "B8"),
        _styled(None, "2790.2", font="FFFFFF"),
        "LCC",
    ),
    Case("merged-over", 7, "input-hidden", ("Gains", "B8"), _merged_over, "LCC"),
    Case("bar-in-place-of-the-value", 7, "input-hidden", ("Gains", "B8"), _bar_instead, "LCC"),
    Case(
        "date-format-by-condition",
        7,
        "input-format-changed",
        ("Gains", "B8"),
        _format_by_condition,
        "LCC",
    ),
]
