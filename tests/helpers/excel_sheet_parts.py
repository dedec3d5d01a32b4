"""Parts Excel 365 writes for a workbook's look and its sheets' content, as it writes them:
theme and styles extensions, Excel 2010 data validations, threaded comments with their
legacy notes, dynamic-array metadata and rich values, and the shared string table.

A return holding them must still be accepted with exactly its original findings.
"""

from __future__ import annotations

import re

from lxml import etree

from helpers.base_package import MAIN, OFFICE_RELS, Pkg
from helpers.return_part_edits import (
    CT,
    PROLOG,
    after_page_setup,
    at_sheet_end,
    default_type,
    relate,
    sheet_parts,
    with_r_namespace,
)

MS_2017 = "http://schemas.microsoft.com/office/2017"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
THREADED = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
RICH = "http://schemas.microsoft.com/office/spreadsheetml/2017/richdata"
PERSON = "{3A9B5C1E-7D2F-4E6A-9B1C-0D4E8F2A6B7C}"


# --- look: theme and styles -------------------------------------------------------------------------


def theme_and_styles(pkg: Pkg) -> Pkg:
    """Excel 365's theme family marker and its styles extensions, and one more cell format
    (the partner formatted a cell): nothing a reader of figures looks at."""
    theme = next(n for n in pkg.parts if n.startswith("xl/theme/"))
    text = pkg.parts[theme].decode()
    text = re.sub(r'(<a:theme\b[^>]*\bname=")[^"]*"', r'\1Office Theme 2013 - 2022"', text, count=1)
    text = text.replace(
        "</a:theme>",
        '<a:extLst><a:ext uri="{05A4C25C-085E-4340-85A3-A5531E510DB2}">'
        '<thm15:themeFamily xmlns:thm15="http://schemas.microsoft.com/office/thememl/2012/main" '
        'name="Office Theme" id="{62F939B6-93AF-4DB8-9C6B-D6C7DFDC589F}" '
        'vid="{4A3C46E8-61CC-4603-A589-7422A47A8E4A}"/></a:ext></a:extLst></a:theme>',
    )
    pkg.parts[theme] = text.encode()
    styles = pkg.parts["xl/styles.xml"].decode()
    styles = re.sub(
        r"<styleSheet\b",
        '<styleSheet xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/'
        '2006" mc:Ignorable="x14ac x16r2" xmlns:x14ac="http://schemas.microsoft.com/office/'
        'spreadsheetml/2009/9/ac" xmlns:x16r2="http://schemas.microsoft.com/office/spreadsheetml/'
        '2015/02/main"',
        styles,
        count=1,
    )
    styles = re.sub(
        r'<cellXfs count="(\d+)">(.*?)</cellXfs>',
        lambda m: (
            f'<cellXfs count="{int(m.group(1)) + 1}">{m.group(2)}<xf numFmtId="0" fontId="0" fillId="0" '
            'borderId="0" xfId="0" applyAlignment="1"><alignment wrapText="1"/></xf></cellXfs>'
        ),
        styles,
        count=1,
        flags=re.S,
    )
    styles = styles.replace(
        "</styleSheet>",
        (
            f'<extLst><ext uri="{{EB79DEF2-80B8-43e5-95BD-54CBDDF9020C}}" xmlns:x14="{X14}"><x14:slicerStyles '
            'defaultSlicerStyle="SlicerStyleLight1"/></ext><ext uri="{9260A510-F301-46a8-8635-F512D64BE5F5}" '
            'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"><x15:timelineStyles '
            'defaultTimelineStyle="TimeSlicerStyleLight1"/></ext></extLst></styleSheet>'
        ),
    )
    pkg.parts["xl/styles.xml"] = styles.encode()
    return pkg


# --- sheet extensions: x14 data validations, threaded comments ------------------------------------


def x14_validation(pkg: Pkg, formula: str = "Cover!$A$4:$A$11") -> Pkg:
    """A drop-down whose list is on another sheet: Excel 2010+ writes it in the extLst."""
    part = sheet_parts(pkg)["Forecast"]
    return at_sheet_end(
        pkg,
        part,
        (
            f'<extLst><ext uri="{{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}}" xmlns:x14="{X14}"><x14:dataValidations '
            f'count="1" xmlns:xm="{XM}"><x14:dataValidation type="list" allowBlank="1" showInputMessage="1" '
            f'showErrorMessage="1"><x14:formula1><xm:f>{formula}</xm:f></x14:formula1><xm:sqref>H6:H9</xm:sqref>'
            "</x14:dataValidation></x14:dataValidations></ext></extLst>"
        ),
    )


