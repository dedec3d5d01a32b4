"""What a finance officer types into a return, and typing it into Calc's window.

Every money column gets the amounts whose digits begin a year heading (2, 20, 200, 201,
2008, 2010) with 0 and 12.5, the same in each year so the return is sound; the memo lines
are pasted from another spreadsheet with a plain Ctrl+V and one pasted cell corrected;
the sign-off date is typed as a person types it. Warnings the figures raise (gross gains
large against a district's baseline, a restated actual) are explained on the Checks sheet,
as the workbook asks, so the return ends "Ready to submit".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.calc_window import Calc, CalcWindowError
from xl_ni179.partnership import Partnership, Round
from xl_ni179.spec.schema import (
    CHECKS,
    GAINS,
    WORKSTREAMS,
    Schema,
    costs_name,
    explain_name,
    gains_name,
    noncash_name,
    oneoff_name,
)

GAINS_ROWS = ("2", "20", "200", "201", "2008", "2010", "12.5")  # one per workstream, every year
COSTS_ROWS = ("0", "2", "0", "20", "0", "12.5", "0")
# The block copied from another spreadsheet onto the memo lines (one-off, non-cashable), and
# the pasted cell then corrected by typing over it.
PASTED = (("0", "2", "20", "200"), ("12.5", "201", "2008", "2010"))
CORRECTED = (
    "noncash",
    0,
    "20",
)  # the first year's non-cashable gains: 12.5 pasted, 20 typed over it
RESTATED = ("costs", 5, "2")  # a prefilled 2008/09 cost (12.5) typed over with 2 in the next round
PROJECT_SAVINGS = ("20", "201", "2010")

PEOPLE = {
    "MELTON": (
        "T. Walsh, Finance Officer",
        "D. Hall",
        "finance@melton.example.org",
        "01664 502502",
    ),
    "POLICE": (
        "R. Patel, Head of Finance",
        "S. Moore",
        "finance@police.example.org",
        "0116 222 2222",
    ),
}
DATES = {  # typed as the officer would, day first or ISO
    ("MELTON", "2008-09-review"): "15/05/2009",
    ("POLICE", "2008-09-review"): "14-05-2009",
    ("MELTON", "2009-10-outturn"): "11 May 2010",
    ("POLICE", "2009-10-outturn"): "2010-05-12",
}
RATINGS = ("Green", "Amber", "Red")
COMMENTS = (
    "Procurement savings depend on the new contract.",
    "Staff restructure still under consultation.",
    "Shared service business case not yet agreed.",
)
PROJECT_NOTES = (
    "Joint tender issued in March.",
    "Business case approved.",
    "Pilot running in two areas.",
)
EXPLANATIONS = {
    "gains-implausible": "These test figures are large on purpose; checked with our accountant.",
    "actual-restated": "Costs for 2008/09 were restated after the external audit.",
}


@dataclass
class Entry:
    """One input as typed (or pasted), and what must be recorded for it."""

    name: str
    sheet: str
    cell: str
    text: str  # the keys typed, or what the pasted cell held
    pasted: bool = False

    @property
    def expected(self) -> Any:
        try:
            return float(self.text)
        except ValueError:
            return self.text


@dataclass
class Return:
    org: str
    round: Round
    schema: Schema
    rows: list[list[Entry]] = field(default_factory=list)  # typed left to right, one row at a time
    paste: list[list[Entry]] = field(
        default_factory=list
    )  # the block pasted, then one cell corrected
    correction: Entry | None = None
    prefilled: dict[str, float] = field(default_factory=dict)  # left as issued

    @property
    def entries(self) -> list[Entry]:
        """What each input must hold in the end (a corrected cell: what was typed over the paste)."""
        out = {e.name: e for row in self.paste for e in row}
        out.update({e.name: e for row in self.rows for e in row})
        if self.correction:
            out[self.correction.name] = self.correction
        return list(out.values())

    def data(self) -> dict[str, Any]:
        """The same return as {defined name: value}, to fill in with openpyxl (what warnings it raises)."""
        values: dict[str, Any] = dict(self.prefilled)
        values.update({e.name: e.expected for e in self.entries})
        return values


def plan(
    p: Partnership,
    org: str,
    rnd: Round,
    schema: Schema,
    prefilled: dict[str, float],
    paste: bool,
    warnings: frozenset[str] | set[str] = frozenset(),
) -> Return:
    """What the officer at ``org`` types into the ``rnd`` return (``prefilled``: the inputs the
    template came with, kept but for one restatement)."""
    ret = Return(org, rnd, schema, prefilled=dict(prefilled))
    years = list(rnd.years)
    for group, amounts, namer in (
        ("gains", GAINS_ROWS, gains_name),
        ("costs", COSTS_ROWS, costs_name),
    ):
        for i, ((ws, _), amount) in enumerate(zip(WORKSTREAMS, amounts, strict=True)):
            row = []
            for year in years:
                f = schema.field(namer(ws, year))
                if f.name in prefilled:
                    if (group, i) == RESTATED[:2] and year == years[0]:
                        row.append(Entry(f.name, f.sheet, f.cell, RESTATED[2]))
                    continue  # left as issued
                row.append(Entry(f.name, f.sheet, f.cell, amount))
            if row:
                ret.rows.append(row)
    memo = [oneoff_name, noncash_name]
    open_years = [y for y in years if schema.field(oneoff_name(y)).name not in prefilled]
    if paste:
        for namer, amounts in zip(memo, PASTED, strict=True):
            ret.paste.append(
                [
                    Entry(
                        schema.field(namer(y)).name,
                        GAINS,
                        schema.field(namer(y)).cell,
                        a,
                        pasted=True,
                    )
                    for y, a in zip(open_years, amounts, strict=False)
                ]
            )
        f = schema.field(noncash_name(open_years[CORRECTED[1]]))
        ret.correction = Entry(f.name, f.sheet, f.cell, CORRECTED[2])
    else:
        for namer, amounts in zip(memo, PASTED, strict=True):
            ret.rows.append(
                [
                    Entry(schema.field(namer(y)).name, GAINS, schema.field(namer(y)).cell, a)
                    for y, a in zip(open_years, amounts, strict=False)
                ]
            )
    carry = [schema.field("carry_forward_cashable"), schema.field("carry_forward_noncashable")]
    ret.rows.append([Entry(carry[0].name, carry[0].sheet, carry[0].cell, "0")])
    ret.rows.append([Entry(carry[1].name, carry[1].sheet, carry[1].cell, "201")])
    for i, (rag, note) in enumerate(
        zip(schema.of_group("rag"), schema.of_group("commentary"), strict=True)
    ):
        rating = RATINGS[i % len(RATINGS)]
        row = [Entry(rag.name, rag.sheet, rag.cell, rating)]
        if rating != "Green":
            row.append(Entry(note.name, note.sheet, note.cell, COMMENTS[i % len(COMMENTS)]))
        ret.rows.append(row)
    savings = schema.of_group("project")[0::2]
    comments = schema.of_group("project")[1::2]
    for s, c, amount, note in zip(savings, comments, PROJECT_SAVINGS, PROJECT_NOTES, strict=False):
        ret.rows.append(
            [Entry(s.name, s.sheet, s.cell, amount), Entry(c.name, c.sheet, c.cell, note)]
        )
    preparer, officer, email, phone = PEOPLE[org]
    for name, text in (
        ("signoff_preparer", preparer),
        ("signoff_s151_officer", officer),
        ("signoff_date", DATES[(org, rnd.id)]),
        ("signoff_email", email),
        ("signoff_phone", phone),
    ):
        f = schema.field(name)
        ret.rows.append([Entry(f.name, f.sheet, f.cell, text)])
    for code in sorted(warnings):
        f = schema.field(explain_name(code))
        ret.rows.append([Entry(f.name, CHECKS, f.cell, EXPLANATIONS[code])])
    return ret


def type_return(calc: Calc, path: Path, ret: Return, ledger: Path | None) -> None:
    """Open ``path`` in Calc, type ``ret`` into it, paste its block from ``ledger``, save it as .xlsx."""
    book = calc.open(path)
    documents = {book}
    calc.shot(f"{ret.org}-{ret.round.id}-opened")
    for row in ret.rows:
        calc.goto(book, row[0].sheet, row[0].cell)
        calc.type("".join(e.text + "\t" for e in row[:-1]) + row[-1].text)
        calc.keys("Return")
        _no_message_box(calc, documents, book, row[0])
        if row[0].name == "signoff_phone":
            calc.shot(f"{ret.org}-{ret.round.id}-signed-off")
    if ret.paste and ledger is not None:
        _paste(calc, book, ret, ledger, documents)
    calc.goto(book, GAINS, "B8")
    calc.keys("ctrl+Home")  # the top of the sheet, below the frozen headings
    calc.shot(f"{ret.org}-{ret.round.id}-gains")
    calc.goto(book, CHECKS, "A1")
    calc.shot(f"{ret.org}-{ret.round.id}-checks")
    calc.goto(book, "Cover", "A1")
    calc.settle(book)
    calc.shot(f"{ret.org}-{ret.round.id}-cover")
    calc.save_keeping_format(book, path, documents)
    calc.focus(book)
    calc.keys("ctrl+w")  # saved: closes without asking


def _paste(calc: Calc, book: str, ret: Return, ledger: Path, documents: set[str]) -> None:
    """Copy the block in the other spreadsheet, Ctrl+V onto the yellow memo cells (the plain
    paste carries the ledger's formatting, its locked cells included), correct one cell."""
    source = calc.open(ledger)
    documents.add(source)
    width = len(ret.paste[0])
    calc.goto(source, "Ledger", f"B2:{chr(ord('B') + width - 1)}3")
    calc.keys("ctrl+c")
    calc.settle(source)
    first = ret.paste[0][0]
    calc.goto(book, first.sheet, first.cell)
    calc.keys("ctrl+v")
    calc.settle(book)
    _no_message_box(calc, documents, book, first)
    calc.shot(f"{ret.org}-{ret.round.id}-pasted")
    fix = ret.correction
    assert fix is not None
    calc.goto(book, fix.sheet, fix.cell)
    calc.type(fix.text)
    calc.keys("Return")
    _no_message_box(calc, documents, book, fix)
    calc.shot(f"{ret.org}-{ret.round.id}-pasted-then-corrected")
    calc.focus(source)
    calc.keys("ctrl+w")
    documents.discard(source)
    calc.settle(book)
    # Closing the ledger may ask to keep the clipboard or save: nothing was changed, so nothing is asked.


def _no_message_box(calc: Calc, documents: set[str], book: str, entry: Entry) -> None:
    calc.settle(book)
    boxes = calc.dialogs(documents)
    if boxes:
        calc.dialogs_seen.extend(boxes.values())
        calc.shot("message-box")
        raise CalcWindowError(
            f"a message box ({', '.join(boxes.values())}) opened while typing the row of "
            f"{entry.sheet} {entry.cell}"
        )


def write_ledger(path: Path) -> Path:
    """The other spreadsheet the memo figures are copied from: plain numbers in General
    format, on white cells, locked as every new cell is."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Ledger"
    ws["A1"] = "Memo figures (£000)"
    for r, amounts in enumerate(PASTED, start=2):
        ws.cell(r, 1, ("One-off", "Non-cashable")[r - 2])
        for c, amount in enumerate(amounts, start=2):
            ws.cell(r, c, float(amount))
    wb.save(path)
    return path
