"""Checks on a returned file's raw bytes and zip package, before any workbook reader sees it.

``inspect_package`` names what is wrong with a hostile or broken file: not a workbook
at all, a format we cannot read, a damaged or tampered zip, a zip bomb, a DTD in any XML
part, macros, links, connections. It never calls ``ZipFile.read``: every part is
streamed through a size cap and scanned with expat without building anything, so a
crafted file costs milliseconds. What the cells of a sheet hold (how far they reach, how
many there are, their text and formulas) is the reader's to check, in its one pass over
each sheet (``xl_ni179.intake.reader``): a sheet is parsed once, not twice.
"""

from __future__ import annotations

import os
import posixpath
import re
import struct
import zipfile
import zlib
from typing import BinaryIO

from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.binaries import check_binaries, flagged_by_name, targets_of_printer_settings
from xl_ni179.intake.safety.problems import Problem
from xl_ni179.intake.safety.scanners import (
    ContentTypesScan,
    ExternalLinkScan,
    RelsScan,
    WorkbookScan,
)
from xl_ni179.intake.safety.sniff import (
    OLE_MAGIC,
    TEXT_SNIFF_BYTES,
    ZIP_MAGIC,
    classify_ole,
    classify_other,
    other_zip_format,
)
from xl_ni179.intake.safety.xmlscan import Handler, Stop, scan_part, shown

# What zipfile and zlib raise on damaged data; a bug of ours raises anything else.
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
              RuntimeError, struct.error, UnicodeDecodeError)

CONTENT_TYPES = "[Content_Types].xml"
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
REQUIRED = (CONTENT_TYPES, WORKBOOK, WORKBOOK_RELS)
BINARY_SUFFIXES = (".bin", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".emf",
                   ".wmf", ".wdp", ".jfif")
_DRIVE_RE = re.compile(r"^[A-Za-z]:")


class _Found:
    """Findings so far: one per code and sheet, and no more than MAX_FINDINGS."""

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self._keys: set[tuple[str, str]] = set()

    def add(self, problem: Problem) -> None:
        key = (problem.code, problem.sheet)
        if key not in self._keys and len(self.items) < L.MAX_FINDINGS:
            self._keys.add(key)
            self.items.append(problem)

    def has(self, *codes: str) -> bool:
        return any(f.code in codes for f in self.items)

    @property
    def full(self) -> bool:
        return len(self.items) >= L.MAX_FINDINGS


def inspect_package(path: str | os.PathLike[str]) -> list[Problem]:
    """Every file-level problem found in the file at ``path`` (empty when it is safe to parse).

    Worksheets and the shared strings get the DTD and encoding checks here; their cells
    (extent, counts, text size, DDE formulas) are checked by the reader as it reads them.
    Raises OSError only when the file itself cannot be opened.
    """
    size = os.stat(path).st_size
    if size == 0:
        return [P.EMPTY_FILE.problem()]
    if size > L.MAX_FILE_BYTES:
        return [P.TOO_LARGE.problem(
            detail=f"the file is {_mb(size)}; a return may be at most {_mb(L.MAX_FILE_BYTES)}")]
    with open(path, "rb") as fh:
        head = fh.read(len(OLE_MAGIC))
        fh.seek(0)
        if head.startswith(OLE_MAGIC):
            return [classify_ole(fh.read())]
        if not head.startswith(ZIP_MAGIC):
            return [classify_other(fh.read(TEXT_SNIFF_BYTES))]
        found = _Found()
        try:
            _inspect_zip(fh, size, found)
        except Stop as stop:
            found.add(stop.problem)
        except ZIP_ERRORS as exc:
            found.add(P.CORRUPT_FILE.problem(
                detail=f"its zip structure is broken: {shown(str(exc))}"))
        return found.items


def _mb(n: int) -> str:
    return f"{n / L.MB:,.1f} MB" if n < 10 * L.MB else f"{n / L.MB:,.0f} MB"


# --- the zip container -------------------------------------------------------------------------

