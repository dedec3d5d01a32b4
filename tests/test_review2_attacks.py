"""Attacks on the day's changes (review2): each test failed before its fix."""

from __future__ import annotations

import gc
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xl_ni179.intake.annotate import annotated_bytes
from xl_ni179.intake.reader import read_workbook
from xl_ni179.intake.validate import validate_in_process
from xl_ni179.rules.findings import Finding, Report
from xl_ni179.spec.schema import build_schema

# Excel shows _xHHHH_ in a cell's or comment's text as the character HHHH. A partner's cell
# can hold those seven characters as text (written _x005F_x202E_, as Excel writes them), and a
# sheet name can hold them as they are; a copy that writes them back unescaped shows a
# right-to-left override and a bell instead, the very characters in_cell makes visible.
LITERAL = "Meet _x202E_ at noon _x0007_"


def _copy(partnership, tmp_path):
    report = Report(
        file="x.xlsx",
        organisation="MELTON",
        round_id="2008-09-review",
        values={"signoff_phone": LITERAL},
        findings=[
            Finding(
                "money-not-a-number",
                "error",
                f"This entry should be a number, but it contains '{LITERAL}'.",
                "Type the figure as a number.",
                "Gains",
                "B9",
            )
        ],
    )
    out = tmp_path / "checked.xlsx"
    out.write_bytes(annotated_bytes(partnership, report))
    return report, out


def test_the_checked_copy_shows_escape_like_text_as_the_partner_wrote_it(partnership, tmp_path):
    report, out = _copy(partnership, tmp_path)
    schema = build_schema(partnership, partnership.round(report.round_id))
    phone = schema.field("signoff_phone")
    # Our reader reads a cell's text as Excel shows it (and refuses what Excel and Calc show
    # differently): the partner's own text comes back, not a hidden character.
    raw = read_workbook(out)
    assert raw.value(phone.sheet, phone.cell) == LITERAL
    shown = [v for v in raw.cells["Validation results"].values() if isinstance(v, str)]
    assert any(LITERAL in v for v in shown)
    # The comment too: Excel reads its text the same way, so it is written escaped.
    with zipfile.ZipFile(out) as zf:
        xml = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/comments"))
    assert b"_x005F_x202E_" in xml and b"_x005F_x0007_" in xml


def _long_formula_return(make_return, tmp_path, n: int, chars: int) -> Path:
    """A filled return with one cell of ``n`` long formulas, each of about ``chars`` characters,
    in an empty corner of the Gains sheet (each a different formula)."""
    path = make_return("MELTON")
    wb = load_workbook(path)
    ws = wb["Gains"]
    terms = chars // 4
    for i in range(n):
        ws[f"AZ{300 + i}"] = "=" + "+".join(["A1"] * terms) + f"+{i}"
    out = tmp_path / "long-formulas.xlsx"
    wb.save(out)
    return out


@pytest.mark.slow
def test_a_returns_formulas_leave_little_behind_in_the_worker(partnership, make_return, tmp_path):
    """A worker validates return after return, keeping what it learnt of formulas for the next
    file. A hostile file's formulas (no limit on their length) must not stay behind by the
    hundred megabytes: the next partner's return, read by the same worker under its memory
    limit, would be refused as too large for no fault of its own."""
    hostile = _long_formula_return(make_return, tmp_path, 12, 32_000)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        report = validate_in_process(partnership, str(hostile))
        del report
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # The file holds 384,000 characters of formulas; their tokens are about 60 bytes a
    # character. What stays behind must be a small part of that.
    assert kept < 8_000_000, f"{kept:,} bytes kept after one file"


@pytest.mark.slow
def test_a_twin_whose_baseline_is_also_a_year_gives_each_organisation_its_own_template(
    demo_round,
):
    """Without a recorded fingerprint, a return is compared with its shape's template built
    once for a twin, with the twin's name, code and baseline replaced by the organisation's
    own. A twin whose baseline (£000) is also a year heading of the Gains sheet must not
    have those headings replaced too: every genuine return of its shape would be refused."""
    from xl_ni179.intake.compiled import return_spec
    from xl_ni179.partnership.load import default_config_text, parse_partnership
    from xl_ni179.template.builder import build_locked

    text = default_config_text()
    assert "baseline = 12500\n" in text  # BLABY, the first district: its shape's twin
    p = parse_partnership(text.replace("baseline = 12500\n", "baseline = 2010\n"), "test")
    spec = return_spec(p, demo_round.id)
    twin = p.organisation("BLABY")
    assert spec.expected_locked(twin.code) == build_locked(p, twin.code, demo_round.id)
    same_shape = [
        o
        for o in p.organisations
        if o is not twin
        and o.sector == twin.sector
        and p.agreements_of(o.code) == p.agreements_of(twin.code)
        and p.projects_of(o.code) == p.projects_of(twin.code)
    ]
    assert same_shape
    for org in same_shape:
        assert spec.expected_locked(org.code) == build_locked(p, org.code, demo_round.id), org.code


@pytest.mark.slow
def test_the_ribbons_results_sheet_shows_a_partners_control_characters(
    make_return, monkeypatch, tmp_path
):
    """The Validate button lists the findings on a sheet of the open workbook: a finding that
    quotes the partner's text shows its control characters as escapes, as the checked copy
    and the master do, not as characters Excel shows as nothing (or a terminal obeys)."""
    from helpers.remote_book import Replay, remote_book

    from xl_ni179.excel import ribbon

    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NI179_WORKSPACE", raising=False)
    # _x001B_ is how a workbook holds an escape character: Excel reads it as one.
    path = make_return("MELTON", {"signoff_email": "nobody_x001B_[2J"})
    book = remote_book(path, name=str(path))
    assert ribbon.validate_open_workbook(book) is True
    replay = Replay.of(book)
    shown = [
        str(replay.value("Validation results", f"{c}{r}")) for c in "ABCDEF" for r in range(1, 12)
    ]
    assert any("nobody\\x1b[2J" in v for v in shown), " | ".join(shown)
    assert not any("\x1b" in v for v in shown)


@pytest.mark.slow
def test_the_ribbons_message_box_shows_a_partners_control_characters(
    make_return, monkeypatch, tmp_path
):
    """When the open workbook will not take the results sheet (a protected structure, say),
    the Validate button lists the findings in a message box instead: the partner's text there
    shows its control characters as escapes too, and our own line breaks stay line breaks."""
    from helpers.remote_book import Replay, remote_book

    from xl_ni179.excel import ribbon, ribbon_returns

    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NI179_WORKSPACE", raising=False)
    # The remote engine's fake book always takes a new sheet: this one refuses it.
    monkeypatch.setattr(ribbon_returns, "_write_validation_sheet", lambda book, rows: False)
    path = make_return("MELTON", {"signoff_email": "nobody_x001B_[2J"})
    book = remote_book(path, name=str(path))
    assert ribbon.validate_open_workbook(book) is True
    (alert,) = Replay.of(book).alerts
    assert "nobody\\x1b[2J" in alert["prompt"]
    assert "\x1b" not in alert["prompt"]
    assert "\n- error: sheet Sign-off" in alert["prompt"]
