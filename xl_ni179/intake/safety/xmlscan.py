"""Bounded streaming scans of the XML parts inside a package.

Each part is decompressed in chunks and never past its size limit, fed to a byte-level
DTD detector and (for parts a reader will parse) to expat, whose handlers stop at the
first problem. Nothing is built in memory: the scans count and compare, so a sheet that
claims a million rows is rejected at its first out-of-range reference, in milliseconds.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from typing import Any, NoReturn
from xml.parsers import expat

from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.problems import Problem
from xl_ni179.intake.safety.sniff import container_kind


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
                raise Stop(P.TOO_LARGE.problem(
                    detail=f"part {shown(info.filename)} holds more than its declared size"))
            yield chunk


_ACCEPTED_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be", "us-ascii",
                       "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252"}
_DECLARED_RE = re.compile(r"<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")


def xml_encoding(head: bytes, part: str) -> str | None:
    """'utf-8' (or another ASCII-compatible encoding), 'utf-16-le' or 'utf-16-be'.

    None when the bytes do not start like XML. Encodings where '<!DOCTYPE' is not spelt
    in ASCII or UTF-16 (UTF-32, UTF-7, EBCDIC...) would hide a DTD from the byte scan, and
    Excel never writes them, so they are refused.
    """
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"\x00\x00\x00<",
                        b"<\x00\x00\x00")):
        raise Stop(P.CORRUPT_FILE.problem(
            detail=f"part {shown(part)} uses a text encoding (UTF-32) Excel does not write"))
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
            raise Stop(P.CORRUPT_FILE.problem(
                detail=f"part {shown(part)} declares a text encoding ({shown(name, 20)}) that "
                       "does not match its contents or that Excel does not write"))
    return family


_DTD_MARKERS = tuple(marker.encode(enc) for marker in ("<!doctype", "<!entity")
                     for enc in ("ascii", "utf-16-le", "utf-16-be"))
_OVERLAP = max(len(m) for m in _DTD_MARKERS) - 1


class DtdScan:
    """Finds '<!DOCTYPE' or '<!ENTITY' in ASCII or UTF-16, across chunk boundaries."""

    def __init__(self, part: str) -> None:
        self.part = part
        self.tail = b""

    def feed(self, chunk: bytes) -> None:
        data = (self.tail + chunk).lower()
        if any(marker in data for marker in _DTD_MARKERS):
            raise Stop(dtd_finding(self.part))
        self.tail = data[-_OVERLAP:]


def dtd_finding(part: str) -> Problem:
    return P.XML_DTD.problem(detail=f"in part {shown(part)}")


# --- expat -----------------------------------------------------------------------------------

def local(name: str) -> str:
    """Element or attribute name without its namespace prefix.

    Namespaces are matched by local name only, as lenient readers do: an element in an
    unexpected namespace is still checked, never skipped.
    """
    return name.rpartition(":")[2]


class Handler:
    """Base for a part scanner: gets expat's element events; raises Stop on a problem."""

    track_end = True  # whether ``end`` is wanted for every element

    def __init__(self, part: str, max_elements: int | None = None) -> None:
        self.part = part
        self.parser: Any = None
        self.elements = 0
        self.max_elements = L.MAX_ELEMENTS_SMALL if max_elements is None else max_elements

    def tick(self) -> None:
        """Count one element; subclasses call it first thing in ``start``."""
        self.elements += 1
        if self.elements > self.max_elements:
            raise self.too_many_elements()

    def too_many_elements(self) -> Stop:
        return Stop(P.TOO_LARGE.problem(
            detail=f"part {shown(self.part)} has more than {self.max_elements:,} XML elements"))

    def start(self, name: str, attrs: dict[str, str]) -> None:
        pass

    def end(self, name: str) -> None:
        pass


def _parser(part: str, handler: Handler | None) -> Any:
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_args: Any) -> NoReturn:
        raise Stop(dtd_finding(part))

    # Stopping at the start of the DOCTYPE means no entity is ever declared, let alone
    # expanded or fetched: billion-laughs and XXE never get going.
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.buffer_text = True
    if handler is not None:
        handler.parser = parser
        parser.StartElementHandler = handler.start
        if handler.track_end:
            parser.EndElementHandler = handler.end
    return parser


def scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, handler: Handler | None = None, *,
              well_formed: bool = True, required: bool = False) -> bool:
    """Scan one part. Returns False when it is not XML (and not ``required`` to be).

    ``well_formed=False`` only looks for a DTD: Excel's legacy VML drawings are not
    well-formed XML, and no reader we use parses them.
    """
    part = info.filename
    stream = chunks(zf, info)
    first = next(stream, b"")
    family = xml_encoding(first, part)
    if family is None:
        kind = container_kind(first)
        if kind is not None:
            # A file hidden under an ordinary part's name (custom XML, properties, a theme...).
            raise Stop(P.EMBEDDED_OBJECT.problem(detail=f"the part '{shown(part)}' is really {kind}"))
        if required or handler is not None:
            raise Stop(P.CORRUPT_FILE.problem(
                detail=f"part {shown(part)} should be XML but is not"))
        return False
    dtd = DtdScan(part)
    parser = _parser(part, handler) if well_formed else None
    try:
        for chunk in _prepend(first, stream):
            dtd.feed(chunk)
            if parser is not None:
                parser.Parse(chunk, False)
        if parser is not None:
            parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise Stop(P.CORRUPT_FILE.problem(
            detail=f"part {shown(part)} is not well-formed XML "
                   f"({expat.ErrorString(exc.code)}, line {exc.lineno})")) from None
    return True


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest
