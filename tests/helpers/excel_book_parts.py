"""Workbook-wide parts Excel writes into a return, as Excel writes them: printer settings,
the calculation chain, document and custom properties, a Purview sensitivity label, and
a SharePoint library's custom XML.

A partner's Excel adds these to a return it saves; a return holding them must still be
accepted, and their dangerous twins (program_parts.DANGEROUS) refused.
"""

from __future__ import annotations

import random
import re
import struct

from helpers.base_package import MAIN, OFFICE_RELS, Pkg
from helpers.return_part_edits import (
    CT,
    PROLOG,
    default_type,
    relate,
    sheet_parts,
    with_r_namespace,
)

PRINTER_CT = CT + "printerSettings"
LABEL = "f42aa342-8706-4288-bd11-ebb85995028c"
SITE = "72f988bf-86f1-41af-91ab-2d7cd011db47"


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
        with_r_namespace(pkg, part)
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
