"""The Dashboard sheet: progress against target per agreement, with native Excel charts."""

from __future__ import annotations

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.axis import ChartLines
from openpyxl.chart.legend import Legend
from openpyxl.worksheet.worksheet import Worksheet

from xl_ni179.consolidate import names
from xl_ni179.consolidate.summary import Summary
from xl_ni179.consolidate.text import en_dash
from xl_ni179.consolidate.xlhelpers import (
    MONEY,
    PCT,
    basis_note,
    note,
    reset,
    section,
    table,
    title,
    widths,
)
from xl_ni179.partnership import targets

# Each chart sits below its table, so that the sheet prints one page wide at a readable size.
CHART_ROWS = 16  # rows a 7.5 cm chart covers, and a row to spare
PROGRESS_LABELS = (
    "Year", "Actual or forecast", "Target: all members (£000)",
    "Target: organisations with figures (£000)", "Net gains counted (£000)",
    "Variance against matching target (£000)", "Gains as % of matching target",
    "Figures from", "Baseline covered",
)


def write_dashboard(ws: Worksheet, summary: Summary) -> None:
    reset(ws)
    p, rnd = summary.partnership, summary.round
    orgs = summary.organisations
    received = int(orgs["returned"].sum())
    caveat = "Figures are illustrative. " if p.illustrative else ""
    row = title(
        ws, f"NI 179 {en_dash(rnd.title)}: dashboard",
        f"{p.name}. Position at {summary.as_of:%d %B %Y}.",
        f"{caveat}Returns accepted from {received} of {len(orgs)} organisations. Totals cover only "
        f"organisations with figures; the 'matching target' is the target of those organisations, "
        f"so gains are compared like for like. See '{names.TOTALS}' for coverage by sector.")
    for agreement in p.agreements:
        row = section(ws, row, f"{agreement.name}: progress against target (£000), "
                               f"{targets.basis_text(agreement)}")
        header_row = row
        rows = []
        for year in agreement.years:
            t = summary.totals[agreement.code][year]
            cov = t["coverage"]
            rows.append((year, t["kind"] or "Not in this round", t["target"], t["target_covered"],
                         t["gains"], t["variance"], t["achievement"], cov["text"],
                         cov["baseline_share"]))
        row = table(ws, row, PROGRESS_LABELS, rows,
                    (None, None, MONEY, MONEY, MONEY, MONEY, PCT, None, PCT))
        row = note(ws, row, basis_note(agreement))
        _progress_chart(ws, agreement.name, header_row, len(rows), f"A{row + 1}")
        row += CHART_ROWS + 2
    _share_section(ws, summary, row)
    widths(ws, (16, 14, 16, 18, 16, 18, 14, 34, 12))
    ws.freeze_panes = "A4"


def _progress_chart(ws: Worksheet, name: str, header_row: int, n: int, anchor: str) -> None:
    """Bars for the gains reported, lines for the two targets, by year."""
    cats = Reference(ws, min_col=1, min_row=header_row + 1, max_row=header_row + n)
    bar = BarChart()
    bar.type = "col"
    bar.title = f"{name}: target and gains (£000)"
    bar.add_data(Reference(ws, min_col=5, min_row=header_row, max_row=header_row + n),
                 titles_from_data=True)
    bar.set_categories(cats)
    line = LineChart()
    line.add_data(Reference(ws, min_col=3, max_col=4, min_row=header_row, max_row=header_row + n),
                  titles_from_data=True)
    line.set_categories(cats)
    _axes(bar, "£000", "#,##0")
    bar += line
    bar.legend.position = "b"
    bar.width, bar.height = 18, 7.5
    ws.add_chart(bar, anchor)


def _axes(chart: BarChart | LineChart, y_title: str, y_format: str) -> None:
    # Newer Excel hides axes unless told not to.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.title = y_title
    chart.y_axis.number_format = y_format
    chart.y_axis.majorGridlines = ChartLines()


def _share_section(ws: Worksheet, summary: Summary, row: int) -> None:
    """Each organisation's cumulative net gains as a share of baseline, against the target lines."""
    p, rnd = summary.partnership, summary.round
    row = section(ws, row, "Cumulative net gains as a share of 2007/08 baseline")
    # A target line belongs on this chart only if its agreement counts from NI 179's own start:
    # a later agreement's target is not comparable with gains since April 2008.
    comparable = [a for a in p.agreements if targets.base_year(a) is None]
    later = [a for a in p.agreements if targets.base_year(a) is not None]
    text = ("One line per organisation with an accepted return (NI 179: gains since April 2008); "
            "dashed lines are the cumulative targets of the agreements that count from 2008/09.")
    if later:
        text += (" " + ", ".join(a.name for a in later) + " counts gains from its own first year, "
                 "so its progress is in its own section above.")
    row = note(ws, row, text)
    header_row = row
    labels = ("Organisation", *rnd.years)
    lines = []
    gains = summary.gains
    for code, org in summary.organisations[summary.organisations["returned"]].iterrows():
        mine = gains[gains["code"] == code].set_index("year")["share_of_baseline"]
        lines.append((org["short_name"], *[mine.get(y) for y in rnd.years]))
    for agreement in comparable:
        lines.append((f"Target: {agreement.name}",
                      *[targets.cumulative_rate(agreement, y) for y in rnd.years]))
    row = table(ws, row, labels, lines, (None, *[PCT] * len(rnd.years)))
    if not lines:
        return
    chart = LineChart()
    chart.title = "Cumulative net gains as % of baseline, against target"
    chart.add_data(Reference(ws, min_col=1, max_col=1 + len(rnd.years), min_row=header_row + 1,
                             max_row=header_row + len(lines)), from_rows=True, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, max_col=1 + len(rnd.years), min_row=header_row))
    targets_from = len(lines) - len(comparable)
    for series in chart.series[targets_from:]:
        series.graphicalProperties.line.dashStyle = "dash"
        series.graphicalProperties.line.width = 38100  # 3pt, in EMU
    _axes(chart, "Share of baseline", "0%")
    chart.legend = Legend(legendPos="r")
    chart.width, chart.height = 22, 8
    ws.add_chart(chart, f"A{row + 1}")
