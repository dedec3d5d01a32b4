"""Parts that spreadsheet programs add to a workbook, written as Excel writes them, and
their dangerous twins: the same place in the package holding something else.

``ACCEPTED`` builders add real programs' parts to a filled return (a zip rewrite through
``hostile.Pkg``); such a return must still be accepted with exactly its original findings.
``DANGEROUS`` builders each make one twin that must be rejected with the named file rule.
"""

from __future__ import annotations

import random
import re
import struct
from collections.abc import Callable

from lxml import etree

from helpers.hostile import DDE, LAUGHS, MAIN, OFFICE_RELS, Entry, Pkg, ole_file, raw_zip

MS_2017 = "http://schemas.microsoft.com/office/2017"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."
PRINTER_CT = CT + "printerSettings"
X14 = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"
XM = "http://schemas.microsoft.com/office/excel/2006/main"
THREADED = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
RICH = "http://schemas.microsoft.com/office/spreadsheetml/2017/richdata"
LABEL = "f42aa342-8706-4288-bd11-ebb85995028c"
SITE = "72f988bf-86f1-41af-91ab-2d7cd011db47"
PERSON = "{3A9B5C1E-7D2F-4E6A-9B1C-0D4E8F2A6B7C}"
PROLOG = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'


# --- finding one's way round a filled return ---------------------------------------------------


def sheet_parts(pkg: Pkg) -> dict[str, str]:
    """{sheet name: its part}, from workbook.xml and its relationships."""
    book = pkg.parts["xl/workbook.xml"].decode()
    rels = pkg.parts["xl/_rels/workbook.xml.rels"].decode()
    targets = {
        m["id"]: m["target"]
        for m in re.finditer(
            r'<Relationship\b(?=[^>]*\bId="(?P<id>[^"]+)")(?=[^>]*\bTarget="(?P<target>[^"]+)")',
            rels,
        )
    }
    out = {}
    for m in re.finditer(
        r'<sheet\b(?=[^>]*\bname="(?P<name>[^"]+)")(?=[^>]*\bid="(?P<id>[^"]+)")', book
    ):
        target = targets[m["id"]]
        out[m["name"]] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return out


def relate(pkg: Pkg, source: str, rel_id: str, rel_type: str, target: str, mode: str = "") -> Pkg:
    """A relationship with a known id, its target written relative as Excel does."""
    folder, file = source.rsplit("/", 1) if "/" in source else ("", source)
    rels = f"{folder}/_rels/{file}.rels".lstrip("/")
    if rels not in pkg.parts:
        pkg.parts[rels] = (
            PROLOG + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"></Relationships>'
        ).encode()
    extra = f' TargetMode="{mode}"' if mode else ""
    return pkg.edit(
        rels,
        "</Relationships>",
        f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{target}"{extra}/></Relationships>',
    )


def declare(pkg: Pkg, part: str, content_type: str) -> Pkg:
    """Give ``part`` the content type ``content_type`` (in place of any it had: two types for one
    part is a package of its own kind of trouble, ambiguous-package)."""
    types = re.sub(
        rf'<Override PartName="/{re.escape(part)}"[^>]*/>',
        "",
        pkg.parts["[Content_Types].xml"].decode(),
    )
    pkg.parts["[Content_Types].xml"] = types.encode()
    return pkg.edit(
        "[Content_Types].xml",
        "</Types>",
        f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>',
    )


def default_type(pkg: Pkg, extension: str, content_type: str) -> Pkg:
    if f'Extension="{extension}"' in pkg.parts["[Content_Types].xml"].decode():
        return pkg
    return pkg.edit(
        "[Content_Types].xml",
        "<Default ",
        f'<Default Extension="{extension}" ContentType="{content_type}"/><Default ',
    )


def _with_r_namespace(pkg: Pkg, part: str) -> None:
    text = pkg.parts[part].decode()
    if 'xmlns:r="' not in text[:2000]:
        text = re.sub(r"<worksheet\b", f'<worksheet xmlns:r="{OFFICE_RELS}"', text, count=1)
    pkg.parts[part] = text.encode()


