"""The zip container of a returned file, checked before any part is read: its end record
and table of contents (read by us, so a hostile one is refused before zipfile builds it), each
entry's name, compression and sizes (zip bombs among them), and parts whose data overlap."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from typing import BinaryIO

from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.problems import Found
from xl_ni179.intake.safety.xmlscan import Stop, shown

# What zipfile and zlib raise on damaged data; a bug of ours raises anything else.
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    struct.error,
    UnicodeDecodeError,
)
_DRIVE_RE = re.compile(r"^[A-Za-z]:")


def mb(n: int) -> str:
    """A size in megabytes, as a finding states it."""
    return f"{n / L.MB:,.1f} MB" if n < 10 * L.MB else f"{n / L.MB:,.0f} MB"


def _check_directory(fh: BinaryIO, size: int) -> None:
    """Read the zip's end record ourselves, so that a table of contents with a million
    entries is refused before zipfile builds an object for each."""
    tail_len = min(size, 22 + 0xFFFF + 20)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(tail):
        raise Stop(
            P.CORRUPT_FILE.problem(
                detail="the end of the file is missing; it may have been cut off while being sent"
            )
        )
    _, disk, cd_disk, _, entries, cd_size, _, _ = struct.unpack_from("<4s4H2LH", tail, pos)
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        locator = pos - 20
        if locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
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


def open_zip(fh: BinaryIO, size: int) -> zipfile.ZipFile:
    _check_directory(fh, size)
    fh.seek(0)
    try:
        return zipfile.ZipFile(fh)
    except ZIP_ERRORS as exc:
        raise Stop(
            P.CORRUPT_FILE.problem(
                detail=f"its table of contents cannot be read: {shown(str(exc))}"
            )
        ) from None


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


def check_entries(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], found: Found) -> None:
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
            found.add(
                P.DUPLICATE_PART.problem(
                    detail=f"'{shown(folded[name.casefold()])}' and '{shown(name)}' differ only in "
                    "capital letters"
                )
            )
        names.add(name)
        folded.setdefault(name.casefold(), name)
        if info.flag_bits & 0x1:
            found.add(P.PASSWORD_PROTECTED.problem())
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            found.add(
                P.CORRUPT_FILE.problem(
                    detail=f"part {shown(name)} is compressed in a way Excel never uses"
                )
            )
        elif info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            found.add(P.CORRUPT_FILE.problem(detail=f"part {shown(name)} has inconsistent sizes"))
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > L.RATIO_MIN_BYTES and ratio > L.MAX_RATIO:
            found.add(
                P.ZIP_BOMB.problem(
                    detail=f"part {shown(name)} would grow {ratio:,.0f} times, to "
                    f"{mb(info.file_size)}"
                )
            )
        elif info.file_size > L.MAX_PART_BYTES:
            found.add(
                P.TOO_LARGE.problem(
                    detail=f"part {shown(name)} is {mb(info.file_size)} when opened; at most "
                    f"{mb(L.MAX_PART_BYTES)}"
                )
            )
    if total > L.MAX_TOTAL_BYTES and not found.has(P.ZIP_BOMB.code, P.TOO_LARGE.code):
        found.add(
            P.TOO_LARGE.problem(
                detail=f"its contents are {mb(total)} when opened; at most {mb(L.MAX_TOTAL_BYTES)}"
            )
        )
    _check_overlaps(zf, infos, found)


def _check_overlaps(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], found: Found) -> None:
    """Parts whose data overlap are the trick of non-recursive zip bombs (and never made by
    Excel); 30 bytes is the smallest local header."""
    ordered = sorted(infos, key=lambda i: i.header_offset)
    ends = [i.header_offset for i in ordered[1:]] + [getattr(zf, "start_dir", 1 << 62)]
    for info, limit in zip(ordered, ends, strict=True):
        if info.header_offset + 30 + info.compress_size > limit:
            found.add(
                P.CORRUPT_FILE.problem(detail=f"part {shown(info.filename)} overlaps another part")
            )
            return
