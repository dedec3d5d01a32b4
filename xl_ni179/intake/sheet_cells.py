"""Reading one sheet's part, in one pass over its elements: its cells (values, and formulas
in every cell they cover), their formats, merged cells, protection and conditional formats.
A cell both programs would not read the same way is an ``XlsxAmbiguity``, never a guess."""

from __future__ import annotations

from typing import Any

from openpyxl.utils.cell import get_column_letter

from xl_ni179.intake.raw import ADDRESSES, Limits, RawWorkbook, Shading, address
from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety.formulas import screen
from xl_ni179.intake.safety.xmlscan import Stop, shown
from xl_ni179.intake.values import (
    XlsxAmbiguity,
    XlsxReadError,
    bounds,
    translate,
    typed,
    unescape,
)
from xl_ni179.spec.formulas import Formula
from xl_ni179.spec.schema import column_letters

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_XM = "{http://schemas.microsoft.com/office/excel/2006/main}"
_X14 = "{http://schemas.microsoft.com/office/spreadsheetml/2009/9/main}"
SHEET_DATA, ROW, CELL = MAIN + "sheetData", MAIN + "row", MAIN + "c"
V, F, IS, T, R = MAIN + "v", MAIN + "f", MAIN + "is", MAIN + "t", MAIN + "r"
RPH, EXT_LIST = MAIN + "rPh", MAIN + "extLst"
DIMENSION, MERGE_CELLS, PROTECTION = (
    MAIN + "dimension",
    MAIN + "mergeCells",
    MAIN + "sheetProtection",
)
CONDITIONAL = MAIN + "conditionalFormatting"
_AREAS = frozenset({DIMENSION, MERGE_CELLS, MAIN + "hyperlinks"})


def truth(value: str | None, what: str = "") -> bool:
    """An XML boolean as the programs write it (1, 0, true, false); anything else is read
    differently by different programs."""
    if value is None or value in ("0", "false"):
        return False
    if value in ("1", "true"):
        return True
    raise XlsxAmbiguity(
        f"{what or 'a setting'} is '{shown(value, 20)}', which programs read differently"
    )


def text_of(el: Any, limits: Limits, what: str) -> str:
    """Plain text, or rich-text runs, of a shared string or inline string; phonetic hints
    (rPh) are not text. Anything else inside is something one program would show and
    another not."""
    plain: str | None = None
    runs: list[str] = []
    for child in el:
        tag = child.tag
        if tag == T:
            if plain is not None:
                raise XlsxAmbiguity(f"{what} has two texts")
            plain = child.text or ""
        elif tag == R:
            runs.extend(t.text or "" for t in child if t.tag == T)
        elif tag not in (RPH, MAIN + "phoneticPr", EXT_LIST):
            raise XlsxAmbiguity(f"{what} holds content that programs read differently")
    if plain is not None and runs:
        raise XlsxAmbiguity(
            f"{what} has both plain text and formatted text, which programs show differently"
        )
    text = unescape(plain if plain is not None else "".join(runs))
    if len(text) > L.TEXT_SURELY_FITS:
        limits.text(text)
    return text


def _place(coord: str | None, row: int, column: int) -> tuple[str, tuple[int, int]]:
    """A cell's address and (row, column), read from its ``r`` or, without one, placed after
    the cell before it, as Excel and Calc place it."""
    if coord is None:
        return f"{column_letters(column + 1)}{row}", (row, column + 1)
    hit = address(coord)
    if hit is None:
        raise XlsxReadError(f"a cell has no valid address ({shown(coord, 20)!r})")
    return coord, hit


def _inline(el: Any, limits: Limits) -> str:
    """An inline string's text (``<is>``)."""
    first = el[0] if len(el) == 1 else None
    if first is not None and first.tag == T and not len(first):  # plain text: the usual
        value: str = first.text or ""
        value = unescape(value) if "_x" in value else value
        if len(value) > L.TEXT_SURELY_FITS:
            limits.text(value)
        return value
    return text_of(el, limits, "the cell's text")


# Formulas already screened and made, by their text: returns repeat the same few hundred.
# Bounded, as a hostile file's formulas are all new.
_FORMULAS: dict[str, Formula] = {}


_FORMULAS_MAX = 16384
_FORMULA_LONGEST = 4096  # longer formulas are screened each time: no file leaves megabytes behind


def _formula_of(text: str) -> Formula:
    formula = Formula("=" + text)
    if len(_FORMULAS) < _FORMULAS_MAX and len(text) <= _FORMULA_LONGEST:
        _FORMULAS[text] = formula
    return formula