def after_page_setup(pkg: Pkg, part: str, xml: str) -> Pkg:
    """Insert sheet elements where Excel puts them: after the page set-up and footers."""
    text = pkg.parts[part].decode()
    for anchor in ("</headerFooter>", "<headerFooter/>"):
        if anchor in text:
            pkg.parts[part] = text.replace(anchor, anchor + xml, 1).encode()
            return pkg
    pkg.parts[part] = re.sub(
        r"(<pageSetup\b[^>]*/>)", lambda m: m.group(1) + xml, text, count=1
    ).encode()
    return pkg


def at_sheet_end(pkg: Pkg, part: str, xml: str) -> Pkg:
    return pkg.edit(part, "</worksheet>", xml + "</worksheet>")


# --- printer settings -----------------------------------------------------------------------------


def devmode(device: str = "HP LaserJet Pro M404-M405 PCL 6", extra: int = 1716) -> bytes:
    """A Windows DEVMODEW for A4 landscape, as Excel stores a printed sheet's settings:
    the 220-byte public part and then the driver's private data."""
    name = device.encode("utf-16-le")[:62].ljust(64, b"\0")
    fields = 0x0000_7F0F  # orientation, paper size, scale, copies, source, quality, colour...
    public = name + struct.pack(
        "<4HI8h5h", 0x0401, 0x0600, 220, extra, fields, 2, 9, 0, 0, 100, 1, 7, 600, 1, 1, 600, 3, 1
    )
    public += "A4".encode("utf-16-le").ljust(64, b"\0")
    public += struct.pack("<H13I", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    assert len(public) == 220
    private = b"PRIV" + random.Random(179).randbytes(extra - 4)
    return public + private


def printer_settings(
    pkg: Pkg,
    data: bytes | None = None,
    sheets: tuple[str, ...] = ("Gains", "Checks"),
    name: str = "printerSettings{n}.bin",
) -> Pkg:
    parts = sheet_parts(pkg)
    default_type(pkg, "bin", PRINTER_CT)
    for n, sheet in enumerate(sheets, start=1):
        part = parts[sheet]
        _with_r_namespace(pkg, part)
        pkg.parts[f"xl/printerSettings/{name.format(n=n)}"] = (
            data if data is not None else devmode()
        )
        relate(
            pkg,
            part,
            "rIdPrint1",
            f"{OFFICE_RELS}/printerSettings",
            f"../printerSettings/{name.format(n=n)}",
        )
        text = pkg.parts[part].decode()
        pkg.parts[part] = re.sub(
            r"<pageSetup\b", '<pageSetup r:id="rIdPrint1"', text, count=1
        ).encode()
    return pkg


# --- calculation chain, properties, sensitivity labels, custom XML ----------------------------------


def calc_chain(pkg: Pkg) -> Pkg:
    """Every formula cell, sheet by sheet, in Excel's calcChain form."""
    cells = []
    for index, part in enumerate(sheet_parts(pkg).values(), start=1):
        refs = re.findall(
            r'<c r="([A-Z]+[0-9]+)"[^>]*>(?:(?!</c>).)*?<f>', pkg.parts[part].decode()
        )
        cells += [
            f'<c r="{ref}" i="{index}"/>' if k == 0 else f'<c r="{ref}"/>'
            for k, ref in enumerate(refs)
        ]
    pkg.add(
        "xl/calcChain.xml",
        f'{PROLOG}<calcChain xmlns="{MAIN}">{"".join(cells)}</calcChain>'.encode(),
        CT + "calcChain+xml",
    )
    return relate(pkg, "xl/workbook.xml", "rIdCalc", f"{OFFICE_RELS}/calcChain", "calcChain.xml")


def _property(pid: int, name: str, value: str) -> str:
    return (
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" name="{name}">'
        f"<vt:lpwstr>{value}</vt:lpwstr></property>"
    )


def sensitivity_label(pkg: Pkg, custom: str | None = None, label_info: str | None = None) -> Pkg:
    """Microsoft Purview's 'OFFICIAL' label: custom properties and docMetadata/LabelInfo.xml."""
    props = [
        ("Enabled", "true"),
        ("SetDate", "2009-05-14T09:12:44Z"),
        ("Method", "Standard"),
        ("Name", "OFFICIAL"),
        ("SiteId", SITE),
        ("ActionId", "0b5e6b2c-4b7a-4b36-9c55-5a0d3c6a8e21"),
        ("ContentBits", "0"),
    ]
    body = "".join(
        _property(pid, f"MSIP_Label_{LABEL}_{key}", value)
        for pid, (key, value) in enumerate(props, start=2)
    )
    custom = custom or (
        f'{PROLOG}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'docPropsVTypes">{body}</Properties>'
    )
    pkg.add(
        "docProps/custom.xml",
        custom.encode(),
        "application/vnd.openxmlformats-officedocument.custom-properties+xml",
    )
    relate(pkg, "", "rIdCustom", f"{OFFICE_RELS}/custom-properties", "docProps/custom.xml")
    label_info = label_info or (
        f'{PROLOG}<clbl:labelList xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata">'
        f'<clbl:label id="{{{LABEL}}}" enabled="1" method="Standard" siteId="{{{SITE}}}" removed="0"/>'
        "</clbl:labelList>"
    )
    pkg.add(
        "docMetadata/LabelInfo.xml",
        label_info.encode(),
        "application/vnd.ms-office.classificationlabels+xml",
    )
    return relate(
        pkg,
        "",
        "rIdLabel",
        "http://schemas.microsoft.com/office/2020/02/relationships/classificationlabels",
        "docMetadata/LabelInfo.xml",
    )


def custom_xml(pkg: Pkg, item: bytes | None = None, external: bool = False) -> Pkg:
    """A SharePoint library's metadata, as Excel keeps it for a workbook saved there."""
    item = item or (
        b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\r\n<p:properties xmlns:p="http://schemas.'
        b'microsoft.com/office/2006/metadata/properties" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        b'xmlns:pc="http://schemas.microsoft.com/office/infopath/2007/PartnerControls"><documentManagement>'
        b'<TaxCatchAll xmlns="3f2a1c9e-0d4b-4e8a-9c7b-1e2f3a4b5c6d"/><lcf76f155ced4ddcb4097134ff3c332f '
        b'xmlns="8d1e2f3a-4b5c-4d6e-9f0a-1b2c3d4e5f60"><Terms xmlns="http://schemas.microsoft.com/office/'
        b'infopath/2007/PartnerControls"></Terms></lcf76f155ced4ddcb4097134ff3c332f></documentManagement>'
        b"</p:properties>"
    )
    pkg.parts["customXml/item1.xml"] = item
    pkg.add(
        "customXml/itemProps1.xml",
        (
            b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\r\n<ds:datastoreItem ds:itemID='
            b'"{5B7C2D1E-3F4A-4B6C-8D9E-0F1A2B3C4D5E}" xmlns:ds="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/customXml"><ds:schemaRefs><ds:schemaRef ds:uri="http://schemas.microsoft.com/office/2006/'
            b'metadata/properties"/><ds:schemaRef ds:uri="http://schemas.microsoft.com/office/infopath/2007/'
            b'PartnerControls"/></ds:schemaRefs></ds:datastoreItem>'
        ),
        "application/vnd.openxmlformats-officedocument.customXmlProperties+xml",
    )
    relate(pkg, "customXml/item1.xml", "rId1", f"{OFFICE_RELS}/customXmlProps", "itemProps1.xml")
    if external:
        relate(
            pkg,
            "customXml/item1.xml",
            "rId2",
            f"{OFFICE_RELS}/customXmlProps",
            "https://attacker.example.net/props.xml",
            "External",
        )
    return relate(
        pkg, "xl/workbook.xml", "rIdCustomXml", f"{OFFICE_RELS}/customXml", "../customXml/item1.xml"
    )


def doc_props(pkg: Pkg) -> Pkg:
    """docProps as Excel 365 writes them: the sheet list, the company, a keyword, times."""
    names = list(sheet_parts(pkg))
    titles = "".join(f"<vt:lpstr>{n}</vt:lpstr>" for n in names)
    pkg.parts["docProps/app.xml"] = (
        f'{PROLOG}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>Microsoft '
        "Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><HeadingPairs>"
        '<vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>'
        f"<vt:variant><vt:i4>{len(names)}</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts>"
        f'<vt:vector size="{len(names)}" baseType="lpstr">{titles}</vt:vector></TitlesOfParts><Company>Melton '
        "Borough Council</Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
        "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>16.0300</AppVersion></Properties>"
    ).encode()
    pkg.parts["docProps/core.xml"] = (
        f'{PROLOG}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:title>NI 179 return</dc:title><dc:creator>openpyxl</dc:creator><cp:keywords>NI179; OFFICIAL"
        "</cp:keywords><cp:lastModifiedBy>Smith, Jane (Finance)</cp:lastModifiedBy><cp:lastPrinted>"
        '2009-05-14T09:02:11Z</cp:lastPrinted><dcterms:created xsi:type="dcterms:W3CDTF">2009-04-01T08:00:00Z'
        '</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2009-05-14T09:12:44Z</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()
    return pkg


def without_doc_props(pkg: Pkg) -> Pkg:
    """Some writers leave the document properties out altogether."""
    for name in ("docProps/app.xml", "docProps/core.xml"):
        pkg.parts.pop(name, None)
    rels = re.sub(
        r'<Relationship\b[^>]*Target="/?docProps/[^"]*"[^>]*/>',
        "",
        pkg.parts["_rels/.rels"].decode(),
    )
    pkg.parts["_rels/.rels"] = rels.encode()
    types = re.sub(
        r'<Override PartName="/docProps/[^"]*"[^>]*/>',
        "",
        pkg.parts["[Content_Types].xml"].decode(),
    )
    pkg.parts["[Content_Types].xml"] = types.encode()
    return pkg


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
    _with_r_namespace(pkg, part)
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


def everything(pkg: Pkg) -> Pkg:
    """All of the above in one file, as a long-lived workbook in a Microsoft 365 tenancy
    ends up."""
    for builder in (
        calc_chain,
        printer_settings,
        sensitivity_label,
        custom_xml,
        doc_props,
        theme_and_styles,
        x14_validation,
        threaded_comment,
        rich_data,
        shared_strings,
    ):
        builder(pkg)
    return pkg


Builder = Callable[[Pkg], Pkg]
ACCEPTED: list[tuple[str, Builder]] = [
    ("calc-chain.xlsx", calc_chain),
    ("printer-settings.xlsx", printer_settings),
    (
        "printer-settings-every-sheet.xlsx",
        lambda pkg: printer_settings(
            pkg, sheets=("Cover", "Gains", "Forecast", "Projects", "Sign-off", "Checks")
        ),
    ),
    ("sensitivity-label.xlsx", sensitivity_label),
    ("custom-xml.xlsx", custom_xml),
    ("doc-props.xlsx", doc_props),
    ("no-doc-props.xlsx", without_doc_props),
    ("theme-and-styles.xlsx", theme_and_styles),
    ("x14-validation.xlsx", x14_validation),
    ("threaded-comment.xlsx", threaded_comment),
    ("rich-data.xlsx", rich_data),
    ("picture-in-cell.xlsx", lambda pkg: rich_data(pkg, "../media/image1.png")),
    ("shared-strings.xlsx", shared_strings),
    ("everything.xlsx", everything),
]

_DTD = LAUGHS.decode()
DANGEROUS: list[tuple[str, str, Callable[[Pkg], bytes]]] = [
    # Printer settings that are something else, or not where or what Excel puts them.
    (
        "printer-settings-ole.xlsx",
        "embedded-object",
        lambda pkg: printer_settings(
            pkg, ole_file({"Ole10Native": b"\x00" * 64, "\x01Ole": b""})
        ).zip(),
    ),
    (
        "printer-settings-vba.xlsx",
        "embedded-object",
        lambda pkg: printer_settings(pkg, ole_file({"VBA": b"Attribute VB_Name"})).zip(),
    ),
    (
        "printer-settings-zip.xlsx",
        "embedded-object",
        lambda pkg: printer_settings(
            pkg, raw_zip([Entry("payload.exe", b"MZ" + bytes(500))])
        ).zip(),
    ),
    (
        "printer-settings-program.xlsx",
        "embedded-object",
        lambda pkg: printer_settings(pkg, b"MZ\x90\x00\x03" + bytes(4000)).zip(),
    ),
    (
        "printer-settings-too-large.xlsx",
        "too-large",
        lambda pkg: printer_settings(
            pkg, devmode(extra=65_535) + random.Random(1).randbytes(150_000)
        ).zip(),
    ),
    (
        "printer-settings-declared-ole.xlsx",
        "embedded-object",
        lambda pkg: declare(
            printer_settings(pkg, sheets=("Gains",)),
            "xl/printerSettings/printerSettings1.bin",
            "application/vnd.openxmlformats-officedocument.oleObject",
        ).zip(),
    ),
    (
        "printer-settings-undeclared.xlsx",
        "embedded-object",
        lambda pkg: declare(
            printer_settings(pkg, sheets=("Gains",)),
            "xl/printerSettings/printerSettings1.bin",
            "application/octet-stream",
        ).zip(),
    ),
    (
        "printer-settings-unused.xlsx",
        "embedded-object",
        lambda pkg: (
            default_type(pkg, "bin", PRINTER_CT)
            .add("xl/printerSettings/printerSettings1.bin", devmode())
            .zip()
        ),
    ),
    (
        "printer-settings-renamed.xlsx",
        "embedded-object",
        lambda pkg: printer_settings(pkg, sheets=("Gains",), name="driver{n}.bin").zip(),
    ),
    (
        "calc-chain-ole.xlsx",
        "embedded-object",
        lambda pkg: calc_chain(pkg).add("xl/calcChain.xml", ole_file({"Package": b"x"})).zip(),
    ),
    (
        "program-in-odd-part.xlsx",
        "embedded-object",
        lambda pkg: pkg.add("xl/tools/update.dat", b"MZ\x90\x00" + bytes(2000)).zip(),
    ),
    (
        "picture-holding-ole.xlsx",
        "embedded-object",
        lambda pkg: (
            rich_data(pkg, "../media/image1.png")
            .add("xl/media/image1.png", ole_file({"x": b"y"}))
            .zip()
        ),
    ),
    # XML parts with a DTD, or that are not XML at all.
    (
        "calc-chain-dtd.xlsx",
        "xml-dtd",
        lambda pkg: calc_chain(pkg).with_prolog("xl/calcChain.xml", LAUGHS).zip(),
    ),
    (
        "calc-chain-as-macro-sheet.xlsx",
        "macros",
        lambda pkg: declare(
            calc_chain(pkg), "xl/calcChain.xml", "application/vnd.ms-excel.macrosheet+xml"
        ).zip(),
    ),
    (
        "custom-properties-dtd.xlsx",
        "xml-dtd",
        lambda pkg: sensitivity_label(pkg).with_prolog("docProps/custom.xml", LAUGHS).zip(),
    ),
    (
        "label-info-dtd.xlsx",
        "xml-dtd",
        lambda pkg: sensitivity_label(pkg).with_prolog("docMetadata/LabelInfo.xml", LAUGHS).zip(),
    ),
    (
        "custom-xml-ole.xlsx",
        "embedded-object",
        lambda pkg: custom_xml(pkg, item=ole_file({"Package": b"PK"})).zip(),
    ),
    ("custom-xml-external.xlsx", "external-link", lambda pkg: custom_xml(pkg, external=True).zip()),
    (
        "persons-dtd.xlsx",
        "xml-dtd",
        lambda pkg: threaded_comment(
            pkg, person=f'{_DTD}<personList xmlns="{THREADED}">&lol9;</personList>'
        ).zip(),
    ),
    (
        "metadata-dtd.xlsx",
        "xml-dtd",
        lambda pkg: rich_data(pkg).with_prolog("xl/metadata.xml", LAUGHS).zip(),
    ),
    (
        "rich-data-linked-picture.xlsx",
        "external-link",
        lambda pkg: rich_data(pkg, "https://attacker.example.net/p.png", "External").zip(),
    ),
    (
        "theme-linked-picture.xlsx",
        "external-link",
        lambda pkg: relate(
            pkg,
            next(n for n in pkg.parts if n.startswith("xl/theme/")),
            "rId1",
            f"{OFFICE_RELS}/image",
            "file://attacker/share/a.png",
            "External",
        ).zip(),
    ),
    # Formulas in Excel 2010's own data validations.
    ("x14-validation-dde.xlsx", "dde-link", lambda pkg: x14_validation(pkg, DDE).zip()),
    (
        "x14-validation-external.xlsx",
        "external-link",
        lambda pkg: x14_validation(pkg, "[1]Lists!$A$1:$A$3").zip(),
    ),
    (
        "x14-validation-external-path.xlsx",
        "external-link",
        lambda pkg: x14_validation(pkg, "'C:\\Finance\\[lists.xlsx]Lists'!$A$1:$A$3").zip(),
    ),
]

# In a sheet's cells (its Excel 2010 validations): found by the reader as it reads them; the
# package inspection leaves cells to it.
IN_CELLS = frozenset(
    {"x14-validation-dde.xlsx", "x14-validation-external.xlsx", "x14-validation-external-path.xlsx"}
)
