"""The paper's "forecast against outturn" paragraph: how last round's forecasts turned out."""

from __future__ import annotations

from typing import Any

from xl_ni179.consolidate.summary import Summary
from xl_ni179.consolidate.text import and_list, money_k, number_word, percent
from xl_ni179.consolidate.trajectory import Trajectory
from xl_ni179.spec.schema import TOLERANCE


def outturn_sentences(summary: Summary) -> list[str]:
    """One passage per year this round reported as actual for the first time and an earlier
    round forecast; empty when there is no earlier round to compare with."""
    traj: Trajectory | None = summary.trajectory
    if traj is None or not traj.has_history:
        return []
    return [
        _passage(total)
        for total in traj.outturn_totals()
        if total["outturn_round"] == summary.round.id
    ]


def _passage(total: dict[str, Any]) -> str:
    year, n = total["year"], len(total["organisations"])
    f_label, o_label = total["forecast_label"], total["outturn_label"]
    who = (
        f"One organisation forecast {year} in the {f_label} and has"
        if n == 1
        else f"{number_word(n).capitalize()} organisations forecast {year} in the {f_label} and have"
    )
    text = (
        f"{who} now reported its outturn. {'Its figures' if n == 1 else 'Together'}: forecast "
        f"{year} in the {f_label}: {money_k(total['forecast'])}; actual in the {o_label}: "
        f"{money_k(total['actual'])}"
    )
    diff, share = total["difference"], total["difference_share"]
    if abs(diff) < TOLERANCE:
        text += ", as forecast."
    else:
        pct = f" ({percent(abs(share))})" if share is not None else ""
        text += f", {money_k(abs(diff))}{pct} {'below' if diff < 0 else 'above'} the forecast."
    below = total["below_forecast"]
    if below and n > 1:
        names = and_list(
            [
                f"{b['organisation']} ({money_k(b['actual'])} against {money_k(b['forecast'])})"
                for b in below
            ]
        )
        text += f" {number_word(len(below)).capitalize()} of them came in below their forecast: {names}."
    elif n > 1:
        text += " None came in below its forecast."
    return text