def _check_directory(fh: BinaryIO, size: int) -> None:
    """Read the zip's end record ourselves, so that a table of contents with a million
    entries is refused before zipfile builds an object for each."""
    tail_len = min(size, 22 + 0xFFFF + 20)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(tail):
        raise Stop(P.CORRUPT_FILE.problem(
            detail="the end of the file is missing; it may have been cut off while being sent"))
    _, disk, cd_disk, _, entries, cd_size, _, _ = struct.unpack_from("<4s4H2LH", tail, pos)
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        locator = pos - 20
        if locator >= 0 and tail[locator:locator + 4] == b"PK\x06\x07":
            offset = struct.unpack_from("<Q", tail, locator + 8)[0]
            fh.seek(offset)
            record = fh.read(56)
            if len(record) == 56 and record[:4] == b"PK\x06\x06":
                entries, cd_size = struct.unpack_from("<2Q", record, 32)
    if disk or cd_disk:
        raise Stop(P.CORRUPT_FILE.problem(detail="it is one piece of a zip split across files"))
    if entries > L.MAX_PARTS:
        raise Stop(P.TOO_MANY_PARTS.problem(detail=f"{entries:,} parts; at most {L.MAX_PARTS:,}"))
    if cd_size > L.MAX_CENTRAL_DIRECTORY_BYTES:
        raise Stop(P.CORRUPT_FILE.problem(detail="its table of contents is abnormally large"))


def _inspect_zip(fh: BinaryIO, size: int, found: _Found) -> None:
    _check_directory(fh, size)
    fh.seek(0)
    try:
        zf = zipfile.ZipFile(fh)
    except ZIP_ERRORS as exc:
        raise Stop(P.CORRUPT_FILE.problem(
            detail=f"its table of contents cannot be read: {shown(str(exc))}")) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > L.MAX_PARTS:
            raise Stop(P.TOO_MANY_PARTS.problem(
                detail=f"{len(infos):,} parts; at most {L.MAX_PARTS:,}"))
        _check_entries(zf, infos, found)
        if not found.items:
            _identify(zf, infos, found)
        if not found.items:
            _scan_contents(zf, infos, found)


def _unsafe_name(name: str) -> str:
    if any(ord(ch) < 32 or ch == "\x7f" for ch in name):
        return "contains control characters"
    if name.startswith(("/", "\\")) or _DRIVE_RE.match(name):
        return "is an absolute path"
    if "\\" in name:
        return "contains a backslash"
    segments = name.rstrip("/").split("/")
    if ".." in segments:
        return "points outside the file"
    if "." in segments or "" in segments:
        return "has an empty folder name"
    return ""


def _check_entries(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], found: _Found) -> None:
    names: set[str] = set()
    folded: dict[str, str] = {}
    total = 0
    for info in infos:
        name = info.filename
        problem = _unsafe_name(info.orig_filename)  # filename is cut at a NUL; this is not
        if problem:
            found.add(P.UNSAFE_PART_PATH.problem(detail=f"'{shown(info.orig_filename)}' {problem}"))
        if name in names:
            found.add(P.DUPLICATE_PART.problem(detail=f"'{shown(name)}' is stored twice"))
        elif name.casefold() in folded:
            # Part names are case-insensitive in Office files: these are the same part.
            found.add(P.DUPLICATE_PART.problem(
                detail=f"'{shown(folded[name.casefold()])}' and '{shown(name)}' differ only in "
                       "capital letters"))
        names.add(name)
        folded.setdefault(name.casefold(), name)
        if info.flag_bits & 0x1:
            found.add(P.PASSWORD_PROTECTED.problem())
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            found.add(P.CORRUPT_FILE.problem(
                detail=f"part {shown(name)} is compressed in a way Excel never uses"))
        elif info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            found.add(P.CORRUPT_FILE.problem(detail=f"part {shown(name)} has inconsistent sizes"))
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > L.RATIO_MIN_BYTES and ratio > L.MAX_RATIO:
            found.add(P.ZIP_BOMB.problem(
                detail=f"part {shown(name)} would grow {ratio:,.0f} times, to "
                       f"{_mb(info.file_size)}"))
        elif info.file_size > L.MAX_PART_BYTES:
            found.add(P.TOO_LARGE.problem(
                detail=f"part {shown(name)} is {_mb(info.file_size)} when opened; at most "
                       f"{_mb(L.MAX_PART_BYTES)}"))
    if total > L.MAX_TOTAL_BYTES and not found.has(P.ZIP_BOMB.code, P.TOO_LARGE.code):
        found.add(P.TOO_LARGE.problem(
            detail=f"its contents are {_mb(total)} when opened; at most {_mb(L.MAX_TOTAL_BYTES)}"))
    _check_overlaps(zf, infos, found)


