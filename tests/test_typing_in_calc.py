"""Returns typed into LibreOffice Calc's real window, with real key events (issue 19).

A finance officer's keystrokes, not UNO's ``setValue``: Calc runs under Xvfb with its
default settings (AutoInput, AutoCorrect) and the machine's locale, and xdotool types. Both
rounds of the demo partnership are filled in, for a district council and the police
authority, from templates issued as the consolidator issues them (the second round
prefilled from the first round's typed return). Each return has the amounts whose digits
begin a year heading, a plain paste from another spreadsheet corrected afterwards, a date
typed as a person types it, and is saved with Keep Current Format. Then the validator must
accept it, and every input must hold exactly what was typed, read by us and by Calc (UNO).

The screenshots are kept (the folder is printed; NI179_TYPING_ARTEFACTS names another).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from helpers.calc_window import TOOLS_HINT, Calc, tools_missing, x_display
from helpers.components import require_component
from helpers.differential import calc_shows
from helpers.realprograms import UNO_HINT, system_uno
from helpers.typing_scenario import Return, plan, type_return, write_ledger

from xl_ni179.intake.batch import validate_file
from xl_ni179.rules import RULES
from xl_ni179.spec.prefill import prefill_from
from xl_ni179.spec.schema import build_schema
from xl_ni179.template import template_filename, write_templates
from xl_ni179.template.fill import fill_workbook

# Calc under Xvfb, driven by key events: a real component, and minutes of it.
pytestmark = [pytest.mark.real_component, pytest.mark.slow]

ORGS = ("MELTON", "POLICE")  # a district council and a police authority
ROUNDS = ("2008-09-review", "2009-10-outturn")


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory) -> Path:
    chosen = os.environ.get("NI179_TYPING_ARTEFACTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("typing-artefacts")
    path.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots of the typing in Calc: {path}")
    return path


@pytest.fixture(scope="module")
def typed(partnership, tmp_path_factory, artefacts) -> dict[tuple[str, str], tuple[Path, Return]]:
    """Both rounds of both organisations, typed in Calc's window: {(org, round): (file, plan)}."""
    missing = tools_missing()
    require_component(not missing, f"{', '.join(missing)} not found. {TOOLS_HINT}")
    work = tmp_path_factory.mktemp("typing")
    ledger = write_ledger(work / "ledger.xlsx")
    out: dict[tuple[str, str], tuple[Path, Return]] = {}
    started = time.monotonic()
    with x_display() as display:
        calc = Calc(display, work / "calc", artefacts)
        try:
            for round_id in ROUNDS:
                rnd = partnership.round(round_id)
                schema = build_schema(partnership, rnd)
                for org in ORGS:
                    first = out.get((org, ROUNDS[0])) if round_id != ROUNDS[0] else None
                    prior = validate_file(partnership, first[0]) if first else None
                    prefill = prefill_from(partnership, rnd, prior, schema)
                    issued = work / "issued" / round_id
                    write_templates(
                        partnership,
                        rnd,
                        issued,
                        orgs=[org],
                        prefills={org: prefill} if prefill else None,
                    )
                    path = work / "typed" / template_filename(org, round_id)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(issued / template_filename(org, round_id), path)
                    ret = plan(
                        partnership,
                        org,
                        rnd,
                        schema,
                        prefill.values if prefill else {},
                        paste=not prefill,
                    )
                    ret = plan(
                        partnership,
                        org,
                        rnd,
                        schema,
                        ret.prefilled,
                        paste=not prefill,
                        warnings=_warnings(
                            partnership,
                            issued / template_filename(org, round_id),
                            ret,
                            work / "preview",
                        ),
                    )
                    type_return(calc, path, ret, ledger)
                    out[(org, round_id)] = (path, ret)
        finally:
            calc.stop()
    print(f"typed {len(out)} returns in Calc's window in {time.monotonic() - started:.0f}s")
    return out


def _warnings(p, template: Path, ret: Return, work: Path) -> set[str]:
    """The warnings the planned figures raise (to explain them on the Checks sheet, as the officer would)."""
    work.mkdir(parents=True, exist_ok=True)
    preview = fill_workbook(p, template, ret.data(), work / template.name)
    report = validate_file(p, preview)
    assert report.valid, [f.message for f in report.errors]
    return {f.code for f in report.warnings}


