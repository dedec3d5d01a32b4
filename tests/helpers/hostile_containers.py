"""Hostile cases that are not an .xlsx package at all, or whose zip is damaged or crafted.

Files of other kinds renamed .xlsx (CSV, HTML, PDF, legacy and encrypted compound files),
and zips that lie about sizes, share entries, escape the folder, or inflate far beyond
their size: the package check must name each before any reader opens it.
"""

from __future__ import annotations

import random
import struct
import zlib

from helpers.base_package import MAIN, Builder, Pkg, sheet_xml, with_entries
from helpers.raw_files import MB, Entry, ole_file, raw_zip


def _declaring_fat_sectors(data: bytes, count: int) -> bytes:
    return data[:0x2C] + struct.pack("<I", count) + data[0x30:]


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

NOT_ZIPS: list[tuple[str, str, Builder]] = [
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
]

BROKEN_ZIPS: list[tuple[str, str, Builder]] = [
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
    (
        "duplicate.xlsx",
        "duplicate-part",
        lambda pkg: with_entries(pkg, Entry(pkg.sheet, sheet_xml(""))),
    ),
    (
        "case-clash.xlsx",
        "duplicate-part",
        lambda pkg: with_entries(pkg, Entry("xl/Workbook.xml", pkg.parts["xl/workbook.xml"])),
    ),
    (
        "dot-dot.xlsx",
        "unsafe-part-path",
        lambda pkg: with_entries(pkg, Entry("../../evil.xml", b"<x/>")),
    ),
    (
        "absolute.xlsx",
        "unsafe-part-path",
        lambda pkg: with_entries(pkg, Entry("/etc/cron.d/x", b"x")),
    ),
    (
        "backslash.xlsx",
        "unsafe-part-path",
        lambda pkg: with_entries(pkg, Entry("xl\\worksheets\\sheet9.xml", b"<x/>")),
    ),
    (
        "nul-name.xlsx",
        "unsafe-part-path",
        lambda pkg: with_entries(pkg, Entry(b"xl/a.xml\x00.png", b"x")),
    ),
    (
        "declared-huge.xlsx",
        "too-large",
        lambda pkg: with_entries(pkg, _random("xl/media/image9.png", 300_000, 25 * MB)),
    ),
    (
        "declared-huge-total.xlsx",
        "too-large",
        lambda pkg: with_entries(
            pkg, *[_random(f"xl/media/image{i}.png", 300_000 + i, 18 * MB) for i in range(3)]
        ),
    ),
    (
        "file-too-big.xlsx",
        "too-large",
        lambda pkg: with_entries(
            pkg, Entry("xl/media/image9.png", random.Random(1).randbytes(21 * MB), method=0)
        ),
    ),
    ("zip-bomb.xlsx", "zip-bomb", _bomb),
    ("cell-bomb.xlsx", "zip-bomb", _cell_bomb),
    (
        "many-parts.xlsx",
        "too-many-parts",
        lambda pkg: with_entries(
            pkg, *[Entry(f"xl/media/image{i}.png", b"x", method=0) for i in range(1200)]
        ),
    ),
    (
        "overlapping.xlsx",
        "corrupt-file",
        lambda pkg: with_entries(pkg, Entry("xl/media/a.png", alias=0)),
    ),
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
]