class _Span:
    """A formula written once for a block of cells (array and data-table formulas)."""

    __slots__ = ("anchor", "formula", "ref")

    def __init__(self, anchor: str, formula: Formula, ref: str) -> None:
        self.anchor, self.formula, self.ref = anchor, formula, ref


def _data_table(f: Any) -> Formula:
    """How Excel shows a data table's formula: {=TABLE(row input, column input)}."""
    r1, r2 = f.get("r1", ""), f.get("r2", "")
    if f.get("dt2D") in ("1", "true"):
        return Formula(f"=TABLE({r1},{r2})")
    return Formula(f"=TABLE({r1},)" if f.get("dtr") in ("1", "true") else f"=TABLE(,{r1})")


def read_sheet(root: Any, strings: list[str], sheet: str, limits: Limits, raw: RawWorkbook) -> None:
    if root.tag != MAIN + "worksheet":
        raise XlsxAmbiguity("the sheet's part holds no sheet")
    datas = [child for child in root if child.tag == SHEET_DATA]
    if len(datas) > 1:
        raise XlsxAmbiguity("the sheet's cells are written twice")
    cells: dict[str, Any] = {}
    cached: dict[str, Any] = {}
    styled: dict[str, int] = {}
    shared: dict[
        str, tuple[str, str, tuple[int, int, int, int]]
    ] = {}  # si -> (master, text, block)
    spans: list[_Span] = []
    own_formula: set[str] = set()
    count = 0
    row_number = 0
    max_row, max_column = limits.max_row, limits.max_column
    date1904 = raw.date1904
    formats = len(raw.looks.looks)
    addresses, known = ADDRESSES, _FORMULAS
    max_chars = L.TEXT_SURELY_FITS  # longer texts are measured (limits.text)
    coord: str | None = ""
    used_strings = False
    try:
        for row in datas[0] if datas else ():
            if row.tag != ROW:
                raise XlsxAmbiguity("the sheet's data holds something other than rows")
            r = row.get("r")
            if r is None:
                row_number += 1
            elif r.isascii() and r.isdigit() and int(r) > row_number:
                row_number = int(r)
            else:
                raise XlsxAmbiguity(
                    f"row {shown(r, 12)} is written twice, out of order or without a number",
                    cell=f"row {shown(r, 12)}",
                )
            if row_number > max_row:  # named by its first cell, as a person would look for it
                first = row[0].get("r") if len(row) else None
                limits.place_at(row_number, 1, first or f"A{row_number}", sheet)
            column = 0
            for c in row:
                if c.tag != CELL:
                    if c.tag == EXT_LIST:
                        continue
                    raise XlsxAmbiguity(
                        f"row {row_number} holds something other than cells", cell=f"A{row_number}"
                    )
                count += 1
                coord = c.get("r")
                hit = addresses.get(coord)  # None (no address) is a miss, like any other
                if hit is None:
                    place, hit = _place(coord, row_number, column)
                    coord = place
                if hit[1] > max_column or hit[0] > max_row:
                    limits.place_at(hit[0], hit[1], coord, sheet)
                if hit[0] != row_number or hit[1] <= column:
                    raise XlsxAmbiguity(
                        "the cell is written twice, out of order, or in another row's place"
                    )
                column = hit[1]
                style = c.get("s")
                if style is not None and style != "0":
                    if not (style.isascii() and style.isdigit()) or int(style) >= formats:
                        raise XlsxAmbiguity(
                            f"the cell's format is '{shown(style, 12)}', which the style sheet "
                            "does not define"
                        )
                    styled[coord] = int(style)
                n = len(c)
                if not n:
                    continue  # a formatted but empty cell
                kind = c.get("t")
                first = c[0]
                tag = first.tag
                # The usual cells first: a number, a plain inline text, a formula of its own.
                if n == 1 and tag == V and kind is None:
                    value = typed("n", first.text or "", strings, date1904)
                    if value is not None:
                        cells[coord] = value
                    continue
                if n == 1 and tag == IS and kind == "inlineStr":
                    text = (
                        first[0].text
                        if len(first) == 1 and first[0].tag == T and not len(first[0])
                        else None
                    )
                    if text is None or "_x" in text or len(text) > max_chars:
                        text = _inline(first, limits)  # rich text, escapes, empty or too long
                    cells[coord] = text
                    continue
                v = f = inline = None
                for child in c:
                    tag = child.tag
                    if tag == V and v is None:
                        v = child.text or ""
                    elif tag == F and f is None:
                        f = child
                    elif tag == IS and inline is None:
                        inline = child
                    elif tag != EXT_LIST:
                        raise XlsxAmbiguity("the cell holds content that programs read differently")
                if kind == "inlineStr":
                    if inline is None or v is not None:
                        raise XlsxAmbiguity("the cell's text is written in two ways")
                    value = _inline(inline, limits)
                elif inline is not None:
                    raise XlsxAmbiguity("the cell's text is written in two ways")
                elif v is None:
                    value = None
                else:
                    value = typed(kind or "n", v, strings, date1904)
                    used_strings = used_strings or kind == "s"
                if f is None:
                    if value is not None:
                        cells[coord] = value
                    continue
                own_formula.add(coord)
                cached[coord] = value
                text = f.text
                if text and f.get("t") is None:  # a formula of its own: the usual
                    formula = known.get(text)
                    if formula is None:
                        _screened(text, sheet, coord)
                        formula = _formula_of(text)
                    cells[coord] = formula
                else:
                    cells[coord] = _formula(f, coord, sheet, shared, spans)
    except XlsxAmbiguity as exc:
        exc.cell = exc.cell or coord or ""
        raise
    for span in spans:
        _spread(span, cells, cached, own_formula, count, sheet, limits)
    limits.cells(count, sheet)
    limits.total += count
    limits.last, limits.last_used_strings = count, used_strings
    _sheet_extras(root, datas[0] if datas else None, sheet, limits, raw)
    raw.cells[sheet], raw.cached[sheet], raw.styles[sheet] = cells, cached, styled


