"""The first stage of reading a returned file: its bytes, its zip package and its parts.

``open_package`` names what is wrong with a hostile or broken file before any cell is
read: not a workbook at all, a format we cannot read, a damaged or tampered zip, a zip
bomb, a DTD in any XML part, a package that programs could read two ways, macros,
links, connections, formulas that reach outside the workbook. It checks the zip container
(``container``), follows the package's relationships as Excel does (``graph``) and reads
every part once (``parts``) as it screens it (``part_screening``): the parsed parts are kept
for the reader (``xl_ni179.intake.reader``), which reads the cells from the same trees, so
no part is decompressed or parsed twice.
"""

from __future__ import annotations

import contextlib
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.container import ZIP_ERRORS, check_entries, mb, open_zip
from xl_ni179.intake.safety.graph import Graph, read_graph
from xl_ni179.intake.safety.part_screening import check_content_types, check_names, screen_parts
from xl_ni179.intake.safety.parts import Parts
from xl_ni179.intake.safety.problems import Found, Problem
from xl_ni179.intake.safety.sniff import (
    OLE_MAGIC,
    TEXT_SNIFF_BYTES,
    ZIP_MAGIC,
    classify_ole,
    classify_other,
    other_zip_format,
)
from xl_ni179.intake.safety.xmlscan import Stop, shown


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
                    detail=f"the file is {mb(size)}; a return may be at most {mb(L.MAX_FILE_BYTES)}"
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
        found = Found()
        opened = Opened(found.items)
        with contextlib.ExitStack() as stack:
            try:
                zf = open_zip(fh, size)
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


def _inspect_zip(zf: zipfile.ZipFile, found: Found, opened: Opened) -> None:
    infos = zf.infolist()
    if len(infos) > L.MAX_PARTS:
        raise Stop(
            P.TOO_MANY_PARTS.problem(detail=f"{len(infos):,} parts; at most {L.MAX_PARTS:,}")
        )
    check_entries(zf, infos, found)
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
    check_names(parts, found)  # first: the part names give the most specific detail
    check_content_types(graph.types, parts, found)
    screen_parts(parts, graph, found)
    if not found.items:
        opened.parts, opened.graph = parts, graph
