"""Unusual but harmless variants of the base workbook that must get no finding.

They keep the hostile checks honest: pipes in strings, byte-order marks, other encodings,
stored parts, folder entries, prefixed namespaces and the largest sheet allowed are all
things real programs write.
"""

from __future__ import annotations

from helpers.base_package import (
    Builder,
    grid_sheet,
    reencoded,
    replaced,
    sheet_xml,
    utf16_part,
    with_entries,
)
from helpers.raw_files import Entry, raw_zip

PIPES = (
    '<row r="1999"><c r="A1999"><f>"a|b DDE(x)"&amp;B2</f></c><c r="B1999"><f>\'Q|1\'!A1</f>'
    '</c><c r="C1999"><f>SUM(Table1[[#This Row],[a\'[b|c]])</f></c></row>'
)
SVG = b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg/>'

BENIGN: list[tuple[str, Builder]] = [
    ("base.xlsx", lambda pkg: pkg.zip()),
    ("pipes-in-strings.xlsx", lambda pkg: pkg.cells(PIPES).zip()),
    ("utf8-bom.xlsx", lambda pkg: replaced(pkg, pkg.sheet, b"\xef\xbb\xbf" + pkg.parts[pkg.sheet])),
    ("utf16-sheet.xlsx", lambda pkg: utf16_part(pkg, pkg.sheet, "", "utf-16")),
    ("windows-1252.xlsx", lambda pkg: reencoded(pkg, "xl/styles.xml", "windows-1252", "cp1252")),
    ("stored.xlsx", lambda pkg: raw_zip([Entry(n, d, method=0) for n, d in pkg.parts.items()])),
    (
        "folder-entries.xlsx",
        lambda pkg: with_entries(pkg, Entry("xl/", method=0), Entry("xl/worksheets/", method=0)),
    ),
    (
        "prefixed-namespace.xlsx",
        lambda pkg: replaced(
            pkg,
            pkg.sheet,
            sheet_xml('<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>', prefix="x"),
        ),
    ),
    (
        "cells-without-refs.xlsx",
        lambda pkg: replaced(
            pkg,
            pkg.sheet,
            sheet_xml("<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>"),
        ),
    ),
    # Pictures are never parsed by a workbook reader, so a DTD in an SVG is left alone.
    ("svg-with-doctype.xlsx", lambda pkg: with_entries(pkg, Entry("xl/media/image9.svg", SVG))),
    ("largest-allowed-sheet.xlsx", lambda pkg: replaced(pkg, pkg.sheet, grid_sheet(600, 150))),
]
