"""How a typed sign-off date is read: one definition, for the validator and the workbook.

The date cell is a text cell, so what the officer types is kept as typed, whatever the
computer's language: Calc or Excel set to English (USA) would otherwise read 12/05/2010 as
5 December, and refuse 15/05/2009. The text is read day first, or as ISO 8601:

- ``15/05/2009``, ``15-05-2009``, ``15.05.2009``, ``15 05 2009`` and ``15/5/09`` (a two-digit
  year is 20yy);
- ``15 May 2009``, ``15 may 09``, ``15-Sep-2009`` (a month by its first three letters or more);
- ``2009-05-15`` (year first, always ISO order);
- a number (a date the cell was given as a date, by a paste or an older template) is its
  serial day, as a spreadsheet counts it.

``read_serial`` is the validator's reading; ``helper_formulas`` is the same reading as
worksheet formulas, written step by step into hidden cells of the Sign-off sheet, the last
of which (the visible "read as" cell) shows the date or nothing. Each step below names the
formula it mirrors, and an agreement test types the same texts into Calc.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DIGITS = "0123456789"
SEPARATORS = ("/", "-", ".")
FIRST_YEAR, LAST_YEAR = 1901, 9999  # no 1900 leap-year slip; DATE() refuses later years
EPOCH = dt.date(1899, 12, 30)  # serial 0 in the 1900 date system
EXAMPLES = "15/05/2009, 15-05-2009, 15 May 2009 or 2009-05-15"

# The helper cells, by step, in the order they are computed: the normalised text, the text
# without its digits (what shows the form), the three parts, the form, year, month, day.
STEPS = ("text", "residue", "first", "second", "rest", "form", "year", "month", "day")


def _trim(text: str) -> str:
    """Excel's TRIM: no spaces at either end, and single spaces inside."""
    return " ".join(part for part in text.split(" ") if part)


def _parts(text: str) -> tuple[str, str, str]:
    """The text up to the first space, between the first two spaces, and after the second
    (empty where there is no such space, as the formulas' IFERROR gives)."""
    first_space = text.find(" ")
    if first_space < 0:
        return "", "", ""
    second_space = text.find(" ", first_space + 1)
    if second_space < 0:
        return text[:first_space], "", ""
    return text[:first_space], text[first_space + 1 : second_space], text[second_space + 1 :]


def _month(name: str) -> int:
    key = name[:3].lower()
    return MONTHS.index(key) + 1 if len(key) == 3 and key in MONTHS else 0


def read_serial(value: Any) -> float | None:
    """The date ``value`` stands for, as a serial day number; None when it is not a date."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        return None
    text = value
    for sep in SEPARATORS:
        text = text.replace(sep, " ")
    text = _trim(text)
    residue = "".join(c for c in text if c not in DIGITS)
    first, second, rest = _parts(text)
    if residue == "  ":
        form = "iso" if len(first) == 4 else "dmy"
    elif residue == f" {second} " and len(first) != 4:
        form = "name"
    else:
        return None
    if form == "iso":
        year = int(first)
    elif len(rest) == 4:
        year = int(rest)
    elif len(rest) == 2:
        year = 2000 + int(rest)
    else:
        year = 0
    if form == "name":
        month = _month(second)
    else:
        month = int(second) if 1 <= len(second) <= 2 else 0
    if form == "iso":
        day = int(rest) if len(rest) <= 2 else 0
    else:
        day = int(first) if len(first) <= 2 else 0
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12 and day >= 1):
        return None
    try:
        return float((dt.date(year, month, day) - EPOCH).days)
    except ValueError:  # 31 April, 29 February of a common year
        return None


def as_day(serial: float) -> dt.date | None:
    """The calendar day of a serial number, if it is one a spreadsheet can show."""
    if 1 <= serial < (dt.date(LAST_YEAR, 12, 31) - EPOCH).days:
        return EPOCH + dt.timedelta(days=int(serial))
    return None


def serial(day: dt.date) -> int:
    return (day - EPOCH).days


def helper_formulas(entry: str, cells: dict[str, str]) -> dict[str, str]:
    """The worksheet formulas of ``read_serial``: {cell: formula}. ``entry`` is the typed
    date's cell; ``cells`` names a cell for each of ``STEPS`` and for ``read`` (the result)."""
    c = cells
    t = c["text"]
    space1 = f'FIND(" ",{t})'
    space2 = f'FIND(" ",{t},{space1}+1)'
    digits_gone = t
    for digit in DIGITS:
        digits_gone = f'SUBSTITUTE({digits_gone},"{digit}","")'
    text = entry
    for sep in SEPARATORS:
        text = f'SUBSTITUTE({text},"{sep}"," ")'
    haystack = "|" + "|".join(MONTHS) + "|"
    month_at = f'FIND("|"&LOWER(LEFT({c["second"]},3))&"|","{haystack}")'
    y, m, d = c["year"], c["month"], c["day"]
    valid = (
        f"AND({y}>={FIRST_YEAR},{y}<={LAST_YEAR},{m}>=1,{m}<=12,{d}>=1,"
        f"DAY(DATE({y},{m},{d}))={d},MONTH(DATE({y},{m},{d}))={m})"
    )
    return {
        t: f'=IF(ISNUMBER({entry}),"",TRIM({text}))',
        c["residue"]: f"={digits_gone}",
        c["first"]: f'=IFERROR(LEFT({t},{space1}-1),"")',
        c["second"]: f'=IFERROR(MID({t},{space1}+1,{space2}-{space1}-1),"")',
        c["rest"]: f'=IFERROR(MID({t},{space2}+1,LEN({t})),"")',
        c["form"]: (
            f'=IF({c["residue"]}="  ",IF(LEN({c["first"]})=4,"iso","dmy"),'
            f'IF(AND({c["residue"]}=" "&{c["second"]}&" ",LEN({c["first"]})<>4),"name",""))'
        ),
        y: (
            f'=IFERROR(IF({c["form"]}="iso",VALUE({c["first"]}),IF(LEN({c["rest"]})=4,VALUE({c["rest"]}),'
            f"IF(LEN({c['rest']})=2,2000+VALUE({c['rest']}),0))),0)"
        ),
        m: (
            f'=IFERROR(IF({c["form"]}="name",IFERROR(({month_at}-1)/4+1,0),'
            f"IF(AND(LEN({c['second']})>=1,LEN({c['second']})<=2),VALUE({c['second']}),0)),0)"
        ),
        d: (
            f'=IFERROR(IF({c["form"]}="iso",IF(LEN({c["rest"]})<=2,VALUE({c["rest"]}),0),'
            f"IF(LEN({c['first']})<=2,VALUE({c['first']}),0)),0)"
        ),
        c["read"]: (
            f'=IF(ISNUMBER({entry}),{entry},IF({c["form"]}="","",'
            f'IFERROR(IF({valid},DATE({y},{m},{d}),""),"")))'
        ),
    }


READ_COLUMN = "C"  # beside the typed date: how it is read, in long form
HELPER_COLUMNS = "HIJKLMNOP"  # hidden, one per step


def cells_for(cell: str) -> dict[str, str]:
    """Where the steps and the result of reading the date typed in ``cell`` go, on its sheet."""
    row = cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    out = {step: f"{col}{row}" for step, col in zip(STEPS, HELPER_COLUMNS, strict=True)}
    out["read"] = f"{READ_COLUMN}{row}"
    return out


def absolute(sheet: str, cell: str) -> str:
    """'Sign-off'!$C$7 for cell C7 of sheet Sign-off."""
    col = cell.rstrip(DIGITS)
    return f"'{sheet}'!${col}${cell[len(col) :]}"
