"""The return's layout as the officer meets it (issue 19): headings that stay over their own
table, a legend apart from the years it explains, words that tell a warning from an error,
text measured so that rows are tall enough, and notes on targets that look odd.

What only a rendering shows (nothing cut off, how pages break) is in test_print.py.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils.cell import coordinate_from_string

from xl_ni179.partnership import load_partnership, targets
from xl_ni179.rules import RULES
from xl_ni179.rules.base import ACTION, CELL_ACTION, EXPLAINED
from xl_ni179.spec.schema import CHECK_DETAILS, CHECKS, FORECAST, GAINS, GROSS_HEADER, build_schema
from xl_ni179.template import printing, template_filename, textfit, write_templates


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """A template of each round, for a district (two agreements) and the city (LAA and MAA)."""
    p = load_partnership()
    out = tmp_path_factory.mktemp("layout")
    found = {}
    for rnd in p.rounds:
        for code in ("MELTON", "LCITY"):
            write_templates(p, rnd, out, [code])
            found[rnd.id, code] = load_workbook(out / template_filename(code, rnd.id))
    return found


def _rows_of(ws, *texts: str) -> list[int]:
    return [c.row for row in ws.iter_rows() for c in row if c.value in texts]


def _frozen_rows(ws) -> int:
    return coordinate_from_string(ws.freeze_panes)[1] - 1


# -- item 4: the forecast legend ---------------------------------------------------------------


@pytest.mark.slow
def test_the_forecast_legend_is_a_table_of_its_own_below_the_years(books):
    for (round_id, code), wb in books.items():
        ws = wb[FORECAST]
        years = [
            int(f.cell[1:])
            for f in build_schema(load_partnership(), load_partnership().round(round_id)).of_group(
                "rag"
            )
        ]
        heading = _rows_of(ws, "What the ratings mean")
        legend = [c.row for c in ws["A"] if c.value in ("Green", "Amber", "Red")]
        assert len(heading) == 1 and len(legend) == 3, (round_id, code)
        # Below the last year, with a blank row between: no year shares a row with a rating.
        assert heading[0] >= max(years) + 2 and min(legend) > heading[0], (round_id, code)
        assert not set(legend) & set(years)
        # The heading spans the table, so it is shown whole (the rendering test checks it fits).
        assert any(str(r) == f"A{heading[0]}:C{heading[0]}" for r in ws.merged_cells.ranges)


# -- item 6 and item 8: frozen headings belong to what scrolls under them ----------------------


def test_the_checks_summary_and_the_check_details_are_separate_sheets_each_under_its_own_headings(
    books,
):
    for wb in books.values():
        summary, details = wb[CHECKS], wb[CHECK_DETAILS]
        header = _frozen_rows(summary)
        assert [c.value for c in summary[header]][:5] == [
            "Code",
            "Severity",
            "What is checked",
            "Problems",
            "Status",
        ]
        total = _rows_of(summary, "Problems to fix or explain before submitting")[0]
        assert summary.max_row == total, "nothing below the summary scrolls under its headings"
        header = _frozen_rows(details)
        assert [c.value for c in details[header]] == ["Code", "Where", "What", "Result"]
        assert details.max_row > header + 100  # every check of every cell, under its own headings


def test_the_gains_year_headings_stay_on_screen_and_name_no_block(books):
    for (round_id, _), wb in books.items():
        ws = wb[GAINS]
        frozen = _frozen_rows(ws)
        assert frozen == GROSS_HEADER, "rows down to the year headings are frozen"
        years = list(load_partnership().round(round_id).years)
        heading = [c.value for c in ws[frozen]][1 : 1 + len(years)]
        # Each year's heading (as text, or a number shown as the year) is in the frozen row.
        assert all(
            h is not None and (not isinstance(h, str) or h == y)
            for h, y in zip(heading, years, strict=True)
        )
        frozen_text = {
            c.value for r in range(1, frozen + 1) for c in ws[r] if isinstance(c.value, str)
        }
        # No block's title is frozen: it would stand over the other blocks' lines.
        assert not any(re.match(r"[ABC]\. ", t) for t in frozen_text)
        for title in (
            "A. Gross ongoing cash-releasing gains",
            "B. Costs of achieving the gains",
            "C. Net gains (NI 179)",
        ):
            assert len(_rows_of(ws, title)) == 1


# -- item 7: warnings do not say Fix -----------------------------------------------------------


def test_the_checks_sheet_takes_its_words_from_the_rules(books):
    assert ACTION == {"error": "Fix", "warning": "Explain"} and CELL_ACTION["warning"] == "Check"
    wb = books["2009-10-outturn", "MELTON"]
    summary = wb[CHECKS]
    first = _frozen_rows(summary) + 1
    for row in range(first, summary.max_row):
        code = summary.cell(row, 1).value
        rule = RULES[code]
        status = str(summary.cell(row, 5).value)
        if not rule.in_workbook:
            continue
        assert f'"{rule.action}"' in status, code
        if rule.severity == "warning":
            assert '"Fix"' not in status and f'"{EXPLAINED}"' in status, code
            assert str(summary.cell(row, 7).value) == f'=IF(E{row}="Explain",D{row},0)'
    details = wb[CHECK_DETAILS]
    for row in range(_frozen_rows(details) + 1, details.max_row + 1):
        rule = RULES[details.cell(row, 1).value]
        assert (
            details.cell(row, 4).number_format == f'"{CELL_ACTION[rule.severity]}";'
            f'"{CELL_ACTION[rule.severity]}";"OK"'
        ), row


def test_the_rules_that_are_checked_only_on_receipt_say_so_within_their_own_cell(books):
    summary = books["2009-10-outturn", "MELTON"][CHECKS]
    cells = [c for c in summary["E"] if c.value == "Checked on receipt"]
    assert cells and all(c.alignment.wrap_text for c in cells)  # never over the yellow explanation


# -- item 10: the round's spelling and the targets' notes ---------------------------------------


def test_years_are_spelt_with_two_digits_everywhere_the_round_is_named(books):
    p = load_partnership()
    for rnd in p.rounds:
        assert not re.search(r"\b\d{4}/\d\b", rnd.title), rnd.title
    for wb in books.values():
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if isinstance(c.value, str):
                        assert not re.search(r"\b\d{4}/\d\b", c.value), (
                            ws.title,
                            c.coordinate,
                            c.value,
                        )


def test_the_targets_block_says_why_two_years_match_and_why_a_year_is_blank(books):
    for (round_id, code), wb in books.items():
        ws = wb[GAINS]
        notes = [
            c.value
            for c in ws["A"]
            if isinstance(c.value, str) and " target" in c.value and c.font is not None and c.font.i
        ]
        text = " ".join(notes)
        assert (
            "Multi-area agreement (city and county): 2008/09 is reported against its own 3% of baseline but "
            "does not count towards the cumulative target, which starts in 2009/10" in text
        ), (round_id, code)
        assert (
            "the cumulative target for 2009/10 is that year's own 3%, the same as 2008/09's 3%"
            in text
        )
        laa = "Leicestershire LAA" if code == "MELTON" else "Leicester City LAA"
        assert (
            f"{laa} sets no target for 2011/12: its targets end with 2010/11 (9.4% in all)." in text
        )


def test_target_notes_follow_the_target_arithmetic():
    p = load_partnership()
    maa = next(a for a in p.agreements if a.code == "MAA")
    compound = dataclasses.replace(maa, method="compound", rates={**maa.rates, "2009/10": 4.0})
    (note,) = targets.target_notes(compound, ["2008/09", "2009/10"])
    # The 2009/10 cumulative rate is that year's own (4%), beside 2008/09's 3%: not "the same".
    assert "is that year's own 4%, beside 2008/09's 3%" in note
    assert targets.cumulative_rate(compound, "2009/10") == pytest.approx(0.04)
    laa = next(a for a in p.agreements if a.code == "COUNTY_LAA")
    assert targets.target_notes(laa, ["2008/09", "2009/10", "2010/11"]) == []
    later = dataclasses.replace(laa, rates={"2009/10": 3.0, "2010/11": 3.4})
    assert targets.target_notes(later, ["2008/09", "2009/10"]) == [
        "Leicestershire LAA sets no target for 2008/09: its targets start in 2009/10."
    ]


# -- item 5: rows tall enough for their text ----------------------------------------------------


def test_text_is_measured_in_calibri_digits():
    assert textfit.text_width("0000000000") == pytest.approx(10 * textfit.SAFETY)
    assert textfit.text_width("iiii") < textfit.text_width("WWWW")
    assert textfit.text_width("Total", bold=True) > textfit.text_width("Total")
    assert textfit.text_width("0", size=22) == pytest.approx(2 * textfit.text_width("0"))


def test_lines_wrap_at_spaces_and_break_words_longer_than_the_line():
    assert textfit.lines_needed("short", 20) == 1
    assert textfit.lines_needed("one two three four five six seven eight", 12) >= 3
    assert textfit.lines_needed("first line\nsecond line", 40) == 2
    assert textfit.lines_needed("x" * 100, 20) == pytest.approx(
        100 * textfit.text_width("x") / 19.2, abs=1
    )
    assert textfit.row_height(1) == pytest.approx(16.5) and textfit.row_height(3) == pytest.approx(
        46.5
    )


def test_fit_rows_sizes_wrapped_text_and_wraps_text_that_would_be_cut_off():
    ws = Workbook().active
    ws.column_dimensions["A"].width = 20
    ws["A1"] = "A long label that does not fit in twenty digits"
    ws["B1"] = "next"  # blocks A1's overflow: it must wrap
    ws["A3"] = "A title over the empty B3 cell"  # runs on over B3, within the sheet: left alone
    printing.fit_rows(ws)
    assert ws["A1"].alignment.wrap_text and ws.row_dimensions[1].height == textfit.row_height(2)
    assert not ws["A3"].alignment.wrap_text and ws.row_dimensions[3].height is None


def test_page_breaks_fall_between_tables_that_would_not_fit():
    ws = Workbook().active
    ws.freeze_panes = "A3"
    ws["A1"] = "Title"
    row = 3
    starts = []
    for _table in range(4):  # four tables of 20 rows: two to an A4 landscape page
        starts.append(row)
        for r in range(row, row + 20):
            ws.cell(r, 1, f"line {r}")
        row += 22
    breaks = printing.page_breaks(ws, printing.title_rows(ws))
    assert breaks and set(breaks) <= set(starts), breaks
    tall = Workbook().active
    for r in range(1, 200):  # one table longer than a page: broken where each page is full
        tall.cell(r, 1, r)
    breaks = printing.page_breaks(tall, 0)
    pages = [b2 - b1 for b1, b2 in zip(breaks, breaks[1:], strict=False)]
    assert len(breaks) >= 4 and len(set(pages)) == 1


@pytest.mark.parametrize("method", ["additive", "compound"])
@pytest.mark.parametrize("reported", [(), ("2008/09",)])
def test_the_templates_target_formulas_compute_what_the_consolidation_computes(method, reported):
    """One arithmetic, two forms: the Excel formula the template writes for each target rate
    gives, worked out, the very rate the consolidation uses (LibreOffice checks the same on
    real templates in test_template_libreoffice.py)."""
    import ast
    import operator

    from xl_ni179.partnership.model import Agreement
    from xl_ni179.spec.layout import rate_expression

    ops = {
        ast.Add: operator.add,
        ast.Sub: operator.sub,
        ast.Mult: operator.mul,
        ast.Div: operator.truediv,
    }

    def worked_out(formula: str) -> float:
        def ev(node: ast.AST) -> float:
            if isinstance(node, ast.BinOp):
                return ops[type(node.op)](ev(node.left), ev(node.right))
            assert isinstance(node, ast.Constant)
            return float(node.value)

        return ev(ast.parse(formula.replace("%", "/100"), mode="eval").body)

    rates = {"2008/09": 3.0, "2009/10": 3.5, "2010/11": 4.25, "2011/12": 2.0}
    agreement = Agreement(
        "X", "X agreement", method, ("A",), rates, reported, "2009/10" if reported else "2008/09"
    )
    for year in [*rates, "2012/13"]:
        for cumulative, python in ((True, targets.cumulative_rate), (False, targets.annual_rate)):
            formula, rate = rate_expression(agreement, year, cumulative), python(agreement, year)
            if rate is None:
                assert formula is None
            else:
                assert formula is not None and worked_out(formula) == pytest.approx(rate, abs=1e-12)
