"""Small helpers the master workbook's sheet writers share: titles, tables, formats, fills.

They write into a ``Sheet`` (``xl_ni179.consolidate.sheet``), the recording that
``xlsxwriting`` and ``openpyxl_sheet`` turn into a real sheet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from xl_ni179.consolidate.sheet import (
    BOLD,
    HEADER,
    NOTE,
    PLAIN,
    SECTION,
    TITLE,
    Look,
    Sheet,
    as_stored,
)
from xl_ni179.partnership import Agreement, targets
from xl_ni179.template.formats import MONEY_FORMAT, PCT_FORMAT

MONEY = MONEY_FORMAT  # £000 with one decimal; the header says £000
PCT = PCT_FORMAT
POUNDS = '"£"#,##0'
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
HEADER_TALL = 30  # points: two lines of a header that wraps

# Fill colours (RRGGBB) by what they mark.
FILLS = {
    "Green": "C6EFCE",
    "Amber": "FFEB9C",
    "Red": "FFC7CE",
    "Not rated": "EDEDED",
    "accepted": "C6EFCE",
    "rejected": "F8CBAD",
    "missing": "FFC7CE",
    "late": "FFEB9C",
    "total": "DDEBF7",
}


def _stored(value: Any) -> tuple[Any, str | None]:
    """A value as the workbook holds it, and the number format its kind needs (dates)."""
    kind = type(value)
    if kind is str:
        return value, None
    if kind is float:
        return (None, None) if value != value else (as_stored(value), None)  # NaN: no figure
    if value is None:
        return None, None
    if isinstance(value, str):
        return value, None
    if isinstance(value, bool):
        return ("Yes" if value else "No"), None
    if isinstance(value, dt.datetime):
        return value, DATETIME
    if isinstance(value, dt.date):
        return value, DATE
    if isinstance(value, float) and value != value:
        return None, None
    return as_stored(value), None


def put(
    ws: Sheet, row: int, col: int, value: Any, fmt: str | None = None, look: Look = PLAIN
) -> None:
    """Write one value; text always lands as text, never as a formula."""
    stored, kind_format = _stored(value)
    number_format = fmt or kind_format
    ws.put(row, col, stored, look.but(number_format=number_format) if number_format else look)


def title(ws: Sheet, text: str, subtitle: str = "", note_text: str = "") -> int:
    """Sheet title, subtitle and a note; returns the next free row."""
    put(ws, 1, 1, text, look=TITLE)
    row = 2
    if subtitle:
        put(ws, row, 1, subtitle, look=BOLD)
        row += 1
    if note_text:
        note(ws, row, note_text)
        row += 1
    return row + 1


def section(ws: Sheet, row: int, text: str) -> int:
    put(ws, row, 1, text, look=SECTION)
    return row + 1


def note(ws: Sheet, row: int, text: str, col: int = 1) -> int:
    put(ws, row, col, text, look=NOTE)
    return row + 1


def header(ws: Sheet, row: int, labels: Sequence[str], col: int = 1) -> int:
    for offset, label in enumerate(labels):
        put(ws, row, col + offset, label, look=HEADER)
    if any(len(x) > 14 for x in labels):
        ws.set_height(row, HEADER_TALL)
    else:
        ws.heights.pop(row, None)
    return row + 1


def table(
    ws: Sheet,
    row: int,
    labels: Sequence[str],
    rows: Iterable[Sequence[Any]],
    formats: Sequence[str | None] = (),
    col: int = 1,
    wrap: Sequence[int] = (),
) -> int:
    """A header row then data rows; ``formats`` per column; returns the next free row."""
    row = header(ws, row, labels, col)
    boxed = Look(boxed=True)
    plain = [
        boxed.but(wrap=True, valign="top") if offset in wrap else boxed
        for offset in range(len(labels))
    ]
    # Each column's look for each kind of value, worked out once: a table may have thousands of rows.
    looks: dict[tuple[int, str | None], Look] = {}
    for values in rows:
        for offset, value in enumerate(values):
            stored, kind_format = _stored(value)
            look = looks.get((offset, kind_format))
            if look is None:
                number_format = (formats[offset] if offset < len(formats) else None) or kind_format
                base = plain[offset] if offset < len(plain) else boxed
                look = looks[(offset, kind_format)] = (
                    base.but(number_format=number_format) if number_format else base
                )
            ws.put(row, col + offset, stored, look)
        row += 1
    return row


def fill_row(ws: Sheet, row: int, first: int, last: int, fill: str) -> None:
    for col in range(first, last + 1):
        ws.restyle(row, col, fill=fill)


def bold_row(ws: Sheet, row: int, first: int, last: int) -> None:
    for col in range(first, last + 1):
        ws.restyle(row, col, bold=True)


def widths(ws: Sheet, sizes: Sequence[float], first: int = 1) -> None:
    for offset, size in enumerate(sizes):
        ws.set_width(first + offset, size)


def basis_note(agreement: Agreement) -> str:
    """What an agreement's gains figures are, in words, with the years it reports only."""
    text = f"Gains counted: {targets.basis_text(agreement)}."
    base = targets.base_year(agreement)
    if base:
        text += (
            f" From {agreement.counts_from} each figure is NI 179 for the year less NI 179 at the "
            f"end of {base}, so gains made before {agreement.label} started do not count towards it."
        )
    if agreement.reported_only:
        listed = ", ".join(agreement.reported_only)
        text += (
            f" {listed}: reported against its own rate (NI 179 for that year) but not counted "
            f"towards the cumulative target."
        )
    return text
