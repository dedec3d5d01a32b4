"""The master workbook: sheets, partner text stored as text, charts, and it opens in LibreOffice."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from helpers import libreoffice
from helpers.components import require_component
from helpers.consolidate_seed import FORMULA_LIKE, seed_partnership, seed_returns, statuses_for
from helpers.summary_golden import seeded_summary
from openpyxl import load_workbook

from xl_ni179.consolidate import SHEET_NAMES, build_summary, write_consolidation
from xl_ni179.consolidate.master import record_sheet
from xl_ni179.consolidate.xlhelpers import FILLS, MONEY


@pytest.fixture(scope="module")
def summary():
    """The seed round with a rejected return, late returns, findings and partner text that
    starts like a formula (the same round the summary's golden file is made from)."""
    return seeded_summary()


@pytest.fixture(scope="module")
def master(summary, tmp_path_factory) -> Path:
    return write_consolidation(summary, tmp_path_factory.mktemp("master") / "master.xlsx")


def _cells(ws):
    return [c for row in ws.iter_rows() for c in row if c.value is not None]


def test_sheets_are_the_documented_ones_in_order(master) -> None:
    wb = load_workbook(master)
    assert tuple(wb.sheetnames) == SHEET_NAMES
    for ws in wb.worksheets:
        assert ws.freeze_panes, f"{ws.title} has no frozen panes"


def test_partner_text_lands_as_text_never_a_formula(master) -> None:
    wb = load_workbook(master)
    for ws in wb.worksheets:
        for cell in _cells(ws):
            assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value}"
    texts = {c.value: c for c in _cells(wb["Forecast confidence"]) if isinstance(c.value, str)}
    for commentary in FORMULA_LIKE.values():
        assert commentary in texts, commentary
        assert texts[commentary].data_type == "s"
    projects = [
        c for c in _cells(wb["Projects and funding"]) if c.value == "=B2 business case under way"
    ]
    assert projects and all(c.data_type == "s" for c in projects)
    findings = {c.value: c for c in _cells(wb["Findings"])}
    assert findings["=a one-off restructuring, explained"].data_type == "s"
    assert findings["=Amber needs a commentary"].data_type == "s"
    # Text starting with + - @ (not only =) carries Excel's quote prefix, so it stays text when
    # the consolidator edits the cell: '+cmd|...' would otherwise become a live formula.
    leading = [
        c
        for ws in wb.worksheets
        for c in _cells(ws)
        if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@"))
    ]
    assert {c.value for c in leading} >= set(FORMULA_LIKE.values())
    assert [f"{c.parent.title}!{c.coordinate}" for c in leading if not c.quotePrefix] == []


# From the review: partner text that spreadsheet programs read as the start of a formula.
INJECTED = {
    "LCITY": "+cmd|' /c calc'!A0",
    "POLICE": "-2+3",
    "HINCK": "@SUM(1+1)",
    "MELTON": '=HYPERLINK("http://evil.example/x","Click to confirm")',
}


@pytest.mark.real_component
@pytest.mark.slow
def test_partner_text_is_text_when_libreoffice_opens_and_recalculates_the_master(tmp_path) -> None:
    """The master opened in LibreOffice Calc (through UNO) and recalculated: every piece of
    partner text, whatever it starts with, is a text cell holding exactly what the partner
    wrote, and the master holds no formula at all."""
    from helpers.components import require_component
    from helpers.realprograms import UNO_HINT, cells_in_calc, system_uno

    require_component(system_uno(), UNO_HINT)
    p, rnd = seed_partnership()
    returns = seed_returns(p, rnd)
    for code, text in INJECTED.items():
        returns[code]["rag_commentary_2009_10"] = text
        returns[code]["rag_2009_10"] = "Amber"
        for project in p.projects_of(code):
            returns[code][f"project_comment_{project.code}"] = text
    summary = build_summary(p, rnd, statuses_for(p, set(returns)), returns)
    master = write_consolidation(summary, tmp_path / "master.xlsx")
    in_calc = cells_in_calc([master], tmp_path / "calc")[master]
    assert {sheet: cells["formulas"] for sheet, cells in in_calc.items() if cells["formulas"]} == {}
    texts = [text for cells in in_calc.values() for text in cells["text"].values()]
    for text in INJECTED.values():
        assert texts.count(text) >= 2, text  # the commentary and the project comments
    wb = load_workbook(master)
    marked = {c.value for ws in wb.worksheets for c in _cells(ws) if c.quotePrefix}
    assert set(INJECTED.values()) <= marked


def test_returns_status_names_and_highlights_missing_late_and_rejected(master) -> None:
    ws = load_workbook(master)["Returns status"]
    text = [c.value for c in _cells(ws) if isinstance(c.value, str)]
    assert (
        "Returns were not received from: Blaby, Harborough, Fire Authority, City PCT, County PCT."
    ) in text
    assert any(
        t.startswith("Returns received but not yet accepted") and "Charnwood" in t for t in text
    )
    rows = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    colour = lambda name, col: ws.cell(rows[name], col).fill.fgColor.rgb[-6:]  # noqa: E731
    assert colour("Blaby", 3) == FILLS["missing"]
    assert colour("Charnwood", 3) == FILLS["rejected"]
    assert colour("Police", 4) == FILLS["late"]
    assert colour("County Council", 3) == FILLS["accepted"]


