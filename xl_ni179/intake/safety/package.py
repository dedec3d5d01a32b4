"""The first stage of reading a returned file: its bytes, its zip package and its parts.

``open_package`` names what is wrong with a hostile or broken file before any cell is
read: not a workbook at all, a format we cannot read, a damaged or tampered zip, a zip
bomb, a DTD in any XML part, a package that programs could read two ways, macros,
links, connections, formulas that reach outside the workbook. It follows the package's
relationships as Excel does (``graph``) and reads every part once (``parts``): the parsed
parts are kept for the reader (``xl_ni179.intake.reader``), which reads the cells from the
same trees, so no part is decompressed or parsed twice.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.binaries import (
    check_binaries,
    flagged_by_name,
    targets_of_printer_settings,
)
from xl_ni179.intake.safety.graph import (
    CONTENT_TYPES,
    MAIN,
    ROLES,
    TYPE_ROLES,
    ContentTypes,
    Graph,
    read_graph,
    read_relationships,
)
from xl_ni179.intake.safety.parts import Parts, memorable, recall, remember
from xl_ni179.intake.safety.problems import Problem
from xl_ni179.intake.safety.screens import (
    check_markup_compatibility,
    relationship_problems,
    screen_tree,
    screen_vml,
    searches_for,
)
from xl_ni179.intake.safety.sniff import (
    OLE_MAGIC,
    TEXT_SNIFF_BYTES,
    ZIP_MAGIC,
    classify_ole,
    classify_other,
    other_zip_format,
)
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

BINARY_SUFFIXES = (
    ".bin",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".bmp",
    ".tif",
    ".tiff",
    ".emf",
    ".wmf",
    ".wdp",
    ".jfif",
)
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


@dataclass
class Opened:
    """A package as the first stage left it: its problems (none when it may be read), and
    for the reader its parts (each read once, the parsed ones kept) and its relationships."""

    problems: list[Problem] = field(default_factory=list)
    parts: Parts | None = None
    graph: Graph | None = None


@contextlib.contextmanager
def open_package(path: str | os.PathLike[str]) -> Iterator[Opened]:
    """Check the file at ``path`` and read its parts; the zip stays open inside the ``with``.

    Raises OSError only when the file itself cannot be opened.
    """
    size = os.stat(path).st_size
    if size == 0:
        yield Opened([P.EMPTY_FILE.problem()])
        return
    if size > L.MAX_FILE_BYTES:
        yield Opened(
            [
                P.TOO_LARGE.problem(
                    detail=f"the file is {_mb(size)}; a return may be at most {_mb(L.MAX_FILE_BYTES)}"
                )
            ]
        )
        return
    with open(path, "rb") as fh:
        head = fh.read(len(OLE_MAGIC))
        fh.seek(0)
        if head.startswith(OLE_MAGIC):
            yield Opened([classify_ole(fh.read())])
            return
        if not head.startswith(ZIP_MAGIC):
            yield Opened([classify_other(fh.read(TEXT_SNIFF_BYTES))])
            return
        found = _Found()
        opened = Opened(found.items)
        with contextlib.ExitStack() as stack:
            try:
                zf = _open_zip(fh, size)
                stack.enter_context(zf)
                _inspect_zip(zf, found, opened)
            except Stop as stop:
                found.add(stop.problem)
            except ZIP_ERRORS as exc:
                found.add(
                    P.CORRUPT_FILE.problem(detail=f"its zip structure is broken: {shown(str(exc))}")
                )
            yield opened


def inspect_package(path: str | os.PathLike[str]) -> list[Problem]:
    """Every problem the first stage finds in the file at ``path`` (empty when the cells may
    be read). Raises OSError only when the file itself cannot be opened."""
    with open_package(path) as opened:
        return opened.problems


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


def _open_zip(fh: BinaryIO, size: int) -> zipfile.ZipFile:
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


def _inspect_zip(zf: zipfile.ZipFile, found: _Found, opened: Opened) -> None:
    infos = zf.infolist()
    if len(infos) > L.MAX_PARTS:
        raise Stop(
            P.TOO_MANY_PARTS.problem(detail=f"{len(infos):,} parts; at most {L.MAX_PARTS:,}")
        )
    _check_entries(zf, infos, found)
    if found.items:
        return
    other = other_zip_format(zf, {i.filename: i for i in infos})
    if other is not None:
        found.add(other)
        return
    parts = Parts(zf, infos)
    try:
        graph = read_graph(parts)
    except Stop as stop:
        found.add(stop.problem)
        return
    _check_names(parts, found)  # first: the part names give the most specific detail
    _check_content_types(graph.types, parts, found)
    _screen_parts(parts, graph, found)
    if not found.items:
        opened.parts, opened.graph = parts, graph


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
                    f"{_mb(info.file_size)}"
                )
            )
        elif info.file_size > L.MAX_PART_BYTES:
            found.add(
                P.TOO_LARGE.problem(
                    detail=f"part {shown(name)} is {_mb(info.file_size)} when opened; at most "
                    f"{_mb(L.MAX_PART_BYTES)}"
                )
            )
    if total > L.MAX_TOTAL_BYTES and not found.has(P.ZIP_BOMB.code, P.TOO_LARGE.code):
        found.add(
            P.TOO_LARGE.problem(
                detail=f"its contents are {_mb(total)} when opened; at most {_mb(L.MAX_TOTAL_BYTES)}"
            )
        )
    _check_overlaps(zf, infos, found)


def _check_overlaps(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], found: _Found) -> None:
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


# --- the parts ---------------------------------------------------------------------------------


def _screen_parts(parts: Parts, graph: Graph, found: _Found) -> None:
    """Read and screen every part once: relationships, XML parts (kept parsed), pictures."""
    sheets = {s.part: s.name for s in graph.sheets}
    binaries: list[zipfile.ZipInfo] = []
    printer_targets: set[str] = set()
    strays: list[
        tuple[str, str]
    ] = []  # (what it looks like, part): parts the file does not use as such
    for name, info in parts.infos.items():
        if found.full:
            return
        low = name.lower()
        try:
            if low.startswith("xl/media/") or low.endswith(BINARY_SUFFIXES):
                if not flagged_by_name(low):
                    binaries.append(
                        info
                    )  # no reader of ours parses them: checked below for what they are
            elif name == CONTENT_TYPES:
                continue  # read with the relationships
            elif low.endswith(".rels"):
                rels = read_relationships(parts, _source_of(name), name)
                for problem in relationship_problems(rels):
                    found.add(problem)
                printer_targets |= targets_of_printer_settings(rels)
            else:
                _screen_part(parts, graph, name, sheets.get(name), strays)
        except Stop as stop:
            found.add(stop.problem)
        except ZIP_ERRORS as exc:
            found.add(
                P.CORRUPT_FILE.problem(
                    detail=f"part {shown(name)} cannot be unpacked: {shown(str(exc))}"
                )
            )
    if strays:
        # A second workbook, sheet, text table or style sheet: another program could read it
        # instead of the one Excel reads. The workbook first: it says the most.
        strays.sort(key=lambda s: (s[0] != "workbook", s[1]))
        named = "; ".join(f"a second {shape}, '{shown(name, 60)}'" for shape, name in strays[:3])
        found.add(
            P.AMBIGUOUS_PACKAGE.problem(
                detail=f"it holds {named}, which Excel does not use but another program could read"
            )
        )
    if not found.full:
        try:
            for problem in check_binaries(parts.zf, binaries, graph.types.of, printer_targets):
                found.add(problem)
        except Stop as stop:
            found.add(stop.problem)
        except ZIP_ERRORS as exc:
            found.add(
                P.CORRUPT_FILE.problem(
                    detail=f"a binary part cannot be unpacked: {shown(str(exc))}"
                )
            )


def _source_of(rels_name: str) -> str:
    """The part a relationships part belongs to: xl/_rels/workbook.xml.rels -> xl/workbook.xml."""
    folder, base = posixpath.split(rels_name)
    return (
        posixpath.join(posixpath.dirname(folder), base[: -len(".rels")])
        if folder.endswith("_rels")
        else ""
    )


_SHEET_DATA = f"{{{MAIN}}}sheetData"
# A sheet's elements that no program reads a formula from (the cells are read by the reader).
_NO_FORMULAS = frozenset(
    f"{{{MAIN}}}{tag}"
    for tag in (
        "sheetData",
        "sheetPr",
        "dimension",
        "sheetViews",
        "sheetFormatPr",
        "cols",
        "sheetProtection",
        "printOptions",
        "pageMargins",
        "pageSetup",
        "headerFooter",
        "mergeCells",
        "phoneticPr",
        "rowBreaks",
        "colBreaks",
        "ignoredErrors",
        "drawing",
        "legacyDrawing",
        "legacyDrawingHF",
        "picture",
        "tableParts",
    )
)
_EXTERNAL_LINK = f"{{{MAIN}}}externalLink"


def _screen_part(
    parts: Parts, graph: Graph, name: str, sheet: str | None, strays: list[tuple[str, str]]
) -> None:
    content_type = graph.types.of(name)
    if "vmldrawing" in content_type or name.lower().endswith(".vml"):
        # Excel's legacy drawings (comments' boxes, form controls) are often not
        # well-formed XML, and no reader of ours parses them.
        if parts.is_xml(name):
            parts.check_dtd(name)
        screen_vml(parts.data(name), name)
        return
    if not parts.is_xml(name):
        if name.lower().endswith(".xml") or content_type.endswith("xml") or name in graph.roles:
            raise Stop(
                P.CORRUPT_FILE.problem(detail=f"part {shown(name)} should be XML but is not")
            )
        return
    if (
        name not in graph.roles
        and content_type not in TYPE_ROLES
        and not _may_hold_formulas(parts.data(name))
    ):
        parts.check_dtd(name)  # a theme, the document's properties...: nothing a program calculates
        return
    role = graph.roles.get(name)
    memo = (
        (parts.data(name), L.MAX_ELEMENTS_LARGE)
        if sheet is not None and memorable(parts.data(name))
        else None
    )
    if memo is not None and recall(_SCREENED_SHEETS, memo):
        return  # these very bytes were screened as a sheet, and passed: a template's unchanged sheet
    root = parts.tree(name)
    shape = ROLES.get(root.tag) or TYPE_ROLES.get(content_type)
    if shape is not None and shape != role:
        strays.append((shape, name))
        screen_tree(root, name)  # its formulas too, cells and all: no reader of ours reads it
        return
    if role is not None and ROLES.get(root.tag) != role:
        raise Stop(
            P.AMBIGUOUS_PACKAGE.problem(
                detail=f"the part '{shown(name, 60)}', reached as the {role}, holds something else"
            )
        )
    if role is not None:
        check_markup_compatibility(root, parts.data(name), name, workbook=role == "workbook")
    if sheet is not None:
        searches = searches_for(parts.data(name))
        for child in root:
            # The cells are the reader's, in its one pass; the layout elements hold no formula.
            if child.tag not in _NO_FORMULAS:
                screen_tree(child, name, sheet, searches)
        if memo is not None:
            remember(_SCREENED_SHEETS, memo, True)
    elif role in ("shared strings", "styles"):
        return  # text and formats: no formulas
    elif root.tag == _EXTERNAL_LINK:
        kinds = {child.tag.rpartition("}")[2] for child in root if isinstance(child.tag, str)}
        if "ddeLink" in kinds:
            raise Stop(P.DDE_LINK.problem(detail="a DDE link to another program"))
        raise Stop(P.EXTERNAL_LINK.problem(detail="it uses cells from another file"))
    else:
        screen_tree(root, name, searches=searches_for(parts.data(name)))
        if role == "workbook" and next(root.iter(f"{{{MAIN}}}externalReference"), None) is not None:
            raise Stop(P.EXTERNAL_LINK.problem(detail="it uses cells from another file"))


# Sheets (by their bytes, and the element limit they were read under) already screened and
# found clean in this process: a worker validating a round meets the same unchanged sheet of
# a template in return after return. A dict keyed on the bytes compares them whole, so only
# the very same sheet is passed over.
_SCREENED_SHEETS: dict[tuple[bytes, int], bool] = {}


# The namespaces of everything that holds a formula, a cell or a macro: SpreadsheetML (the
# workbook, sheets, tables, pivot tables, Excel 2010's x14 and xm), charts and the drawings
# that hold shapes. A part that names none of them (a theme, the document's properties) has
# nothing a program calculates or reads as a figure.
_FORMULA_SPACES = (
    b"/spreadsheetml/",
    b"/office/excel/",
    b"/drawingml/2006/chart",
    b"/drawingml/2014/chartex",
    b"/drawingml/2006/spreadsheetDrawing",
)


def _may_hold_formulas(data: bytes) -> bool:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data[:2] in (b"<\x00", b"\x00<"):
        return True  # UTF-16: parsed, whatever it says
    return any(space in data for space in _FORMULA_SPACES)


def _check_content_types(types: ContentTypes, parts: Parts, found: _Found) -> None:
    used = {posixpath.splitext(name)[1].lstrip(".").lower() for name in parts.infos}
    declared = [ct for part, ct in types.overrides.items() if parts.find(part) is not None]
    declared += [ct for ext, ct in types.defaults.items() if ext in used]
    for content_type in declared:
        if (
            "macroenabled" in content_type
            or "vbaproject" in content_type
            or "macrosheet" in content_type
        ):
            found.add(P.MACROS.problem(detail="it is saved as a macro-enabled workbook, .xlsm"))
        elif "connections+xml" in content_type or "querytable+xml" in content_type:
            found.add(P.DATA_CONNECTION.problem(detail="a connection to another data source"))
        elif "activex" in content_type:
            found.add(P.EMBEDDED_OBJECT.problem(detail="an ActiveX control"))
        elif "oleobject" in content_type:
            found.add(P.EMBEDDED_OBJECT.problem(detail="an embedded object"))


def _check_names(parts: Parts, found: _Found) -> None:
    for name in parts.infos:
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
            found.add(
                P.EMBEDDED_OBJECT.problem(
                    detail=f"the embedded file '{shown(posixpath.basename(name))}'"
                )
            )
        elif low.startswith("xl/activex/"):
            found.add(P.EMBEDDED_OBJECT.problem(detail="an ActiveX control"))
