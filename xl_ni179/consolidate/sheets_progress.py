"""The Savings against target and Totals sheets."""

from __future__ import annotations

from typing import Any

from xl_ni179.consolidate.sheet import Sheet
from xl_ni179.consolidate.summary import Summary
from xl_ni179.consolidate.text import en_dash
from xl_ni179.consolidate.xlhelpers import (
    FILLS,
    MONEY,
    PCT,
    basis_note,
    bold_row,
    fill_row,
    note,
    section,
    table,
    title,
    widths,
)
from xl_ni179.partnership import targets

SAVINGS_LABELS = (
    "Organisation",
    "Year",
    "Sector",
    "Return",
    "Actual or forecast",
    "Baseline 2007/08 (£000)",
    "Net gains: NI 179 (£000)",
    "In-year net gains (£000)",
    "Carry-forward (£000)",
    "Gains incl. carry-forward (£000)",
    "Share of baseline",
)
TARGET_LABELS = (
    "Organisation",
    "Year",
    "Actual or forecast",
    "Annual target (£000)",
    "Cumulative target (£000)",
    "Gains counted (£000)",
    "Variance (£000)",
)


def write_savings(ws: Sheet, summary: Summary) -> None:
    """One row per organisation and year, then a table per agreement of its members' targets.

    A table per agreement (listing only its members), not a column group per agreement
    beside the first table: the sheet stays one page wide however many agreements there
    are, and no organisation carries blank columns for agreements it is not in.
    """
    p, rnd = summary.partnership, summary.round
    row = title(
        ws,
        f"Savings against target: {en_dash(rnd.title)}",
        "Net ongoing cash-releasing gains, cumulative since 1 April 2008, £000.",
        "Blank gains mean no figure (no accepted return, or no forecast given), never zero. "
        "Each agreement counts gains from its own first year ('gains counted'); variance = gains "
        "counted including carry-forward less the cumulative target.",
    )
    ws.freeze(row, 2)  # the titles and the organisations' names stay on screen
    # Looked up in a dict: a search per cell would be quadratic over hundreds of organisations.
    gains = {(g["code"], g["year"]): g for g in summary.gains}
    rows: list[list[Any]] = []
    for code, org in summary.organisations.items():
        label = summary.statuses[code].label
        for year in rnd.years:
            g = gains.get((code, year))
            has = g is not None and bool(g["has_figure"])
            rows.append(
                [
                    org["short_name"],
                    year,
                    org["sector_name"],
                    label,
                    ("Actual" if rnd.is_actual(year) else "Forecast") if has else "No figure",
                    org["baseline"],
                    g["net"] if g and has else None,
                    g["in_year"] if g and has else None,
                    g["carry_forward"] if g and has else None,
                    g["progress"] if g and has else None,
                    g["share_of_baseline"] if g and has else None,
                ]
            )
    row = section(ws, row, "NI 179 by organisation and year")
    header_row = row
    row = table(
        ws,
        row,
        SAVINGS_LABELS,
        rows,
        (None, None, None, None, None, MONEY, MONEY, MONEY, MONEY, MONEY, PCT),
    )
    ws.autofilter(header_row, 1, row - 1, len(SAVINGS_LABELS))
    by_agreement: dict[str, list[dict[str, Any]]] = {}
    for t in summary.progress:
        by_agreement.setdefault(t["agreement"], []).append(t)
    names = {code: o["short_name"] for code, o in summary.organisations.items()}
    for agreement in p.agreements:
        row = section(
            ws,
            row + 1,
            f"{agreement.name}: targets, and gains counted since {agreement.counts_from}",
        )
        lines = [
            (
                names.get(t["code"], t["code"]),
                t["year"],
                t["kind"] if t["has_figure"] else "No figure",
                t["annual_target"],
                t["cumulative_target"],
                t["net"] if t["has_figure"] else None,
                t["variance"] if t["has_figure"] else None,
            )
            for t in by_agreement.get(agreement.code, [])
        ]
        row = table(ws, row, TARGET_LABELS, lines, (None, None, None, MONEY, MONEY, MONEY, MONEY))
        row = note(ws, row, basis_note(agreement))
    widths(ws, (24, 9, 18, 22, 11, 12, 12, 12, 12, 13, 10))


TOTAL_LABELS = (
    "Year",
    "Actual or forecast",
    "Sector",
    "Target: all members (£000)",
    "Target: organisations with figures (£000)",
    "Net gains counted (£000)",
    "Gains incl. carry-forward (£000)",
    "Variance against matching target (£000)",
    "Gains as % of matching target",
    "Returns accepted",
    "Members",
    "With figures",
    "Baseline covered",
    "Assessment",
)
TOTAL_FORMATS = (None, None, None, MONEY, MONEY, MONEY, MONEY, MONEY, PCT, "0", "0", "0", PCT, None)


def _total_row(year: str, label: str, t: dict[str, Any]) -> tuple:
    cov = t["coverage"]
    return (
        year,
        t["kind"] or "Not in this round",
        label,
        t["target"],
        t["target_covered"],
        t["gains"],
        t["gains_incl_carry_forward"],
        t["variance"],
        t["achievement"],
        cov["returns"],
        cov["members"],
        cov["with_figures"],
        cov["baseline_share"],
        t["assessment"],
    )


def write_totals(ws: Sheet, summary: Summary) -> None:
    p = summary.partnership
    row = title(
        ws,
        "Totals by agreement and sector",
        "Each organisation is counted once in each total: fire and police appear in both LAAs "
        "and the MAA, but never twice in one total.",
        "Gains are summed over organisations with figures only; the matching target is theirs, so "
        "the comparison is like for like. Missing organisations are not counted as zero.",
    )
    ws.freeze(row, 1)
    for agreement in p.agreements:
        row = section(ws, row, f"{agreement.name}: {targets.basis_text(agreement)}")
        lines, kinds = [], []
        for year in agreement.years:
            t = summary.totals[agreement.code][year]
            lines.append(_total_row(year, "All members", t))
            kinds.append("total")
            for sector, st in t["by_sector"].items():
                lines.append(_total_row(year, p.sectors[sector].name, st))
                kinds.append("sector")
        first = row + 1
        row = table(ws, row, TOTAL_LABELS, lines, TOTAL_FORMATS)
        for offset, kind in enumerate(kinds):
            if kind == "total":
                fill_row(ws, first + offset, 1, len(TOTAL_LABELS), FILLS["total"])
                bold_row(ws, first + offset, 1, len(TOTAL_LABELS))
        row = note(ws, row, basis_note(agreement))
        row += 1
    row = section(ws, row, "Whole partnership by sector (no single target: the agreements differ)")
    lines = []
    for _sector, data in summary.sector_totals.items():
        for year, t in data["years"].items():
            cov = t["coverage"]
            lines.append(
                (
                    data["name"],
                    year,
                    t["kind"],
                    t["gains"],
                    t["gains_share_of_covered_baseline"],
                    cov["with_figures"],
                    cov["members"],
                    cov["baseline_share"],
                    cov["text"],
                )
            )
    table(
        ws,
        row,
        (
            "Sector",
            "Year",
            "Actual or forecast",
            "Net gains (£000)",
            "Gains as share of covered baseline",
            "With figures",
            "Organisations",
            "Baseline covered",
            "Coverage",
        ),
        lines,
        (None, None, None, MONEY, PCT, "0", "0", PCT, None),
        wrap=(8,),
    )
    widths(ws, (22, 12, 24, 15, 16, 14, 15, 16, 13, 10, 10, 10, 11, 16))