def test_forecast_confidence_has_the_review_table(master) -> None:
    ws = load_workbook(master)["Forecast confidence"]
    rows = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(2, 6)] for r in range(1, 12)}
    assert rows["2009/10"] == [0, 6, 1, 0]
    assert rows["2010/11"] == [0, 5, 2, 0]
    assert rows["2011/12"] == [0, 4, 1, 2]


def test_value_for_money_distribution(master) -> None:
    ws = load_workbook(master)["Value for money"]
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "Score")
    rows = {
        ws.cell(r, 1).value: (ws.cell(r, 3).value, ws.cell(r, 4).value)
        for r in range(header + 1, header + 5)
    }
    assert ws.cell(header, 3).value == "Number of organisations"
    assert rows == {4: (1, 0), 3: (6, 1), 2: (6, 6), 1: (0, 6)}
    text = " ".join(str(c.value) for c in _cells(ws))
    for criterion in ("1.1", "1.2", "3.1", "3.2", "3.3"):
        assert criterion in text


def test_money_and_percentage_formats(master) -> None:
    ws = load_workbook(master)["Totals"]
    header = next(r for r in range(1, 20) if ws.cell(r, 4).value == "Target: all members (£000)")
    assert ws.cell(header + 1, 4).number_format == MONEY
    assert ws.cell(header + 1, 13).number_format == "0.0%"
    assert ws.column_dimensions["A"].width > 10


def test_dashboard_has_native_charts(master, summary) -> None:
    expected = len(summary.partnership.agreements) + 1
    with zipfile.ZipFile(master) as zf:
        charts = [
            n for n in zf.namelist() if n.startswith("xl/charts/chart") and n.endswith(".xml")
        ]
    assert len(charts) == expected
    assert len(load_workbook(master)["Dashboard"]._charts) == expected


def test_the_dashboard_records_a_chart_per_agreement_and_one_of_shares(summary) -> None:
    sheet = record_sheet(SHEET_NAMES[0], summary)
    assert sheet.name == "Dashboard"
    assert len(sheet.chart_list) == len(summary.partnership.agreements) + 1
    # Each chart's series read the cells of the table above it.
    for chart in sheet.chart_list:
        for series in chart.series:
            assert isinstance(sheet.value(*series.name), str)
            assert series.values[0] < chart.row


@pytest.mark.real_component
@pytest.mark.slow
def test_master_opens_in_libreoffice(master, tmp_path) -> None:
    require_component(libreoffice.soffice() is not None, libreoffice.INSTALL_HINT)
    (converted,) = libreoffice.convert([master], tmp_path)
    wb = load_workbook(converted)
    assert tuple(wb.sheetnames) == SHEET_NAMES
    with zipfile.ZipFile(converted) as zf:
        assert any(n.startswith("xl/charts/chart") for n in zf.namelist())
    # Calc shows every figure and text the workbook holds, in the same cells.
    written = load_workbook(master)
    for name in SHEET_NAMES:
        ours = {c.coordinate: c.value for c in _cells(written[name])}
        calc = {c.coordinate: c.value for c in _cells(wb[name])}
        assert calc == ours, name


def test_the_ribbon_marks_the_same_text_as_the_workbook_writers() -> None:
    """The ribbon writes through xlwings with a leading apostrophe; it keeps its own copy of the
    formula starts (it must load without openpyxl), which must be the writers' own."""
    from xl_ni179.excel import ribbon_sheets
    from xl_ni179.template.styles import FORMULA_STARTS

    assert ribbon_sheets.FORMULA_STARTS == FORMULA_STARTS
    assert [ribbon_sheets.as_text(t) for t in INJECTED.values()] == [
        f"'{t}" for t in INJECTED.values()
    ]


def test_a_chart_never_holds_more_series_than_excel_draws(summary, monkeypatch) -> None:
    """Excel draws at most 255 series on a chart (a larger partnership would lose lines, or the
    file its charts): the shares chart keeps the target lines and says how many organisations
    it draws; the table lists them all."""
    from xl_ni179.consolidate import dashboard

    monkeypatch.setattr(dashboard, "MAX_SERIES", 4)
    sheet = record_sheet("Dashboard", summary)
    shares = sheet.chart_list[-1]
    assert len(shares.series) == 4
    names = [sheet.value(*s.name) for s in shares.series]
    assert [n for n in names if n.startswith("Target: ")] == [
        f"Target: {a.name}" for a in summary.partnership.agreements if a.counts_from == "2008/09"
    ]
    received = len(summary.received)
    texts = [v for (_r, _c), (v, _look) in sheet.cells.items() if isinstance(v, str)]
    drawn = 4 - sum(n.startswith("Target: ") for n in names)
    assert any(
        f"The chart draws the first {drawn} of the {received} organisations" in t for t in texts
    )
    table = [v for (_r, c), (v, _look) in sheet.cells.items() if c == 1 and v in summary.received]
    assert set(summary.received) <= set(table)
