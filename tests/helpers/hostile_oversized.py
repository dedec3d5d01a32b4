"""Hostile cases far beyond the size of a return: sheets reaching cell XFD1048576, merges
and hyperlinks over the whole sheet, floods of elements, relationships, cells and text.

Each must end in a size finding within the safety limits, not in a reader that runs out
of memory or time.
"""

from __future__ import annotations

import re

from helpers.base_package import (
    Builder,
    Pkg,
    grid_sheet,
    replaced,
    sheet_xml,
    sst_xml,
    stored,
    strings_part,
)


def _dimension(pkg: Pkg, ref: str) -> Pkg:
    text = pkg.parts[pkg.sheet].decode()
    if "<dimension" in text:
        text = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', text, count=1)
    else:
        text = text.replace("<sheetData", f'<dimension ref="{ref}"/><sheetData', 1)
    pkg.parts[pkg.sheet] = text.encode()
    return pkg


OVERSIZED: list[tuple[str, str, Builder]] = [
    # Sheets and text far beyond a return.
    (
        "xfd-lying-dimension.xlsx",
        "sheet-too-large",
        lambda pkg: (
            _dimension(pkg, "A1:C8").cells('<row><c r="XFD1048576"><v>1</v></c></row>').zip()
        ),
    ),
    (
        "xfd-honest-dimension.xlsx",
        "sheet-too-large",
        lambda pkg: (
            _dimension(pkg, "A1:XFD1048576")
            .cells('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
            .zip()
        ),
    ),
    ("dimension-only.xlsx", "sheet-too-large", lambda pkg: _dimension(pkg, "A1:XFD1048576").zip()),
    (
        "far-column.xlsx",
        "sheet-too-large",
        lambda pkg: pkg.cells('<row r="1990"><c r="HZ1990"><v>1</v></c></row>').zip(),
    ),
    ("far-row.xlsx", "sheet-too-large", lambda pkg: pkg.cells('<row r="1048576"/>').zip()),
    (
        "huge-merge.xlsx",
        "sheet-too-large",
        lambda pkg: pkg.after_data(
            '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
        ).zip(),
    ),
    (
        "huge-hyperlink.xlsx",
        "sheet-too-large",
        lambda pkg: pkg.after_data(
            '<hyperlinks><hyperlink ref="A1:XFD1048576" location="A1"/></hyperlinks>'
        ).zip(),
    ),
    # Stored, not deflated, so that these get past the compression-ratio check.
    (
        "element-flood.xlsx",
        "too-large",
        lambda pkg: stored(pkg, pkg.sheet, sheet_xml("<x/>" * 700_000)),
    ),
    (
        "deep-nesting.xlsx",
        "too-large",
        lambda pkg: stored(pkg, pkg.sheet, sheet_xml("<a>" * 700_000)),
    ),
    (
        "relationship-flood.xlsx",
        "too-large",
        lambda pkg: stored(
            pkg,
            "xl/_rels/workbook.xml.rels",
            pkg.parts["xl/_rels/workbook.xml.rels"].replace(
                b"</Relationships>",
                b'<Relationship Id="x" Type="t" Target="t"/>' * 25_000 + b"</Relationships>",
            ),
        ),
    ),
    (
        "too-many-cells.xlsx",
        "too-many-cells",
        lambda pkg: replaced(pkg, pkg.sheet, grid_sheet(1000, 150)),
    ),
    (
        "many-strings.xlsx",
        "too-much-text",
        lambda pkg: replaced(pkg, strings_part(pkg), sst_xml("<si><t>x</t></si>" * 60_000)),
    ),
    (
        "long-string.xlsx",
        "too-much-text",
        lambda pkg: replaced(pkg, strings_part(pkg), sst_xml(f"<si><t>{'x' * 40_000}</t></si>")),
    ),
    (
        "lying-unique-count.xlsx",
        "too-much-text",
        lambda pkg: replaced(pkg, strings_part(pkg), sst_xml("<si><t>x</t></si>", "4000000000")),
    ),
]