def _check_overlaps(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], found: _Found) -> None:
    """Parts whose data overlap are the trick of non-recursive zip bombs (and never made by
    Excel); 30 bytes is the smallest local header."""
    ordered = sorted(infos, key=lambda i: i.header_offset)
    ends = [i.header_offset for i in ordered[1:]] + [getattr(zf, "start_dir", 1 << 62)]
    for info, limit in zip(ordered, ends, strict=True):
        if info.header_offset + 30 + info.compress_size > limit:
            found.add(P.CORRUPT_FILE.problem(
                detail=f"part {shown(info.filename)} overlaps another part"))
            return


def _identify(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], found: _Found) -> None:
    """Zips that are not .xlsx: OpenDocument, .xlsb, Word, PowerPoint, any other archive."""
    by_name = {i.filename: i for i in infos}
    other = other_zip_format(zf, by_name)
    if other is not None:
        found.add(other)
        return
    for name in REQUIRED:
        if name not in by_name:
            found.add(P.MISSING_PART.problem(detail=f"the part '{name}'"))


# --- the parts ---------------------------------------------------------------------------------

def _resolve(source_dir: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(source_dir, target))


def _scan(zf: zipfile.ZipFile, info: zipfile.ZipInfo, found: _Found, handler: Handler | None = None,
          **options: bool) -> bool:
    """Scan one part; a problem becomes a finding. True when the part was scanned cleanly."""
    try:
        scan_part(zf, info, handler, **options)
        return True
    except Stop as stop:
        found.add(stop.problem)
    except ZIP_ERRORS as exc:
        found.add(P.CORRUPT_FILE.problem(
            detail=f"part {shown(info.filename)} cannot be unpacked: {shown(str(exc))}"))
    return False


def _scan_contents(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], found: _Found) -> None:
    by_name = {i.filename: i for i in infos}
    types = ContentTypesScan(CONTENT_TYPES)
    rels = RelsScan(WORKBOOK_RELS)
    book = WorkbookScan(WORKBOOK)
    for name, handler in ((CONTENT_TYPES, types), (WORKBOOK_RELS, rels), (WORKBOOK, book)):
        if not _scan(zf, by_name[name], found, handler, required=True):
            return  # the rest cannot be interpreted without these three
    _check_names(by_name, found)  # first: the part names give the most specific detail
    _check_content_types(types, set(by_name), found)
    _check_rels(rels, found)

    targets = {r.id: (r.type.rsplit("/", 1)[-1].lower(), _resolve("xl", r.target))
               for r in rels.rels if not r.external}
    sheets: dict[str, str] = {}  # worksheet part -> sheet name
    for entry in book.sheets:
        kind, part = targets.get(entry.rel_id, ("", ""))
        if kind == "worksheet":
            sheets[part] = entry.name
            if part not in by_name:
                found.add(P.MISSING_PART.problem(detail=f"the sheet '{shown(entry.name)}'"))
    strings = {part for kind, part in targets.values() if kind == "sharedstrings"}

    done = set(REQUIRED)
    binaries: list[zipfile.ZipInfo] = []
    printer_targets = targets_of_printer_settings("xl", rels)
    for info in infos:
        name = info.filename
        low = name.lower()
        if found.full or name in done or name.endswith("/"):
            continue
        done.add(name)
        if low.startswith("xl/media/") or low.endswith(BINARY_SUFFIXES):
            if not flagged_by_name(low):
                binaries.append(info)  # no reader of ours parses them: checked below for what they are
            continue
        if name in sheets or name in strings or low == "xl/sharedstrings.xml" \
                or (low.startswith("xl/worksheets/") and low.endswith(".xml")):
            # The cells are the reader's (see the module's docstring): here the DTD and encoding.
            _scan(zf, info, found, well_formed=False, required=True)
        elif low.endswith(".rels"):
            part_rels = RelsScan(name)
            if _scan(zf, info, found, part_rels, required=True):
                _check_rels(part_rels, found)
                # xl/worksheets/_rels/sheet1.xml.rels holds the relationships of xl/worksheets/sheet1.xml
                printer_targets |= targets_of_printer_settings(posixpath.dirname(posixpath.dirname(name)), part_rels)
        elif low.startswith("xl/externallinks/"):
            link = ExternalLinkScan(name)
            _scan(zf, info, found, link, required=True)
            if "ddeLink" in link.kinds:
                found.add(P.DDE_LINK.problem(detail="a DDE link to another program"))
            if link.kinds - {"ddeLink"} or not link.kinds:
                found.add(P.EXTERNAL_LINK.problem(detail="it uses cells from another file"))
        else:
            # Styles, themes, drawings, VML (often not well-formed)...: only the DTD and
            # encoding checks. Their structure is the parser's business, under its limits.
            _scan(zf, info, found, well_formed=False, required=low.endswith(".xml"))
    if not found.full:
        try:
            for problem in check_binaries(zf, binaries, types.of, printer_targets):
                found.add(problem)
        except Stop as stop:
            found.add(stop.problem)
        except ZIP_ERRORS as exc:
            found.add(P.CORRUPT_FILE.problem(detail=f"a binary part cannot be unpacked: {shown(str(exc))}"))
    if book.external_references and not found.has(P.EXTERNAL_LINK.code, P.DDE_LINK.code):
        found.add(P.EXTERNAL_LINK.problem(detail="it uses cells from another file"))


