"""The Dashboard sheet: progress against target per agreement, with native Excel charts."""

from __future__ import annotations

from xl_ni179.consolidate import names
from xl_ni179.consolidate.sheet import Chart, Series, Sheet
from xl_ni179.consolidate.summary import Summary
from xl_ni179.consolidate.text import en_dash
from xl_ni179.consolidate.xlhelpers import (
    MONEY,
    PCT,
    basis_note,
    note,
    section,
    table,
    title,
    widths,
)
from xl_ni179.partnership import targets

# Each chart sits below its table, so that the sheet prints one page wide at a readable size.
CHART_ROWS = 16  # rows a 7.5 cm chart covers, and a row to spare
MAX_SERIES = 255  # the most series Excel draws on one chart
PROGRESS_LABELS = (
    "Year",
    "Actual or forecast",
    "Target: all members (£000)",
    "Target: organisations with figures (£000)",
    "Net gains counted (£000)",
    "Variance against matching target (£000)",
    "Gains as % of matching target",
    "Figures from",
    "Baseline covered",
)


def write_dashboard(ws: Sheet, summary: Summary) -> None:
    p, rnd = summary.partnership, summary.round
    orgs = summary.organisations
    received = sum(1 for o in orgs.values() if o["returned"])
    caveat = "Figures are illustrative. " if p.illustrative else ""
    row = title(
        ws,
        f"NI 179 {en_dash(rnd.title)}: dashboard",
        f"{p.name}. Position at {summary.as_of:%d %B %Y}.",
        f"{caveat}Returns accepted from {received} of {len(orgs)} organisations. Totals cover only "
        f"organisations with figures; the 'matching target' is the target of those organisations, "
        f"so gains are compared like for like. See '{names.TOTALS}' for coverage by sector.",
    )
    for agreement in p.agreements:
        row = section(
            ws,
            row,
            f"{agreement.name}: progress against target (£000), {targets.basis_text(agreement)}",
        )
        header_row = row
        rows = []
        for year in agreement.years:
            t = summary.totals[agreement.code][year]
            cov = t["coverage"]
            rows.append(
                (
                    year,
                    t["kind"] or "Not in this round",
                    t["target"],
                    t["target_covered"],
                    t["gains"],
                    t["variance"],
                    t["achievement"],
                    cov["text"],
                    cov["baseline_share"],
                )
            )
        row = table(
            ws, row, PROGRESS_LABELS, rows, (None, None, MONEY, MONEY, MONEY, MONEY, PCT, None, PCT)
        )
        row = note(ws, row, basis_note(agreement))
        _progress_chart(ws, agreement.name, header_row, len(rows), row + 1)
        row += CHART_ROWS + 2
    _share_section(ws, summary, row)
    widths(ws, (16, 14, 16, 18, 16, 18, 14, 34, 12))
    ws.freeze(4)


def _progress_chart(ws: Sheet, name: str, header_row: int, n: int, row: int) -> None:
    """Bars for the gains reported, lines for the two targets, by year."""
    first, last = header_row + 1, header_row + n
    cats = (first, 1, last, 1)
    ws.add_chart(
        Chart(
            row,
            1,
            18,
            7.5,
            f"{name}: target and gains (£000)",
            "£000",
            "#,##0",
            legend="bottom",
            series=[
                Series((header_row, 5), (first, 5, last, 5), cats),
                *[
                    Series((header_row, col), (first, col, last, col), cats, line=True)
                    for col in (3, 4)
                ],
            ],
        )
    )


def _share_section(ws: Sheet, summary: Summary, row: int) -> None:
    """Each organisation's cumulative net gains as a share of baseline, against the target lines."""
    p, rnd = summary.partnership, summary.round
    row = section(ws, row, "Cumulative net gains as a share of 2007/08 baseline")
    # A target line belongs on this chart only if its agreement counts from NI 179's own start:
    # a later agreement's target is not comparable with gains since April 2008.
    comparable = [a for a in p.agreements if targets.base_year(a) is None]
    later = [a for a in p.agreements if targets.base_year(a) is not None]
    text = (
        "One line per organisation with an accepted return (NI 179: gains since April 2008); "
        "dashed lines are the cumulative targets of the agreements that count from 2008/09."
    )
    if later:
        text += (
            " " + ", ".join(a.name for a in later) + " counts gains from its own first year, "
            "so its progress is in its own section above."
        )
    lines = []
    share = {(g["code"], g["year"]): g["share_of_baseline"] for g in summary.gains}
    for code, org in summary.organisations.items():
        if not org["returned"]:
            continue
        lines.append((org["short_name"], *[share.get((code, y)) for y in rnd.years]))
    organisations = len(lines)
    drawn = min(organisations, MAX_SERIES - len(comparable))
    if drawn < organisations:
        text += (
            f" The chart draws the first {drawn} of the {organisations} organisations (a chart holds "
            f"at most {MAX_SERIES} lines); the table lists them all."
        )
    for agreement in comparable:
        lines.append(
            (
                f"Target: {agreement.name}",
                *[targets.cumulative_rate(agreement, y) for y in rnd.years],
            )
        )
    row = note(ws, row, text)
    header_row = row
    labels = ("Organisation", *rnd.years)
    row = table(ws, row, labels, lines, (None, *[PCT] * len(rnd.years)))
    if not lines:
        return
    years = len(rnd.years)
    drawn_rows = [
        *range(header_row + 1, header_row + 1 + drawn),
        *range(header_row + 1 + organisations, header_row + 1 + len(lines)),
    ]
    ws.add_chart(
        Chart(
            row + 1,
            1,
            22,
            8,
            "Cumulative net gains as % of baseline, against target",
            "Share of baseline",
            "0%",
            legend="right",
            series=[
                Series(
                    (r, 1),
                    (r, 2, r, 1 + years),
                    (header_row, 2, header_row, 1 + years),
                    line=True,
                    dashed=r > header_row + organisations,
                )
                for r in drawn_rows
            ],
        )
    )