def threaded_comment(pkg: Pkg, person: str | None = None) -> Pkg:
    """A modern comment on a Gains cell: the thread, its author, and the legacy note and
    VML drawing Excel writes beside it for older versions."""
    part = sheet_parts(pkg)["Gains"]
    with_r_namespace(pkg, part)
    text = "Checked against the ledger at month 12."
    pkg.add(
        "xl/threadedComments/threadedComment1.xml",
        (
            f'{PROLOG}<ThreadedComments xmlns="{THREADED}" xmlns:x="{MAIN}"><threadedComment ref="B8" '
            f'dT="2009-05-14T10:21:33.51" personId="{PERSON}" id="{{6E1F2A3B-4C5D-4E6F-8A9B-0C1D2E3F4A5B}}">'
            f"<text>{text}</text></threadedComment></ThreadedComments>"
        ).encode(),
        "application/vnd.ms-excel.threadedcomments+xml",
    )
    pkg.add(
        "xl/comments1.xml",
        (
            f'{PROLOG}<comments xmlns="{MAIN}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'mc:Ignorable="xr" xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision">'
            f"<authors><author>tc={{6E1F2A3B-4C5D-4E6F-8A9B-0C1D2E3F4A5B}}</author></authors><commentList>"
            f'<comment ref="B8" authorId="0" shapeId="0" xr:uid="{{6E1F2A3B-4C5D-4E6F-8A9B-0C1D2E3F4A5B}}"><text>'
            "<t>[Threaded comment]\n\nYour version of Excel allows you to read this threaded comment; however, any "
            f"edits to it will get removed if the file is opened in a newer version of Excel.\n\nComment:\n    {text}"
            "</t></text></comment></commentList></comments>"
        ).encode(),
        CT + "comments+xml",
    )
    pkg.parts["xl/drawings/vmlDrawing1.vml"] = (
        b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
        b'xmlns:x="urn:schemas-microsoft-com:office:excel">\r\n <o:shapelayout v:ext="edit">\r\n  <o:idmap '
        b'v:ext="edit" data="1"/>\r\n </o:shapelayout><v:shapetype id="_x0000_t202" coordsize="21600,21600" '
        b'o:spt="202"\r\n  path="m,l,21600r21600,l21600,xe">\r\n  <v:stroke joinstyle="miter"/>\r\n </v:shapetype>'
        b'<v:shape id="_x0000_s1025" type="#_x0000_t202" style=\'position:absolute;visibility:hidden\'\r\n  '
        b'fillcolor="infoBackground [80]" o:insetmode="auto">\r\n  <x:ClientData ObjectType="Note">\r\n   '
        b"<x:MoveWithCells/>\r\n   <x:SizeWithCells/>\r\n   <x:AutoFill>False</x:AutoFill>\r\n   <x:Row>7</x:Row>"
        b"\r\n   <x:Column>1</x:Column>\r\n  </x:ClientData>\r\n </v:shape></xml>"
    )
    default_type(pkg, "vml", "application/vnd.openxmlformats-officedocument.vmlDrawing")
    relate(
        pkg,
        part,
        "rIdThread",
        f"{MS_2017}/10/relationships/threadedComment",
        "../threadedComments/threadedComment1.xml",
    )
    relate(pkg, part, "rIdComments", f"{OFFICE_RELS}/comments", "../comments1.xml")
    relate(pkg, part, "rIdVml", f"{OFFICE_RELS}/vmlDrawing", "../drawings/vmlDrawing1.vml")
    after_page_setup(pkg, part, '<legacyDrawing r:id="rIdVml"/>')
    person = person or (
        f'{PROLOG}<personList xmlns="{THREADED}" xmlns:x="{MAIN}"><person displayName="Jane Smith" '
        f'id="{PERSON}" userId="S::jane.smith@melton.example.org::0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d" '
        'providerId="AD"/></personList>'
    )
    pkg.add("xl/persons/person.xml", person.encode(), "application/vnd.ms-excel.person+xml")
    return relate(
        pkg,
        "xl/workbook.xml",
        "rIdPersons",
        f"{MS_2017}/10/relationships/person",
        "persons/person.xml",
    )


# --- dynamic arrays and rich values ---------------------------------------------------------------


