"""Reading a returned workbook as Excel and LibreOffice Calc read it, in one pass.

``read_package`` opens the file once (``xl_ni179.intake.safety.open_package``: the zip, the
relationship graph, every part screened) and reads the cells from the same parsed parts:
the sheets the workbook lists, by their relationships; the shared strings and the styles
by theirs. Nothing is read because of a part's name, and a value only ever comes from
where Excel and Calc take one: ``worksheet/sheetData/row/c``. A cell both programs would
not read the same way (given twice, out of its row, a formula with no text, a shared
formula with no master, a number in a form one program does not parse...) is refused as
``ambiguous-cell``, never guessed at.

Formulas are kept as ``Formula`` in every cell they cover (shared, array and data-table
formulas are written once for many cells), so an input that holds any kind of formula is
seen as one. Cached formula results are kept apart and never used as figures.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xl_ni179.intake.raw import (
    DefinedName,
    Limits,
    RawWorkbook,
    Shading,
    SheetInfo,
    XlsxLimitError,
    address,
)
from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.container import ZIP_ERRORS
from xl_ni179.intake.safety.graph import OFFICE, R_NS, Graph, read_relationships
from xl_ni179.intake.safety.package import open_package
from xl_ni179.intake.safety.parts import Parts, memorable, recall, remember
from xl_ni179.intake.safety.problems import Problem
from xl_ni179.intake.safety.xmlscan import Stop, shown
from xl_ni179.intake.sheet_cells import EXT_LIST, MAIN, T, read_sheet, text_of, truth
from xl_ni179.intake.styles import read_styles
from xl_ni179.intake.values import (
    DAYS_1904,
    XlsxAmbiguity,
    XlsxReadError,
    unescape,
)
from xl_ni179.spec.formulas import Formula

__all__ = [
    "DAYS_1904",
    "Formula",
    "XlsxReadError",
    "XlsxLimitError",
    "XlsxAmbiguity",
    "RawWorkbook",
    "DefinedName",
    "Reading",
    "Shading",
    "SheetInfo",
    "read_package",
    "read_workbook",
]


THEME = OFFICE + "theme"


@dataclass
class Reading:
    """What reading a file gave: its problems (file rules, by code) or its workbook."""

    problems: list[Problem]
    workbook: RawWorkbook | None = None


def read_package(path: str | os.PathLike[str]) -> Reading:
    """Check and read the file at ``path`` in one pass; never raises for a bad file.

    Raises OSError only when the file itself cannot be opened.
    """
    with open_package(path) as opened:
        if opened.problems or opened.parts is None or opened.graph is None:
            return Reading(opened.problems)
        try:
            return Reading([], _read(opened.parts, opened.graph))
        except XlsxLimitError as exc:
            problem = exc.problem
        except XlsxAmbiguity as exc:
            problem = _ambiguity(exc)
        except XlsxReadError as exc:
            problem = P.CORRUPT_FILE.problem(detail=str(exc))
        except Stop as stop:
            problem = stop.problem
        except ZIP_ERRORS as exc:
            problem = P.CORRUPT_FILE.problem(
                detail=f"its zip structure is broken: {shown(str(exc))}"
            )
        return Reading([problem])


def _ambiguity(exc: XlsxAmbiguity) -> Problem:
    """A cell (or row, or sheet) programs would read differently; or, outside any sheet, the
    package (the workbook's settings, its names, its styles)."""
    if not exc.sheet:
        return P.AMBIGUOUS_PACKAGE.problem(detail=exc.detail)
    cell = exc.cell if address(exc.cell) is not None else ""
    place = f"cell {cell}" if cell else exc.cell or "the sheet's data"
    return P.AMBIGUOUS_CELL.problem(sheet=exc.sheet, cell=cell, place=place, detail=exc.detail)


def read_workbook(path: str | Path) -> RawWorkbook:
    """``read_package`` for code that wants the workbook or an exception: XlsxLimitError
    carrying the first problem found."""
    reading = read_package(path)
    if reading.workbook is None:
        raise XlsxLimitError(reading.problems[0])
    return reading.workbook


def _read(parts: Parts, graph: Graph) -> RawWorkbook:
    raw = RawWorkbook()
    _workbook(parts.tree(graph.workbook), graph, raw)
    theme = next((r.part for r in graph.workbook_rels if r.type == THEME and r.part), None)
    try:
        raw.looks = read_styles(
            parts.tree(graph.styles) if graph.styles else None,
            parts.tree(theme) if theme and parts.is_xml(theme) else None,
        )
    except XlsxAmbiguity as exc:
        raise XlsxAmbiguity(exc.detail) from None
    limits = Limits()
    strings = _shared_strings(parts.tree(graph.strings), limits) if graph.strings else []
    for entry in graph.sheets:
        raw.sheets.append(SheetInfo(entry.name, entry.state, entry.part))
        if entry.kind != "worksheet":  # a chart sheet has no cells
            raw.cells[entry.name], raw.cached[entry.name], raw.protected[entry.name] = {}, {}, False
            continue
        try:
            _read_sheet(parts, entry.part, strings, entry.name, limits, raw)
            _links(parts, entry.part, entry.name, raw)
        except XlsxAmbiguity as exc:
            exc.sheet = exc.sheet or entry.name
            raise
        parts.drop(entry.part)
    return raw


def _links(parts: Parts, part: str, sheet: str, raw: RawWorkbook) -> None:
    """The sheet's links: each hyperlink's cells and where it goes (its relationship's target,
    with the place inside it; or #place, a place in this workbook)."""
    data = parts.data(part)
    if b"hyperlink" not in data:
        return
    targets = {r.id: r.target for r in read_relationships(parts, part)}
    links: dict[str, str] = {}
    for el in parts.tree(part).iterfind(f"{MAIN}hyperlinks/{MAIN}hyperlink"):
        rid, place = el.get(f"{{{R_NS}}}id"), el.get("location")
        target = targets.get(rid, "") if rid else ""
        links[el.get("ref") or ""] = (
            target + (f"#{place}" if place else "") if target else f"#{place or ''}"
        )
    if links:
        raw.hyperlinks[sheet] = links


@dataclass(frozen=True)
class _SheetRead:
    """Everything reading one sheet's part gave (its cells, formats, merges, protection...)."""

    cells: dict[str, Any]
    cached: dict[str, Any]
    styled: dict[str, int]
    merged: list[str]
    shading: list[Shading]
    protected: bool
    count: int


# Sheets already read in this process, by everything their reading depends on: the part's
# bytes (compared whole: only the very same sheet is read from memory), the workbook's date
# system and formats, and the limits. A worker validating a round meets the same unchanged
# sheet of a template (the Checks sheet, say) in return after return. A sheet whose cells
# took a shared string depends on that file's table too, and is never kept: the reading
# itself says so, as no scan of the bytes can (t="&#115;" is t="s" to a parser).
_SHEETS: dict[tuple[Any, ...], _SheetRead] = {}


def _read_sheet(
    parts: Parts, part: str, strings: list[str], sheet: str, limits: Limits, raw: RawWorkbook
) -> None:
    data = parts.data(part)
    # A sheet with links needs its relationships too, and is always read.
    key = (
        None
        if b"hyperlink" in data or not memorable(data)
        else (
            data,
            raw.date1904,
            len(raw.looks.looks),
            tuple(raw.looks.differentials),
            (
                L.MAX_ROWS,
                L.MAX_COLUMNS,
                L.MAX_CELLS_PER_SHEET,
                L.MAX_STRING_CHARS,
                L.MAX_ELEMENTS_LARGE,
            ),
        )
    )
    held = recall(_SHEETS, key) if key is not None else None
    if held is None:
        read_sheet(parts.tree(part), strings, sheet, limits, raw)
        if key is not None and not limits.last_used_strings:
            remember(
                _SHEETS,
                key,
                _SheetRead(
                    raw.cells[sheet],
                    raw.cached[sheet],
                    raw.styles[sheet],
                    raw.merged[sheet],
                    raw.shading[sheet],
                    raw.protected[sheet],
                    limits.last,
                ),
            )
            # The memo keeps what was read; this file gets copies, as every later one does.
            raw.cells[sheet], raw.cached[sheet] = dict(raw.cells[sheet]), dict(raw.cached[sheet])
            raw.styles[sheet], raw.merged[sheet] = dict(raw.styles[sheet]), list(raw.merged[sheet])
            raw.shading[sheet] = list(raw.shading[sheet])
        return
    limits.cells(held.count, sheet)
    limits.total += held.count
    raw.cells[sheet], raw.cached[sheet], raw.styles[sheet] = (
        dict(held.cells),
        dict(held.cached),
        dict(held.styled),
    )
    raw.merged[sheet], raw.shading[sheet], raw.protected[sheet] = (
        list(held.merged),
        list(held.shading),
        held.protected,
    )


def _workbook(root: Any, graph: Graph, raw: RawWorkbook) -> None:
    """The names, flags and protection of the workbook part."""
    names = [s.name for s in graph.sheets]
    properties = root.findall(MAIN + "workbookPr")
    if len(properties) > 1:
        raise XlsxAmbiguity("the workbook's settings are written twice")
    if properties:
        raw.date1904 = truth(properties[0].get("date1904"), "the workbook's date system")
    protection = root.find(MAIN + "workbookProtection")
    raw.structure_locked = protection is not None and protection.get("lockStructure") in (
        "1",
        "true",
    )
    for el in root.iterfind(f"{MAIN}definedNames/{MAIN}definedName"):
        name, text, local = el.get("name", ""), el.text or "", el.get("localSheetId")
        sheet = None
        if local is not None:  # sheet-scoped: kept apart, as it can shadow a workbook name
            if not (local.isascii() and local.isdigit()) or int(local) >= len(names):
                raise XlsxAmbiguity(
                    f"the defined name '{shown(name, 40)}' belongs to a sheet that does not exist"
                )
            sheet = names[int(local)]
        if sheet is None:
            raw.names[name] = text
        raw.defined.append(
            DefinedName(name, text, sheet, truth(el.get("hidden"), "a name's hidden flag"))
        )


def _shared_strings(root: Any, limits: Limits) -> list[str]:
    declared = root.get("uniqueCount", "0")
    if not declared.isdigit() or len(declared) > 12 or int(declared) > L.MAX_SHARED_STRINGS:
        raise limits.fail(
            P.TOO_MUCH_TEXT,
            detail=f"the text table claims {declared[:20]} different pieces of text",
        )
    strings: list[str] = []
    for si in root:
        if si.tag != MAIN + "si":
            if si.tag == EXT_LIST:
                continue
            raise XlsxAmbiguity("the table of text holds something other than text")
        if len(strings) >= L.MAX_SHARED_STRINGS:
            raise limits.fail(
                P.TOO_MUCH_TEXT,
                detail=f"more than {L.MAX_SHARED_STRINGS:,} different pieces of text",
            )
        first = si[0] if len(si) == 1 else None
        if first is not None and first.tag == T:  # plain text: the usual
            text = first.text or ""
            text = unescape(text) if "_x" in text else text
            if len(text) > L.TEXT_SURELY_FITS:
                limits.text(text)
        else:
            text = text_of(si, limits, f"piece of text {len(strings)} in the table of text")
        strings.append(text)
    return strings
