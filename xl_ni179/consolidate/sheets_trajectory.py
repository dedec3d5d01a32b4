"""The Trajectory sheet: the rounds side by side (the figures come from ``trajectory``).

Three sections: the partnership's cumulative net gains against the target path (with a
native line chart), each forecast beside the actual reported once its year was over, and
each member's actuals in every round against each agreement's cumulative target.
"""

from __future__ import annotations

from xl_ni179.consolidate import names
from xl_ni179.consolidate.sheet import Chart, Series, Sheet
from xl_ni179.consolidate.summary import Summary
from xl_ni179.consolidate.text import and_list, en_dash, money_k
from xl_ni179.consolidate.trajectory import Trajectory, round_label
from xl_ni179.consolidate.xlhelpers import (
    FILLS,
    MONEY,
    PCT,
    bold_row,
    fill_row,
    note,
    section,
    table,
    title,
    widths,
)

CHART_ROWS = (
    23  # the 11 cm chart, below its table (so the sheet prints one page wide), and a row to spare
)
TALL_HEADER = 45  # three lines: the headers name a round and a unit


def write_trajectory(ws: Sheet, summary: Summary) -> None:
    traj = summary.trajectory
    rounds = traj.rounds if traj else ()
    caveat = "Figures are illustrative. " if summary.partnership.illustrative else ""
    listed = and_list([f"the {round_label(r)} ({_returns(traj, r.id)})" for r in rounds])
    row = title(
        ws,
        f"NI 179 {en_dash(summary.round.title)}: trajectory across rounds",
        f"{summary.partnership.name}. Position at {summary.as_of:%d %B %Y}.",
        f"{caveat}Each round counts each organisation's latest accepted return. Rounds with "
        f"accepted returns: {listed}. Money is £000 of net ongoing cash-releasing gains, "
        f"cumulative since 1 April 2008 (NI 179); against an agreement's target, the gains that "
        f"count towards that agreement, as on the {names.DASHBOARD}.",
    )
    widths(ws, (24, 10, 16, 16, 16, 16, 16, 16, 16))
    ws.freeze(4)
    if traj is None or not rounds:
        note(ws, row, "No round has accepted returns yet, so there is no trajectory to show.")
        return
    if not traj.has_history:
        row = note(
            ws,
            row,
            f"Only one round has accepted returns so far: the {round_label(rounds[0])}. "
            "There is nothing to compare across rounds yet: how each forecast turned out "
            "and the path against the target appear here once a later round's returns "
            "are accepted.",
        )
        _actuals(ws, traj, row + 1)
        return
    row = _path(ws, traj, row)
    row = _forecasts(ws, traj, row + 1)
    _actuals(ws, traj, row + 1)


def _returns(traj: Trajectory | None, round_id: str) -> str:
    if traj is None:
        return "no returns"
    n = traj.returns_in(round_id)
    return f"{n} return{'s' if n != 1 else ''}"


def _path(ws: Sheet, traj: Trajectory, row: int) -> int:
    """The chart's data (share of baseline by year), the detail behind it, and the chart."""
    a = traj.agreement
    members = len(dict.fromkeys(a.members))
    row = section(
        ws, row, f"Cumulative net gains against the target path: {a.name}, {members} organisations"
    )
    row = note(
        ws,
        row,
        "Share of baseline: each round's gains (actual, then forecast) over the baseline "
        "of the organisations that gave figures in it, so rounds with different returns "
        "compare like for like; the dashed line is the agreement's cumulative target.",
    )
    by_year = traj.path_by_year()
    if not by_year:
        return note(
            ws, row, f"No round has reported on a year that counts towards the {a.name} target."
        )
    header_row = row
    labels = ("Year", "Target path", *[round_label(r) for r in traj.rounds])
    row = table(
        ws,
        row,
        labels,
        by_year,
        (None, PCT, *[PCT] * len(traj.rounds)),
    )
    _chart(ws, traj, header_row, len(by_year), row + 1)
    row = note(ws, row + CHART_ROWS, "Behind each point:")
    labels = (
        "Round",
        "Year",
        "Actual or forecast",
        "Organisations with figures",
        "Baseline covered (£000)",
        "Net gains (£000)",
        "Their target (£000)",
        "Share of baseline",
        "Target path",
    )
    detail = [
        (
            traj.label(x["round"]),
            x["year"],
            x["kind"],
            f"{x['organisations']} of {x['members']}",
            x["baseline_covered"],
            x["gains"],
            x["target_covered"],
            x["share_of_baseline"],
            x["target_rate"],
        )
        for x in traj.path
    ]
    row = table(ws, row, labels, detail, (None, None, None, None, MONEY, MONEY, MONEY, PCT, PCT))
    ws.set_height(row - len(detail) - 1, TALL_HEADER)
    return row


