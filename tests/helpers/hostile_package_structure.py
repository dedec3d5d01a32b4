"""Hostile cases in the package's structure: parts a workbook cannot do without taken away,
and packages two programs could read two ways (a second workbook, a demoted one, one
relationship Id twice, Strict Open XML, a cell given twice or hidden in an extension).
"""

from __future__ import annotations

from helpers.base_package import OFFICE_RELS, Builder, with_main_type, without_part

MISSING_PARTS: list[tuple[str, str, Builder]] = [
    # Missing parts.
    ("no-content-types.xlsx", "missing-part", lambda pkg: without_part(pkg, "[Content_Types].xml")),
    ("no-workbook.xlsx", "missing-part", lambda pkg: without_part(pkg, "xl/workbook.xml")),
    (
        "no-workbook-rels.xlsx",
        "missing-part",
        lambda pkg: without_part(pkg, "xl/_rels/workbook.xml.rels"),
    ),
    ("missing-sheet.xlsx", "missing-part", lambda pkg: without_part(pkg, pkg.sheet)),
]

AMBIGUOUS: list[tuple[str, str, Builder]] = [
    # Packages two programs could read two ways, and formulas that reach outside.
    (
        "second-workbook.xlsx",
        "ambiguous-package",
        lambda pkg: (
            pkg.add("xl/book2.xml", pkg.parts["xl/workbook.xml"])
            .relate("", f"{OFFICE_RELS}/officeDocument", "/xl/book2.xml")
            .zip()
        ),
    ),
    (
        "demoted-workbook.xlsx",
        "ambiguous-package",
        lambda pkg: with_main_type(pkg, "application/xml"),
    ),
    (
        "duplicate-relationship-id.xlsx",
        "ambiguous-package",
        lambda pkg: pkg.edit(
            "xl/_rels/workbook.xml.rels",
            "</Relationships>",
            f'<Relationship Id="rId1" Type="{OFFICE_RELS}/worksheet" Target="/{pkg.sheet}"/></Relationships>',
        ).zip(),
    ),
    (
        "strict-open-xml.xlsx",
        "strict-xlsx",
        lambda pkg: pkg.edit(
            "_rels/.rels",
            f"{OFFICE_RELS}/officeDocument",
            "http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument",
        ).zip(),
    ),
    (
        "cell-in-extension.xlsx",
        "ambiguous-cell",
        lambda pkg: pkg.after_data(
            '<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}"><c r="B2"><v>163.5</v></c></ext></extLst>'
        ).zip(),
    ),
    (
        "cell-given-twice.xlsx",
        "ambiguous-cell",
        lambda pkg: pkg.cells(
            '<row r="1999"><c r="B1999"><v>1</v></c><c r="B1999"><v>2</v></c></row>'
        ).zip(),
    ),
]
