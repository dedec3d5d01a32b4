"""Hostile cases in a package's XML parts: document type declarations (entity expansion,
external entities, in any encoding), encodings no reader should guess, and malformed or
binary parts where XML should be.
"""

from __future__ import annotations

import random

from helpers.base_package import (
    Builder,
    reencoded,
    replaced,
    strings_part,
    utf16_part,
    with_entries,
)
from helpers.raw_files import Entry

DOCTYPE = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
    + b"]>"
)


XML_PARTS: list[tuple[str, str, Builder]] = [
    # XML parts.
    (
        "doctype-workbook.xlsx",
        "xml-dtd",
        lambda pkg: pkg.with_prolog("xl/workbook.xml", b"<!DOCTYPE workbook>").zip(),
    ),
    (
        "billion-laughs.xlsx",
        "xml-dtd",
        lambda pkg: pkg.with_prolog(strings_part(pkg), LAUGHS).zip(),
    ),
    (
        "xxe-sheet.xlsx",
        "xml-dtd",
        lambda pkg: (
            pkg.with_prolog(pkg.sheet, DOCTYPE)
            .cells('<row r="1999"><c r="A1999" t="inlineStr"><is><t>&xxe;</t></is></c></row>')
            .zip()
        ),
    ),
    (
        "utf16-dtd.xlsx",
        "xml-dtd",
        lambda pkg: utf16_part(pkg, "xl/styles.xml", '<!DOCTYPE x [<!ENTITY a "b">]>', "utf-16"),
    ),
    (
        "utf16be-dtd.xlsx",
        "xml-dtd",
        lambda pkg: utf16_part(pkg, "_rels/.rels", "<!DOCTYPE x>", "utf-16-be"),
    ),
    (
        "vml-dtd.xlsx",
        "xml-dtd",
        lambda pkg: with_entries(
            pkg,
            Entry(
                "xl/drawings/vmlDrawing9.vml",
                b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><xml>',
            ),
        ),
    ),
    ("utf7.xlsx", "corrupt-file", lambda pkg: reencoded(pkg, "xl/styles.xml", "UTF-7", "utf-7")),
    ("utf32.xlsx", "corrupt-file", lambda pkg: reencoded(pkg, "xl/styles.xml", "UTF-32", "utf-32")),
    (
        "malformed-sheet.xlsx",
        "corrupt-file",
        lambda pkg: replaced(
            pkg, pkg.sheet, pkg.parts[pkg.sheet][: len(pkg.parts[pkg.sheet]) // 2]
        ),
    ),
    (
        "bad-cell-ref.xlsx",
        "corrupt-file",
        lambda pkg: pkg.cells('<row r="1998"><c r="A0"><v>1</v></c></row>').zip(),
    ),
    (
        "binary-sheet.xlsx",
        "corrupt-file",
        lambda pkg: replaced(pkg, pkg.sheet, random.Random(3).randbytes(2000)),
    ),
]