def _chart(ws: Sheet, traj: Trajectory, header_row: int, n: int, row: int) -> None:
    first, last = header_row + 1, header_row + n
    # The target path first, dashed; a year a round did not cover is a gap, not a zero.
    ws.add_chart(
        Chart(
            row,
            1,
            22,
            11,
            "Cumulative net gains against the target path",
            "Share of baseline",
            "0%",
            legend="bottom",
            gaps=True,
            series=[
                Series(
                    (header_row, col),
                    (first, col, last, col),
                    (first, 1, last, 1),
                    line=True,
                    dashed=col == 2,
                )
                for col in range(2, 3 + len(traj.rounds))
            ],
        )
    )


def _forecasts(ws: Sheet, traj: Trajectory, row: int) -> int:
    row = section(ws, row, "Forecasts against outturn (£000)")
    if not traj.forecast_vs_outturn:
        return note(
            ws,
            row,
            "No organisation has yet reported as actual a year it forecast in an earlier round.",
        )
    row = note(
        ws,
        row,
        "Each forecast an organisation made, beside the actual it reported once the year "
        "was over; the totals are over the organisations that gave both.",
    )
    labels = (
        "Organisation",
        "Year",
        "Forecast in",
        "Forecast (£000)",
        "Actual in",
        "Actual (£000)",
        "Difference (£000)",
        "Difference (% of forecast)",
        "In words",
    )
    lines: list[tuple] = []
    totals: list[int] = []  # positions of the total lines, styled once the table is written
    for total, (_, mine) in zip(traj.outturn_totals(), traj.outturn_groups(), strict=True):
        f_label, o_label = total["forecast_label"], total["outturn_label"]
        lines += [
            (
                x["short_name"],
                x["year"],
                f_label,
                x["forecast"],
                o_label,
                x["actual"],
                x["difference"],
                x["difference_share"],
                outturn_words(x["year"], f_label, x["forecast"], o_label, x["actual"]),
            )
            for x in mine
        ]
        n = len(total["organisations"])
        totals.append(len(lines))
        lines.append(
            (
                f"Total ({n} organisation{'s' if n != 1 else ''})",
                total["year"],
                f_label,
                total["forecast"],
                o_label,
                total["actual"],
                total["difference"],
                total["difference_share"],
                outturn_words(total["year"], f_label, total["forecast"], o_label, total["actual"]),
            )
        )
    first = row + 1
    row = table(ws, row, labels, lines, (None, None, None, MONEY, None, MONEY, MONEY, PCT, None))
    ws.set_height(first - 1, TALL_HEADER)
    for at in totals:
        fill_row(ws, first + at, 1, len(labels), FILLS["total"])
        bold_row(ws, first + at, 1, len(labels))
    return row


def outturn_words(
    year: str, forecast_round: str, forecast: float, outturn_round: str, actual: float
) -> str:
    """'forecast 2009/10 in the 2008/09 review: £492k; actual in the 2009/10 outturn: £443k'."""
    return (
        f"forecast {year} in the {forecast_round}: {money_k(forecast)}; "
        f"actual in the {outturn_round}: {money_k(actual)}"
    )


def _actuals(ws: Sheet, traj: Trajectory, row: int) -> int:
    round_cols = [f"Actual in the {round_label(r)} (£000)" for r in traj.rounds]
    labels = (
        "Organisation",
        "Year",
        "Cumulative target (£000)",
        *round_cols,
        "Changed between rounds (£000)",
        "Latest against target (£000)",
        "Latest as % of target",
    )
    for agreement in traj.agreements:
        rows = traj.actuals_by_round(agreement)
        if not rows:
            continue
        row = section(
            ws,
            row,
            f"{agreement.name}: actuals reported in each round against the "
            "cumulative target (£000)",
        )
        lines = [
            (
                x["short_name"],
                x["year"],
                x["cumulative_target"],
                *[x[r.id] for r in traj.rounds],
                x["change"],
                x["variance"],
                x["achievement"],
            )
            for x in rows
        ]
        row = table(
            ws,
            row,
            labels,
            lines,
            (None, None, MONEY, *[MONEY] * len(traj.rounds), MONEY, MONEY, PCT),
        )
        ws.set_height(row - len(lines) - 1, TALL_HEADER)
        row += 1
    return row