def rich_data(pkg: Pkg, picture_target: str = "", picture_mode: str = "") -> Pkg:
    """Excel 365's cell metadata (dynamic arrays) and rich values (error details, and a
    picture in a cell when ``picture_target`` is given)."""
    pkg.add(
        "xl/metadata.xml",
        (
            f'{PROLOG}<metadata xmlns="{MAIN}" xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/'
            'dynamicarray"><metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" '
            'pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" '
            'assign="1" coerce="1" cellMeta="1"/></metadataTypes><futureMetadata name="XLDAPR" count="1"><bk><extLst>'
            '<ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"><xda:dynamicArrayProperties fDynamic="1" '
            'fCollapsed="0"/></ext></extLst></bk></futureMetadata><cellMetadata count="1"><bk><rc t="1" v="0"/></bk>'
            "</cellMetadata></metadata>"
        ).encode(),
        CT + "sheetMetadata+xml",
    )
    relate(pkg, "xl/workbook.xml", "rIdMeta", f"{OFFICE_RELS}/sheetMetadata", "metadata.xml")
    rich = {
        "rdrichvalue.xml": (
            f'<rvData xmlns="{RICH}" count="1"><rv s="0"><v>8</v><v>0</v></rv></rvData>',
            "rdRichValue",
            "application/vnd.ms-excel.rdrichvalue+xml",
        ),
        "rdrichvaluestructure.xml": (
            f'<rvStructures xmlns="{RICH}" count="1"><s t="_error"><k n="errorType" t="i"/><k n="subType" '
            't="i"/></s></rvStructures>',
            "rdRichValueStructure",
            "application/vnd.ms-excel.rdrichvaluestructure+xml",
        ),
        "rdRichValueTypes.xml": (
            '<rvTypesInfo xmlns="http://schemas.microsoft.com/office/spreadsheetml/2017/richdata2" xmlns:mc="http://'
            'schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x" xmlns:x="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main"><global><keyFlags><key name="_Self"><flag name='
            '"ExcludeFromFile" value="1"/><flag name="ExcludeFromCalcComparison" value="1"/></key></keyFlags>'
            "</global></rvTypesInfo>",
            "rdRichValueTypes",
            "application/vnd.ms-excel.rdrichvaluetypes+xml",
        ),
    }
    for n, (file, (xml, rel, content_type)) in enumerate(rich.items(), start=1):
        pkg.add(f"xl/richData/{file}", (PROLOG + xml).encode(), content_type)
        relate(
            pkg,
            "xl/workbook.xml",
            f"rIdRich{n}",
            f"{MS_2017}/06/relationships/{rel}",
            f"richData/{file}",
        )
    if picture_target:
        pkg.add(
            "xl/richData/richValueRel.xml",
            (
                f'{PROLOG}<richValueRels xmlns="http://schemas.microsoft.com/office/spreadsheetml/2022/richvaluerel" '
                f'xmlns:r="{OFFICE_RELS}"><rel r:id="rId1"/></richValueRels>'
            ).encode(),
            "application/vnd.ms-excel.richvaluerel+xml",
        )
        relate(
            pkg,
            "xl/workbook.xml",
            "rIdRichRel",
            "http://schemas.microsoft.com/office/2022/10/relationships/richValueRel",
            "richData/richValueRel.xml",
        )
        relate(
            pkg,
            "xl/richData/richValueRel.xml",
            "rId1",
            f"{OFFICE_RELS}/image",
            picture_target,
            picture_mode,
        )
        if not picture_mode:
            pkg.parts["xl/media/image1.png"] = PNG
            default_type(pkg, "png", "image/png")
    return pkg


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cf"
    "c0f01f0005000201e2f5b7a10000000049454e44ae426082"
)


# --- text as Excel stores it ---------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shared_strings(pkg: Pkg) -> Pkg:
    """Every cell's text moved into a shared string table, as Excel and Calc save it, with
    rich-text runs (part of a label in bold) and phonetic hints that are not text."""
    strings: dict[str, int] = {}
    count = 0
    for part in sheet_parts(pkg).values():
        root = etree.fromstring(pkg.parts[part])
        ns = root.tag[: root.tag.index("}") + 1]
        for c in root.iter(ns + "c"):
            if c.get("t") != "inlineStr":
                continue
            text = "".join(t.text or "" for t in c.iter(ns + "t"))
            for child in list(c):
                c.remove(child)
            c.set("t", "s")
            etree.SubElement(c, ns + "v").text = str(strings.setdefault(text, len(strings)))
            count += 1
        pkg.parts[part] = etree.tostring(
            root, xml_declaration=True, encoding="UTF-8", standalone=True
        )
    items = []
    for k, text in enumerate(strings):
        if k % 7 == 1 and len(text) > 3:
            first, rest = _escape(text[: len(text) // 2]), _escape(text[len(text) // 2 :])
            items.append(
                f'<si><r><rPr><b/><sz val="11"/><color theme="1"/><rFont val="Calibri"/><family val="2"/>'
                f'<scheme val="minor"/></rPr><t xml:space="preserve">{first}</t></r><r><rPr><sz val="11"/>'
                f'<rFont val="Calibri"/></rPr><t xml:space="preserve">{rest}</t></r></si>'
            )
        elif k % 7 == 3:
            items.append(
                f'<si><t xml:space="preserve">{_escape(text)}</t><rPh sb="0" eb="1"><t>ヨミ</t></rPh>'
                '<phoneticPr fontId="1" type="noConversion"/></si>'
            )
        else:
            items.append(f"<si><t>{_escape(text)}</t></si>")
    pkg.add(
        "xl/sharedStrings.xml",
        (
            f'{PROLOG}<sst xmlns="{MAIN}" count="{count}" uniqueCount="{len(strings)}">'
            f"{''.join(items)}</sst>"
        ).encode(),
        CT + "sharedStrings+xml",
    )
    return relate(
        pkg, "xl/workbook.xml", "rIdStrings", f"{OFFICE_RELS}/sharedStrings", "sharedStrings.xml"
    )