def _formula(
    f: Any,
    coord: str,
    sheet: str,
    shared: dict[str, tuple[str, str, tuple[int, int, int, int]]],
    spans: list[_Span],
) -> Formula:
    """The formula a cell's <f> gives it, with every kind written once for many cells."""
    text, kind = f.text or "", f.get("t") or "normal"
    if kind == "shared":
        si = f.get("si")
        if si is None:
            raise XlsxAmbiguity("the cell's shared formula has no number")
        if text:
            if si in shared:  # programs disagree on which master a cell then follows
                raise XlsxAmbiguity(
                    f"the shared formula {shown(si, 12)} is defined twice "
                    f"(in {shared[si][0]} and {coord})"
                )
            block = bounds(f.get("ref") or coord)
            if block is None or (block[0], block[1]) != _corner(coord):
                raise XlsxAmbiguity("the shared formula does not start at its own cell")
            _screened(text, sheet, coord)
            shared[si] = (coord, text, block)
            return Formula("=" + text)
        master = shared.get(si)
        if master is None:  # Calc shows nothing, or an error, Excel another value
            raise XlsxAmbiguity("the cell uses a shared formula that is not written before it")
        col, row = _corner(coord)
        min_col, min_row, max_col, max_row = master[2]
        if not (min_col <= col <= max_col and min_row <= row <= max_row):
            raise XlsxAmbiguity(
                f"the cell uses the shared formula of {master[0]} from outside the cells it "
                f"covers ({shown(f'{min_col}:{max_col}', 30)})"
            )
        return Formula(translate(master[1], master[0], coord))
    if kind == "dataTable":
        formula = _data_table(f)
        spans.append(_Span(coord, formula, f.get("ref") or coord))
        return formula
    if kind not in ("normal", "array"):
        raise XlsxAmbiguity(f"the cell's formula is of the unknown kind '{shown(kind, 20)}'")
    if not text.strip():  # Calc shows Err:520; Excel repairs the file
        raise XlsxAmbiguity("the cell has a formula with no text")
    _screened(text, sheet, coord)
    formula = Formula("=" + text)
    if kind == "array":
        spans.append(_Span(coord, formula, f.get("ref") or coord))
    return formula


def _screened(text: str, sheet: str, coord: str) -> None:
    concern = screen(text)
    if concern is not None:
        where = f"sheet {shown(sheet, 40)}, cell {coord}"
        raise Stop(
            concern.kind.problem(
                sheet=sheet, cell=coord, detail=f"the formula in {where}: {concern.what}"
            )
        )


def _corner(coord: str) -> tuple[int, int]:
    row, column = address(coord) or (0, 0)
    return column, row