@pytest.mark.parametrize("org", ORGS)
@pytest.mark.parametrize("round_id", ROUNDS)
def test_a_return_typed_in_calc_is_accepted_with_every_figure_as_typed(
    partnership, typed, org, round_id
):
    path, ret = typed[(org, round_id)]
    report = validate_file(partnership, path)
    assert report.valid and report.ready, [(f.code, f.where, f.message) for f in report.findings]
    assert {f.code for f in report.findings} <= {
        c for c, r in RULES.items() if r.severity == "warning"
    }
    lost = [
        (e.sheet, e.cell, e.text, report.values.get(e.name))
        for e in ret.entries
        if report.values.get(e.name) != e.expected
    ]
    assert lost == []
    typed_over = {e.name for e in ret.entries}
    kept = {name: report.values.get(name) for name in ret.prefilled if name not in typed_over}
    assert kept == {name: value for name, value in ret.prefilled.items() if name not in typed_over}


def test_calc_holds_every_typed_input_as_typed(typed, tmp_path):
    """The saved files read back by LibreOffice itself (UNO): each amount a number equal to
    what was typed, each text the text typed, nothing turned into a year heading."""
    require_component(system_uno(), UNO_HINT)
    files = [path for path, _ in typed.values()]
    cells = sorted({(e.sheet, e.cell) for _, ret in typed.values() for e in ret.entries})
    shown = calc_shows(files, [list(c) for c in cells], tmp_path)
    wrong = []
    for path, ret in typed.values():
        found = shown[path]["cells"]
        for e in ret.entries:
            cell = found[f"{e.sheet}!{e.cell}"]
            held = cell["value"] if cell["kind"] == "value" else cell.get("text", cell["string"])
            if held != e.expected:
                wrong.append((path.name, e.sheet, e.cell, e.text, cell))
    assert wrong == []


def test_the_pasted_cells_were_corrected_and_the_restatement_kept(partnership, typed):
    """The plain paste left cells that could still be typed over; a prefilled actual typed over
    in the next round keeps the new figure (and asks for an explanation, which was given)."""
    for org in ORGS:
        path, ret = typed[(org, ROUNDS[0])]
        assert ret.correction is not None and ret.paste
        report = validate_file(partnership, path)
        assert report.values[ret.correction.name] == ret.correction.expected
        pasted = [e for row in ret.paste for e in row if e.name != ret.correction.name]
        assert all(report.values[e.name] == e.expected for e in pasted)
        later, plan_ = typed[(org, ROUNDS[1])]
        restated = validate_file(partnership, later)
        codes = {(f.code, f.explained) for f in restated.findings}
        assert ("actual-restated", True) in codes
        assert plan_.prefilled  # the second round was issued prefilled from the typed first one


def test_under_a_year_heading_written_as_text_calc_would_take_the_typed_amounts(
    partnership, tmp_path, artefacts
):
    """The control, so the tests above can fail: the same keys under a heading written as the
    text "2008/09" (as templates before version 2.0 had it). Calc's AutoInput completes 2, 20
    and 200 to the heading, and the figures are lost; 201 does not begin it and is kept."""
    from xl_ni179.spec.schema import WORKSTREAMS, gains_name
    from xl_ni179.template.builder import build_workbook
    from xl_ni179.template.editable import workbook_bytes

    missing = tools_missing()
    require_component(not missing, f"{', '.join(missing)} not found. {TOOLS_HINT}")
    rnd = partnership.round(ROUNDS[0])
    wb, schema, _ = build_workbook(partnership, "MELTON", rnd)
    wb["Gains"]["B6"].value, wb["Gains"]["B6"].number_format = "2008/09", "General"
    path = tmp_path / "text-heading.xlsx"
    path.write_bytes(workbook_bytes(wb, schema))
    with x_display() as display:
        calc = Calc(display, tmp_path / "calc", artefacts)
        try:
            book = calc.open(path)
            calc.goto(book, "Gains", "B8")
            for amount in ("2", "20", "200", "201"):
                calc.type(amount)
                calc.keys("Return")
            calc.settle(book)
            calc.shot("control-text-heading-completes-typed-amounts")
            calc.save_keeping_format(book, path, {book})
        finally:
            calc.stop()
    values = validate_file(partnership, path).values
    held = [values[gains_name(ws, "2008/09")] for ws, _ in WORKSTREAMS[:4]]
    assert held == ["2008/09", "2008/09", "2008/09", 201]
