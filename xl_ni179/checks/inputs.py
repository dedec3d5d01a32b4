"""The checks of what is typed in one input: there at all, a figure in range, a rating, an
email address, a date."""

from __future__ import annotations

from collections.abc import Iterator

from xl_ni179.checks import dates, email_address
from xl_ni179.checks.base import Check, as_text, blank, data_check, is_number
from xl_ni179.rules.data_rules import (
    COMMENTARY,
    DATE_INVALID,
    EMAIL_INVALID,
    NEGATIVE,
    NOT_NUMBER,
    OUT_OF_RANGE,
    RAG_INVALID,
    REQUIRED,
)
from xl_ni179.spec.schema import DATE, EMAIL, MONEY, Schema, rag_name

# The largest amount (£000) any money cell may hold: £10bn. The 13 partners' baselines sum to
# about £2.3bn a year, so no real figure comes near it, while it keeps every sum of a return
# (and of a partnership of returns) far from what a float, or a spreadsheet, can hold.
MONEY_CEILING = 10_000_000


@data_check(REQUIRED)
def required(schema: Schema) -> Iterator[Check]:
    for f in schema.fields:
        if f.required:
            yield Check(
                REQUIRED.code,
                f.sheet,
                f.cell,
                f.name,
                f.label,
                f"LEN(TRIM({f.name}))=0",
                lambda v, n=f.name: blank(v.input(n)),
            )


@data_check(NOT_NUMBER)
def money_not_a_number(schema: Schema) -> Iterator[Check]:
    for f in schema.fields:
        if f.type == MONEY:
            yield Check(
                NOT_NUMBER.code,
                f.sheet,
                f.cell,
                f.name,
                f.label,
                f"AND(LEN(TRIM({f.name}))>0,NOT(ISNUMBER({f.name})))",
                lambda v, n=f.name: not blank(v.input(n)) and not is_number(v.input(n)),
            )


@data_check(NEGATIVE)
def money_negative(schema: Schema) -> Iterator[Check]:
    for f in schema.fields:
        if f.type == MONEY:
            yield Check(
                NEGATIVE.code,
                f.sheet,
                f.cell,
                f.name,
                f.label,
                f"AND(ISNUMBER({f.name}),{f.name}<0)",
                lambda v, n=f.name: is_number(v.input(n)) and v.input(n) < 0,
            )


@data_check(OUT_OF_RANGE)
def money_out_of_range(schema: Schema) -> Iterator[Check]:
    for f in schema.fields:
        if f.type == MONEY:
            yield Check(
                OUT_OF_RANGE.code,
                f.sheet,
                f.cell,
                f.name,
                f.label,
                f"AND(ISNUMBER({f.name}),ABS({f.name})>{MONEY_CEILING})",
                lambda v, n=f.name: is_number(v.input(n)) and abs(v.input(n)) > MONEY_CEILING,
                {"limit": MONEY_CEILING},
            )


@data_check(RAG_INVALID)
def rag(schema: Schema) -> Iterator[Check]:
    for f in schema.of_group("rag"):
        n = f.name
        yield Check(
            RAG_INVALID.code,
            f.sheet,
            f.cell,
            n,
            f.label,
            f'AND(LEN(TRIM({n}))>0,{n}<>"Green",{n}<>"Amber",{n}<>"Red")',
            lambda v, n=n: (
                not blank(v.input(n))
                and as_text(v.input(n)).lower() not in ("green", "amber", "red")
            ),
            {"year": f.year},
        )


@data_check(COMMENTARY)
def rag_commentary(schema: Schema) -> Iterator[Check]:
    for f in schema.of_group("commentary"):
        rating = rag_name(f.year or "")  # not ``rag``: that is the check above
        yield Check(
            COMMENTARY.code,
            f.sheet,
            f.cell,
            f.name,
            f.label,
            f'AND(OR({rating}="Amber",{rating}="Red"),LEN(TRIM({f.name}))=0)',
            lambda v, n=f.name, r=rating: (
                as_text(v.input(r)).lower() in ("amber", "red") and blank(v.input(n))
            ),
            {"year": f.year},
            lambda v, r=rating: {"value": as_text(v.input(r)).title()},
        )


@data_check(EMAIL_INVALID, DATE_INVALID)
def signoff_email_and_date(schema: Schema) -> Iterator[Check]:
    for f in schema.fields:
        n = f.name
        if f.type == EMAIL:
            yield Check(
                EMAIL_INVALID.code,
                f.sheet,
                f.cell,
                n,
                f.label,
                email_address.excel_failing(n),
                lambda v, n=n: (
                    not blank(v.input(n)) and not email_address.email_ok(as_text(v.input(n)))
                ),
            )
        elif f.type == DATE:
            # The typed text is read by the helper cells beside it (xl_ni179.checks.dates).
            read = dates.absolute(f.sheet, dates.cells_for(f.cell)["read"])
            yield Check(
                DATE_INVALID.code,
                f.sheet,
                f.cell,
                n,
                f.label,
                f"AND(LEN(TRIM({n}))>0,NOT(ISNUMBER({read})))",
                lambda v, n=n: not blank(v.input(n)) and dates.read_serial(v.input(n)) is None,
                {"examples": dates.EXAMPLES},
            )