def _spread(
    span: _Span,
    cells: dict[str, Any],
    cached: dict[str, Any],
    own: set[str],
    budget: int,
    sheet: str,
    limits: Limits,
) -> None:
    """Give every cell of an array or data-table formula's block that formula (it is written
    once, on the block's first cell), as Excel and Calc show it there."""
    block = bounds(span.ref)
    if block is None or (block[0], block[1]) != _corner(span.anchor):
        raise XlsxAmbiguity("the formula's block does not start at its own cell", cell=span.anchor)
    min_col, min_row, max_col, max_row = block
    limits.place_at(max_row, max_col, f"{get_column_letter(min(max_col, 18278))}{max_row}", sheet)
    if (max_col - min_col + 1) * (max_row - min_row + 1) > max(budget, 1) + L.MAX_COLUMNS:
        raise XlsxAmbiguity(
            "the formula covers far more cells than the sheet holds", cell=span.anchor
        )
    for row in range(min_row, max_row + 1):
        for col in range(min_col, max_col + 1):
            coord = f"{get_column_letter(col)}{row}"
            if coord == span.anchor:
                continue
            if coord in own:
                raise XlsxAmbiguity(
                    f"the cell has a formula of its own inside the block of {span.anchor}",
                    cell=coord,
                )
            if coord in cells:
                cached[coord] = cells[coord]
            cells[coord] = span.formula


def _sheet_extras(root: Any, data: Any, sheet: str, limits: Limits, raw: RawWorkbook) -> None:
    """Everything of a sheet but its cells, in one pass over its elements: protection, merged
    cells, conditional formats; ranges a reader could size a grid from; and cells or rows
    anywhere but in the sheet's data (an extension list, say), which Excel and Calc never
    read and a reader that searches the part would."""
    merged: list[str] = []
    shading: list[Shading] = []
    protection = None
    for child in root:
        if child is data:
            continue
        tag = child.tag
        stray = next(child.iter(CELL), None)
        if stray is None:
            stray = next(child.iter(ROW, SHEET_DATA), None)
        if stray is not None:
            raise XlsxAmbiguity(
                "the sheet holds cells outside its data, which some programs read",
                cell=stray.get("r") or "",
            )
        if tag in _AREAS:
            for element in (child,) if tag == DIMENSION else child:
                ref = element.get("ref") or ""
                for area in ref.split():
                    for corner in area.split(":")[:2]:
                        limits.place(corner, sheet)
                if tag == MERGE_CELLS:
                    merged.append(ref)
        elif tag == PROTECTION and protection is None:
            protection = child
        elif tag == CONDITIONAL:
            _shading(child, raw, shading)
        elif tag == EXT_LIST:
            _x14_shading(child, shading)
    raw.merged[sheet] = merged
    # Protection counts whatever password form it carries (legacy hash, algorithmName/hashValue, none).
    raw.protected[sheet] = protection is not None and truth(
        protection.get("sheet"), "the sheet's protection"
    )
    raw.shading[sheet] = shading


def _shading(block: Any, raw: RawWorkbook, shading: list[Shading]) -> None:
    """A conditional format's rules that change how its cells look."""
    sqref = block.get("sqref") or ""
    for rule in block.iterfind(MAIN + "cfRule"):
        hides = any(
            el.get("showValue") in ("0", "false")
            for el in rule.iter(MAIN + "dataBar", MAIN + "iconSet")
        )
        dxf = rule.get("dxfId")
        differential = raw.looks.differential(int(dxf)) if dxf and dxf.isdigit() else None
        if hides or (
            differential and (differential.format is not None or differential.font is not None)
        ):
            shading.append(
                Shading(
                    sqref,
                    differential.format if differential else None,
                    differential.font if differential else None,
                    hides,
                )
            )


def _x14_shading(extensions: Any, shading: list[Shading]) -> None:
    """Excel 2010's own conditional formats, in the sheet's extLst, whose looks are written inline."""
    for block in extensions.iter(_X14 + "conditionalFormatting"):
        sqref = " ".join(el.text or "" for el in block.iter(_XM + "sqref"))
        for rule in block.iter(_X14 + "cfRule"):
            hides = any(
                el.get("showValue") in ("0", "false")
                for el in rule.iter(_X14 + "dataBar", _X14 + "iconSet")
            )
            fmt = next(rule.iter(MAIN + "numFmt"), None)
            colour = next(rule.iter(MAIN + "color"), None)
            font = (colour.get("rgb") or "")[-6:].upper() or None if colour is not None else None
            if hides or fmt is not None or font is not None:
                shading.append(
                    Shading(
                        sqref, fmt.get("formatCode", "") if fmt is not None else None, font, hides
                    )
                )
