"""Reading a part's bytes safely: decompressed in chunks, never past its size limit, and
checked for a text encoding that could hide a DTD from the byte scan."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator

from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.problems import Problem


class Stop(Exception):
    """A scan found a problem; the part is not read further."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


def shown(text: str, width: int = 80) -> str:
    """Text from the file made safe to put in a message: printable and short."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in text)
    return clean if len(clean) <= width else clean[: width - 3] + "..."


# --- decompression and encodings -------------------------------------------------------------


def chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's decompressed bytes, a chunk at a time, stopping at the part size limit.

    zipfile already stops at the declared size (and then fails the CRC if the data runs
    on); the explicit count keeps the bound independent of that.
    """
    limit = min(info.file_size, L.MAX_PART_BYTES)
    total = 0
    with zf.open(info) as stream:
        while chunk := stream.read(L.CHUNK_BYTES):
            total += len(chunk)
            if total > limit:
                raise Stop(
                    P.TOO_LARGE.problem(
                        detail=f"part {shown(info.filename)} holds more than its declared size"
                    )
                )
            yield chunk


_ACCEPTED_ENCODINGS = {
    "utf-8",
    "utf8",
    "utf-16",
    "utf16",
    "utf-16le",
    "utf-16be",
    "us-ascii",
    "ascii",
    "iso-8859-1",
    "latin-1",
    "latin1",
    "windows-1252",
    "cp1252",
}
_DECLARED_RE = re.compile(r"<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")


def xml_encoding(head: bytes, part: str) -> str | None:
    """'utf-8' (or another ASCII-compatible encoding), 'utf-16-le' or 'utf-16-be'.

    None when the bytes do not start like XML. Encodings where '<!DOCTYPE' is not spelt
    in ASCII or UTF-16 (UTF-32, UTF-7, EBCDIC...) would hide a DTD from the byte scan, and
    Excel never writes them, so they are refused.
    """
    if head.startswith(
        (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"\x00\x00\x00<", b"<\x00\x00\x00")
    ):
        raise Stop(
            P.CORRUPT_FILE.problem(
                detail=f"part {shown(part)} uses a text encoding (UTF-32) Excel does not write"
            )
        )
    if head.startswith(b"\xff\xfe") or head.startswith(b"<\x00"):
        family = "utf-16-le"
    elif head.startswith(b"\xfe\xff") or head.startswith(b"\x00<"):
        family = "utf-16-be"
    else:
        family = "utf-8"
    sample = head[:1024]
    if family != "utf-8":
        sample = sample[: len(sample) // 2 * 2]
    text = sample.decode(family, "replace").lstrip("\ufeff \t\r\n")
    if not text.startswith("<"):
        return None
    declared = _DECLARED_RE.match(text)
    if declared:
        name = declared.group(1).strip().lower()
        wide = name.replace("-", "").startswith("utf16")
        if name not in _ACCEPTED_ENCODINGS or wide != (family != "utf-8"):
            raise Stop(
                P.CORRUPT_FILE.problem(
                    detail=f"part {shown(part)} declares a text encoding ({shown(name, 20)}) that "
                    "does not match its contents or that Excel does not write"
                )
            )
    return family


def dtd_finding(part: str) -> Problem:
    return P.XML_DTD.problem(detail=f"in part {shown(part)}")
