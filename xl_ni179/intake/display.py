"""Does each input cell show the figure we record?

A cell's value and what it shows are two things: the number format decides how the value
is drawn (a date format draws 39945 as 12/05/2009, ``0,,`` divides by a million,
``;;;`` draws nothing), the font can be the colour of the fill, a merged range can cover
the cell, a conditional format can change the format or draw a bar in place of the value.
The partner signs off what they see; we record the value. So an input whose format is
not the template's (in the template's spelling or one a real program writes for it), or
whose value is not visible, is an error that says what the cell shows and how to put it
right.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from typing import Any

from xl_ni179.intake.numfmt import canonical, shows
from xl_ni179.intake.reader import RawWorkbook, Shading
from xl_ni179.intake.styles import Look
from xl_ni179.intake.values import bounds
from xl_ni179.rules.findings import Report
from xl_ni179.rules.structure_rules import INPUT_FORMAT_CHANGED, INPUT_HIDDEN
from xl_ni179.spec.schema import DATE, MONEY, Field, Schema
from xl_ni179.template.styles import DATE_FORMAT, MONEY_FORMAT

# The formats an input may have: the template's, in any program's spelling (Calc writes
# the money format as #,##0.0;[RED]\-#,##0.0, which is the same format), and General, which
# shows a number as it is: what a plain paste of plain numbers from another spreadsheet
# leaves, and nothing to correct. The date cell is a text cell (xl_ni179.checks.dates); a
# date pasted into it, or given as a date by an older template, has a date format, or the
# ISO form Calc gives a cell when a date is typed into it as 2009-05-12.
TEXT_FORMATS = frozenset({canonical("General"), canonical("@")})
ALLOWED = {
    MONEY: frozenset({canonical(MONEY_FORMAT), canonical("General")}),
    DATE: frozenset({canonical(DATE_FORMAT), canonical("yyyy-mm-dd")}) | TEXT_FORMATS,
}
ENTRY = {MONEY: "the amount in £000 as a number", DATE: "the date, like 14/05/2009"}
PAINTER = (
    "Give sheet {sheet}, cell {cell} back the template's format: click another yellow input cell on the "
    "{sheet} sheet, click the Format Painter (Excel, Home tab) or Clone Formatting (LibreOffice, the "
    "paintbrush) button, then click sheet {sheet}, cell {cell}."
)
MIN_CONTRAST = 1.3  # text this close to its background's colour cannot be read
MIN_POINTS = 4.0


def check_inputs_shown(
    raw: RawWorkbook, schema: Schema, report: Report, skip: Collection[str] = ()
) -> None:
    """A finding for each input whose cell does not show the value we record (``skip``: the
    inputs already found to hold a formula)."""
    for f in schema.fields:
        value = raw.value(f.sheet, f.cell)
        if value is None or value == "" or f.name in skip:
            continue
        look = raw.looks.look(raw.styles.get(f.sheet, {}).get(f.cell, 0))
        if look is None:
            continue  # the reader refuses a cell format the style sheet does not define
        _check_format(f, value, look.formats, report, "")
        _check_visible(f, value, look, raw, report)


def _allowed(f: Field) -> frozenset[str]:
    return ALLOWED.get(f.type, TEXT_FORMATS)


def _shown_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"'{value}'" if isinstance(value, str) else str(value)


def _check_format(
    f: Field, value: Any, formats: tuple[str, ...], report: Report, when: str
) -> bool:
    allowed = _allowed(f)
    wrong = next((code for code in formats if canonical(code) not in allowed), None)
    if wrong is None:
        return True
    report.add(
        INPUT_FORMAT_CHANGED.finding(
            sheet=f.sheet,
            cell=f.cell,
            field=f.name,
            label=f.label,
            shown=shows(value, wrong),
            value=_shown_value(value),
            format=wrong[:60],
            when=when,
            entry=ENTRY.get(f.type, "the text"),
            undo=(
                PAINTER
                if not when
                else "Remove the conditional formatting from sheet {sheet}, cell {cell} "
                "(Home > Conditional Formatting > Clear Rules > Clear Rules from Selected Cells)."
            ).format(sheet=f.sheet, cell=f.cell),
        )
    )
    return False


def _luminance(rgb: str) -> float:
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(rgb[i : i + 2]) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@lru_cache(maxsize=1024)  # a return's inputs share a few colours; a hostile file's are bounded
def contrast(font: str, fill: str) -> float:
    """The contrast ratio of two colours (1 = the same, 21 = black on white)."""
    try:
        a, b = sorted((_luminance(font), _luminance(fill)), reverse=True)
    except ValueError:
        return 21.0  # a colour we cannot read: not evidence of hiding
    return (a + 0.05) / (b + 0.05)


def _hidden(f: Field, value: Any, report: Report, reason: str, undo: str) -> None:
    report.add(
        INPUT_HIDDEN.finding(
            sheet=f.sheet,
            cell=f.cell,
            field=f.name,
            label=f.label,
            value=_shown_value(value),
            reason=reason,
            undo=undo.format(sheet=f.sheet, cell=f.cell),
        )
    )


@lru_cache(maxsize=2048)  # the template's areas come back in every return; a hostile file's are new
def _boxes(sqref: str) -> tuple[tuple[int, int, int, int], ...]:
    return tuple(box for area in sqref.split() if (box := bounds(area)) is not None)


def _covers(sqref: str, cell: str) -> bool:
    target = _boxes(cell)
    if not target:
        return False
    col, row = target[0][0], target[0][1]
    return any(box[0] <= col <= box[2] and box[1] <= row <= box[3] for box in _boxes(sqref))


def _check_visible(f: Field, value: Any, look: Look, raw: RawWorkbook, report: Report) -> None:
    if contrast(look.font, look.fill) < MIN_CONTRAST:
        _hidden(f, value, report, "its text is the colour of its background", PAINTER)
        return
    if look.size < MIN_POINTS:
        _hidden(
            f, value, report, f"its text is {look.size:g} points high, too small to read", PAINTER
        )
        return
    for merged in raw.merged.get(f.sheet, ()):
        boxes = _boxes(merged)
        box = boxes[0] if len(boxes) == 1 else None
        if (
            box is not None
            and _covers(merged, f.cell)
            and _boxes(f.cell) != ((box[0], box[1], box[0], box[1]),)
        ):
            _hidden(
                f,
                value,
                report,
                f"it is covered by the merged cells {merged[:30]}, which show only their "
                "first cell",
                f"Select {merged[:30]} and click Home > Merge & Center to unmerge the cells.",
            )
            return
    for shading in raw.shading.get(f.sheet, ()):
        if _covers(shading.sqref, f.cell) and not _shading_ok(f, value, look, shading, report):
            return


def _shading_ok(f: Field, value: Any, look: Look, shading: Shading, report: Report) -> bool:
    undo = (
        "Remove the conditional formatting from sheet {sheet}, cell {cell} (Home > Conditional Formatting > Clear "
        "Rules > Clear Rules from Selected Cells)."
    )
    if shading.hides:
        _hidden(
            f, value, report, "a conditional format draws a bar or icon in place of the value", undo
        )
        return False
    if shading.font is not None and contrast(shading.font, look.fill) < MIN_CONTRAST:
        _hidden(f, value, report, "a conditional format colours its text like its background", undo)
        return False
    if shading.format is not None:
        return _check_format(f, value, (shading.format,), report, " by a conditional format")
    return True
