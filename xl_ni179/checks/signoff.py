"""The checks of the sign-off as a whole: two different people signed it, and each date is
within the round's window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from xl_ni179.checks import dates
from xl_ni179.checks.base import Check, as_text, data_check
from xl_ni179.rules.data_rules import SIGNOFF_DATE_IMPLAUSIBLE, SIGNOFF_SAME_PERSON
from xl_ni179.spec.schema import DATE, SIGNING_SLACK_DAYS, SIGNOFF, Schema


@data_check(SIGNOFF_SAME_PERSON)
def signoff_independent(schema: Schema) -> Iterator[Check]:
    preparer, officer = schema.get("signoff_preparer"), schema.get("signoff_s151_officer")
    if preparer and officer:
        p_key, o_key = _person_key_excel(preparer.name), _person_key_excel(officer.name)
        yield Check(
            SIGNOFF_SAME_PERSON.code,
            SIGNOFF,
            officer.cell,
            officer.name,
            officer.label,
            f"AND(LEN({p_key})>0,{p_key}={o_key})",
            lambda v, p=preparer.name, o=officer.name: _same_person(v.input(p), v.input(o)),
            detail=lambda v, p=preparer.name: {"preparer": as_text(v.input(p))},
        )


@data_check(SIGNOFF_DATE_IMPLAUSIBLE)
def signoff_date_plausible(schema: Schema) -> Iterator[Check]:
    """A sign-off date is in the round's window: not before the last actual year ended (its
    figures were not final), nor more than a month after the round's deadline (or its closing
    date). A typo such as 2005 for 2009, or a day and month read the wrong way, is the usual cause.
    The window is fixed by the round, so the workbook and the validator agree on any day."""
    first, last = _first_signing_day(schema), schema.last_signing_day
    for f in schema.fields:
        if f.type != DATE:
            continue
        n = f.name
        read = dates.absolute(f.sheet, dates.cells_for(f.cell)["read"])
        bounds = ([f"{read}<DATE({first.year},{first.month},{first.day})"] if first else []) + (
            [f"{read}>DATE({last.year},{last.month},{last.day})"] if last else []
        )
        if not bounds:
            continue
        yield Check(
            SIGNOFF_DATE_IMPLAUSIBLE.code,
            f.sheet,
            f.cell,
            n,
            f.label,
            f"AND(ISNUMBER({read}),OR({','.join(bounds)}))",
            lambda v, n=n: _date_outside(dates.read_serial(v.input(n)), first, last),
            detail=lambda v, n=n: _date_detail(dates.read_serial(v.input(n)), first, last),
        )


def _first_signing_day(schema: Schema) -> dt.date | None:
    """The day after the last actual year of the return ended (years run April to March)."""
    if not schema.actual_years:
        return None
    return dt.date(int(schema.actual_years[-1][:4]) + 1, 4, 1)


def _date_outside(serial: float | None, first: dt.date | None, last: dt.date | None) -> bool:
    return serial is not None and (
        (first is not None and serial < dates.serial(first))
        or (last is not None and serial > dates.serial(last))
    )


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _date_detail(
    serial: float | None, first: dt.date | None, last: dt.date | None
) -> dict[str, Any]:
    """The date as read, in words (no day/month order to misread), and which end of the window
    it is beyond."""
    day = dates.as_day(serial) if serial is not None else None
    shown = _long_date(day) if day else as_text(serial)
    example = (first or dt.date.today()) + dt.timedelta(days=43)
    if first is not None and serial is not None and serial < dates.serial(first):
        why = (
            f"before {_long_date(first)}, so before the last year in this return ({first.year - 1}/"
            f"{first.year % 100:02d}) had ended"
        )
    elif last is not None:
        why = (
            f"after {_long_date(last)}, more than {SIGNING_SLACK_DAYS} days after this round's deadline: "
            "check the year, and that the day comes before the month"
        )
    else:
        why = "outside this round"
    return {"value": shown, "why": why, "example": example.strftime("%d/%m/%Y")}


def person_key(value: Any) -> str:
    """A name as compared for sign-off: the part before any comma (the preparer writes 'name,
    job title'), without spaces, in lower case. Mirrors ``_person_key_excel``."""
    return as_text(value).split(",", 1)[0].replace(" ", "").lower()


def _person_key_excel(name: str) -> str:
    return f'LOWER(SUBSTITUTE(LEFT({name},IFERROR(FIND(",",{name})-1,LEN({name})))," ",""))'


def _same_person(preparer: Any, officer: Any) -> bool:
    key = person_key(preparer)
    return key != "" and key == person_key(officer)