def _check_rels(scan: RelsScan, found: _Found) -> None:
    for rel in scan.rels:
        kind = rel.type.rsplit("/", 1)[-1].lower()
        if rel.external and kind != "hyperlink":
            found.add(P.EXTERNAL_LINK.problem(detail=f"to {shown(rel.target)}"))
        elif kind in ("vbaproject", "xlmacrosheet", "xlintlmacrosheet"):
            found.add(P.MACROS.problem(detail="macro code or a macro sheet"))
        elif kind in ("connections", "querytable", "powerpivotdata"):
            found.add(P.DATA_CONNECTION.problem(detail="a connection to another data source"))
        elif kind in ("oleobject", "package"):
            found.add(P.EMBEDDED_OBJECT.problem(
                detail=f"the embedded file '{shown(posixpath.basename(rel.target))}'"))
        elif kind in ("control", "activexcontrolbinary"):
            found.add(P.EMBEDDED_OBJECT.problem(detail="an ActiveX control"))


def _check_content_types(scan: ContentTypesScan, names: set[str], found: _Found) -> None:
    used = {posixpath.splitext(name)[1].lstrip(".").lower() for name in names}
    declared = [ct for part, ct in scan.overrides.items() if part in names]
    declared += [ct for ext, ct in scan.defaults.items() if ext in used]
    for content_type in declared:
        low = content_type.lower()
        if "macroenabled" in low or "vbaproject" in low or "macrosheet" in low:
            found.add(P.MACROS.problem(detail="it is saved as a macro-enabled workbook, .xlsm"))
        elif "connections+xml" in low or "querytable+xml" in low:
            found.add(P.DATA_CONNECTION.problem(detail="a connection to another data source"))
        elif "activex" in low:
            found.add(P.EMBEDDED_OBJECT.problem(detail="an ActiveX control"))
        elif "oleobject" in low:
            found.add(P.EMBEDDED_OBJECT.problem(detail="an embedded object"))


def _check_names(by_name: dict[str, zipfile.ZipInfo], found: _Found) -> None:
    for name in by_name:
        low = name.lower()
        base = posixpath.basename(low)
        if base.startswith("vbaproject") and base.endswith(".bin"):
            found.add(P.MACROS.problem(detail="VBA macro code"))
        elif low.startswith("xl/macrosheets/"):
            found.add(P.MACROS.problem(detail="an Excel 4.0 macro sheet"))
        elif low == "xl/connections.xml":
            found.add(P.DATA_CONNECTION.problem(detail="a connection to another data source"))
        elif low.startswith("xl/querytables/"):
            found.add(P.DATA_CONNECTION.problem(detail="a query table that imports data"))
        elif low.startswith("xl/model/"):
            found.add(P.DATA_CONNECTION.problem(detail="a Power Pivot data model"))
        elif low.startswith("xl/embeddings/"):
            found.add(P.EMBEDDED_OBJECT.problem(
                detail=f"the embedded file '{shown(posixpath.basename(name))}'"))
        elif low.startswith("xl/activex/"):
            found.add(P.EMBEDDED_OBJECT.problem(detail="an ActiveX control"))
