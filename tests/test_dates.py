"""The sign-off date as typed: read day first or ISO, whatever the computer's language (issue 19).

The workbook reads it with the same steps as worksheet formulas; test_validate_rules types
these forms into returns and checks LibreOffice's reading agrees with ours.
"""

from __future__ import annotations

import datetime as dt

import pytest

from xl_ni179.checks.dates import as_day, cells_for, helper_formulas, read_serial


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("15/05/2009", dt.date(2009, 5, 15)),
        ("15-05-2009", dt.date(2009, 5, 15)),
        ("15.5.09", dt.date(2009, 5, 15)),
        ("15 May 2009", dt.date(2009, 5, 15)),
        ("15 may 09", dt.date(2009, 5, 15)),
        ("15-Sep-2009", dt.date(2009, 9, 15)),
        ("3 September 2009", dt.date(2009, 9, 3)),
        ("2009-05-15", dt.date(2009, 5, 15)),
        ("2009/5/15", dt.date(2009, 5, 15)),
        ("  12 / 05 / 2010 ", dt.date(2010, 5, 12)),  # 12 May, never 5 December
        (39948, dt.date(2009, 5, 15)),  # a date given as a date: its serial day
    ],
)
def test_a_date_typed_as_people_type_it_is_read_day_first_or_iso(typed, day):
    serial = read_serial(typed)
    assert serial is not None and as_day(serial) == day


@pytest.mark.parametrize(
    "typed",
    [
        "05/15/2009",
        "31/04/2009",
        "29/02/2009",
        "15 Mai 2009",
        "May 15 2009",
        "15/05/2009 am",
        "15/05/209",
        "1e3/05/2009",
        "next week",
        "",
        "15/05",
        "15 M?y 2009",
        True,
    ],
)
def test_what_is_not_a_date_is_not_read_as_one(typed):
    assert read_serial(typed) is None


def test_the_workbook_reads_it_in_hidden_steps_beside_the_date():
    cells = cells_for("B7")
    formulas = helper_formulas("B7", cells)
    assert cells["read"] == "C7" and set(formulas) == set(cells.values())
    assert all(cell.endswith("7") for cell in cells.values())
    # No function whose result depends on the computer's language or date order.
    assert not any(
        word in f for f in formulas.values() for word in ("DATEVALUE", "TEXT(", "INDIRECT")
    )
