"""The trajectory across rounds: what each round's accepted returns said about each year.

A round's summary sees that round only. NI 179 runs over several years, so each year is
first forecast and later reported as actual; these tables line the rounds up (£000, NaN
where there is no figure, never zero):

- ``reported``: round x organisation with an accepted return in it x year of the round:
  NI 179 (cumulative net gains since April 2008), actual or forecast in that round.
- ``against_target``: agreement x member x round x year of the round (actual or forecast
  in it): the gains that count towards the agreement beside its cumulative target.
- ``forecast_vs_outturn``: organisation x year x earlier round that forecast the year,
  beside the actual reported in the round where the year first became actual.
- ``path``: the headline agreement's cumulative net gains by round, for the years that
  count towards its target, with the baseline and target of the organisations that gave
  figures (like for like).

The history is the latest accepted return of each organisation in each round up to the
one consolidated (``round.summarise`` reads it from the store).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from xl_ni179.consolidate import frames
from xl_ni179.consolidate.text import en_dash
from xl_ni179.partnership import Agreement, Partnership, Round, targets, year_start

# round id -> organisation code -> figures of its latest accepted return in that round
History = Mapping[str, Mapping[str, Mapping[str, Any]]]

REPORTED_COLUMNS = [
    "round",
    "round_order",
    "code",
    "order",
    "short_name",
    "year",
    "kind",
    "net",
    "has_figure",
    "baseline",
]
TARGET_COLUMNS = [
    "agreement",
    "agreement_order",
    "code",
    "order",
    "short_name",
    "round",
    "round_order",
    "year",
    "kind",
    "baseline",
    "cumulative_rate",
    "cumulative_target",
    "gains",
    "variance",
]
OUTTURN_COLUMNS = [
    "code",
    "order",
    "short_name",
    "year",
    "forecast_round",
    "forecast_order",
    "forecast",
    "outturn_round",
    "outturn_order",
    "actual",
    "difference",
    "difference_share",
]
PATH_COLUMNS = [
    "round",
    "round_order",
    "year",
    "kind",
    "organisations",
    "members",
    "baseline_covered",
    "gains",
    "target_covered",
    "share_of_baseline",
    "target_rate",
]


def round_label(rnd: Round) -> str:
    """How a sentence names a round: 'Efficiency - 2008/09 review' -> '2008/09 review'."""
    title = en_dash(rnd.title)
    return title.rsplit(" – ", 1)[-1].strip() or rnd.id


@dataclass
class Trajectory:
    rounds: tuple[Round, ...]  # rounds with an accepted return, oldest first
    agreements: tuple[Agreement, ...]
    agreement: Agreement  # the headline agreement, whose path the chart shows
    names: dict[str, str]  # organisation code -> short name, in configuration order
    targets: pd.DataFrame  # frames.targets_frame
    reported: pd.DataFrame
    against_target: pd.DataFrame
    forecast_vs_outturn: pd.DataFrame
    path: pd.DataFrame

    @property
    def has_history(self) -> bool:
        """Two or more rounds to compare."""
        return len(self.rounds) > 1

    def label(self, round_id: str) -> str:
        return round_label(next(r for r in self.rounds if r.id == round_id))

    def path_years(self) -> list[str]:
        """The years that count towards the headline agreement's target and that some round
        reported on, in order (a year only reported against its rate is not on the path)."""
        covered = {y for r in self.rounds for y in r.years}
        return [y for y in targets.counted_years(self.agreement) if y in covered]

    def path_by_year(self) -> pd.DataFrame:
        """One row per year: the target path and each round's share of baseline (chart data)."""
        rows = []
        for year in self.path_years():
            row: dict[str, Any] = {
                "year": year,
                "target_rate": targets.cumulative_rate(self.agreement, year),
            }
            mine = self.path[self.path["year"] == year].set_index("round")["share_of_baseline"]
            for rnd in self.rounds:
                row[rnd.id] = mine.get(rnd.id, math.nan)
            rows.append(row)
        return pd.DataFrame(rows, columns=["year", "target_rate", *[r.id for r in self.rounds]])

    def actuals_by_round(self, agreement: Agreement) -> pd.DataFrame:
        """One row per member x year that some round reported as actual: the cumulative target,
        the gains reported as actual in each round (a column per round id), the latest, and
        how far it moved between the first and the latest round. Members without figures keep
        their rows, with blank figures."""
        years = [y for y in agreement.years if any(y in r.actual_years for r in self.rounds)]
        gains, goal, a = self._actual_gains, self._cumulative_targets, agreement.code
        order = [r.id for r in self.rounds]
        rows = []
        for code in dict.fromkeys(agreement.members):
            for year in years:
                values = [gains.get((a, code, year, rid), math.nan) for rid in order]
                figures = [v for v in values if not math.isnan(v)]
                rows.append(
                    {
                        "code": code,
                        "short_name": self.names[code],
                        "year": year,
                        **dict(zip(order, values, strict=True)),
                        "latest": figures[-1] if figures else math.nan,
                        "change": figures[-1] - figures[0] if len(figures) > 1 else math.nan,
                        "cumulative_target": goal.get((a, code, year), math.nan),
                    }
                )
        frame = pd.DataFrame(
            rows,
            columns=["code", "short_name", "year", *order, "latest", "change", "cumulative_target"],
        )
        frame["variance"] = frame["latest"] - frame["cumulative_target"]
        frame["achievement"] = frame["latest"] / frame["cumulative_target"]
        return frame

    # Looked up once for every agreement's table: filtering the frames per agreement costs
    # milliseconds each, and a partnership may have dozens of agreements.
    @functools.cached_property
    def _actual_gains(self) -> dict[tuple[str, str, str, str], float]:
        """(agreement, organisation, year, round) -> the gains reported as actual."""
        at = self.against_target
        mine = at[at["kind"] == frames.ACTUAL]
        return {
            (a, c, y, r): g
            for a, c, y, r, g in zip(
                mine["agreement"],
                mine["code"],
                mine["year"],
                mine["round"],
                mine["gains"],
                strict=True,
            )
        }

    @functools.cached_property
    def _cumulative_targets(self) -> dict[tuple[str, str, str], float]:
        """(agreement, organisation, year) -> the cumulative target."""
        t = self.targets
        return {
            (a, c, y): v
            for a, c, y, v in zip(
                t["agreement"], t["code"], t["year"], t["cumulative_target"], strict=True
            )
        }

    def outturn_totals(self) -> list[dict[str, Any]]:
        """Like for like: per year and pair of rounds, the organisations that gave both a
        forecast and an actual, their totals and who came in below their forecast."""
        out = []
        fvo = self.forecast_vs_outturn
        for (year, f_round, o_round), grp in fvo.groupby(
            ["year", "forecast_round", "outturn_round"], sort=False
        ):
            below = grp[grp["difference"] < 0].sort_values("difference")
            forecast, actual = float(grp["forecast"].sum()), float(grp["actual"].sum())
            out.append(
                {
                    "year": year,
                    "forecast_round": f_round,
                    "outturn_round": o_round,
                    "forecast_label": self.label(f_round),
                    "outturn_label": self.label(o_round),
                    "organisations": grp["short_name"].tolist(),
                    "forecast": forecast,
                    "actual": actual,
                    "difference": actual - forecast,
                    "difference_share": (actual - forecast) / forecast if forecast else None,
                    "below_forecast": [
                        {"organisation": n, "forecast": f, "actual": a}
                        for n, f, a in zip(
                            below["short_name"], below["forecast"], below["actual"], strict=True
                        )
                    ],
                }
            )
        return out

    def to_json(self) -> dict[str, Any]:
        fvo = self.forecast_vs_outturn[
            [
                "short_name",
                "year",
                "forecast_round",
                "forecast",
                "outturn_round",
                "actual",
                "difference",
            ]
        ]
        return {
            "rounds": [
                {
                    "id": r.id,
                    "title": en_dash(r.title),
                    "actual_years": list(r.actual_years),
                    "forecast_years": list(r.forecast_years),
                }
                for r in self.rounds
            ],
            "agreement": self.agreement.code,
            "path": self.path.drop(columns=["round_order"]).to_dict("records"),
            "forecast_vs_outturn": fvo.rename(columns={"short_name": "organisation"}).to_dict(
                "records"
            ),
            "forecast_vs_outturn_totals": self.outturn_totals(),
        }


def build_trajectory(
    p: Partnership,
    upto: Round,
    history: History,
    headline: Agreement,
    *,
    targets_df: pd.DataFrame | None = None,
    gains: Mapping[str, pd.DataFrame] | None = None,
) -> Trajectory:
    """The rounds up to ``upto`` (by deadline) that have accepted returns in ``history``.
    ``targets_df`` and ``gains`` (round id -> ``frames.gains_frame`` of its returns in
    ``history``) are those already worked out, so they are not worked out again."""
    rounds = tuple(
        r
        for r in sorted(p.rounds, key=lambda r: r.deadline)
        if r.deadline <= upto.deadline and history.get(r.id)
    )
    names = {o.code: o.short_name for o in p.organisations}
    reported = reported_frame(p, rounds, history, gains or {})
    # NI 179 by year for each (round, organisation), read once: blank years stay out.
    ni179: dict[tuple[str, str], dict[str, float]] = {}
    for rid, code, year, net in zip(
        reported["round"],
        reported["code"],
        reported["year"],
        reported["net"].where(reported["has_figure"]),
        strict=True,
    ):
        ni179.setdefault((rid, code), {})[year] = net
    against = against_target_frame(p, rounds, ni179)
    return Trajectory(
        rounds=rounds,
        agreements=p.agreements,
        agreement=headline,
        names=names,
        targets=frames.targets_frame(p) if targets_df is None else targets_df,
        reported=reported,
        against_target=against,
        forecast_vs_outturn=forecast_vs_outturn_frame(reported),
        path=path_frame(headline, rounds, against),
    )


def reported_frame(
    p: Partnership,
    rounds: tuple[Round, ...],
    history: History,
    known: Mapping[str, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    parts = []
    order = {o.code: i for i, o in enumerate(p.organisations)}
    known = known or {}
    for r_order, rnd in enumerate(rounds):
        found = known.get(rnd.id)
        gains = frames.gains_frame(p, rnd, history[rnd.id]) if found is None else found.copy()
        gains["round"], gains["round_order"] = rnd.id, r_order
        parts.append(gains)
    if not parts:
        return pd.DataFrame(columns=REPORTED_COLUMNS)
    frame = pd.concat(parts, ignore_index=True)
    frame["order"] = frame["code"].map(order)
    frame["short_name"] = frame["code"].map({o.code: o.short_name for o in p.organisations})
    return frame[REPORTED_COLUMNS]


def against_target_frame(
    p: Partnership, rounds: tuple[Round, ...], ni179: Mapping[tuple[str, str], Mapping[str, float]]
) -> pd.DataFrame:
    """Each member's gains counted towards each agreement, for each year of each round."""
    rows = []
    order = {o.code: i for i, o in enumerate(p.organisations)}
    orgs = {o.code: o for o in p.organisations}  # looked up once: partnerships can be large
    for a_order, agreement in enumerate(p.agreements):
        rates = {
            year: targets.cumulative_rate(agreement, year) for year in agreement.rates
        }  # once a year
        for code in dict.fromkeys(agreement.members):
            org = orgs[code]
            for r_order, rnd in enumerate(rounds):
                figures = ni179.get((rnd.id, code))
                if figures is None:  # no accepted return from this member in this round
                    continue
                for year in rnd.years:
                    if year not in agreement.rates:
                        continue
                    goal = targets.cumulative_target(agreement, org.baseline, year)
                    gains = targets.counted_gains(agreement, year, figures)
                    rows.append(
                        {
                            "agreement": agreement.code,
                            "agreement_order": a_order,
                            "code": code,
                            "order": order[code],
                            "short_name": org.short_name,
                            "round": rnd.id,
                            "round_order": r_order,
                            "year": year,
                            "kind": frames.ACTUAL if rnd.is_actual(year) else frames.FORECAST,
                            "baseline": org.baseline,
                            "cumulative_rate": rates[year],
                            "cumulative_target": goal,
                            "gains": _nan(gains),
                            "variance": math.nan if gains is None or goal is None else gains - goal,
                        }
                    )
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def forecast_vs_outturn_frame(reported: pd.DataFrame) -> pd.DataFrame:
    """Each forecast a round made for a year that a later round reported as actual."""
    figures = reported.loc[reported["has_figure"].astype(bool)]
    actual = figures[figures["kind"] == frames.ACTUAL].sort_values("round_order")
    # The outturn is the first round in which the year was actual; later rounds restate it.
    outturn = actual.drop_duplicates(["code", "year"], keep="first")[
        ["code", "year", "round", "round_order", "net"]
    ].rename(columns={"round": "outturn_round", "round_order": "outturn_order", "net": "actual"})
    forecasts = figures[figures["kind"] == frames.FORECAST][
        ["code", "order", "short_name", "year", "round", "round_order", "net"]
    ].rename(
        columns={"round": "forecast_round", "round_order": "forecast_order", "net": "forecast"}
    )
    frame = forecasts.merge(outturn, on=["code", "year"], how="inner")
    frame = frame[frame["forecast_order"] < frame["outturn_order"]].copy()
    frame["difference"] = frame["actual"] - frame["forecast"]
    frame["difference_share"] = frame["difference"] / frame["forecast"].where(
        frame["forecast"] != 0
    )
    frame = frame.sort_values(["year", "forecast_order", "order"], key=_year_first, kind="stable")
    return frame.reset_index(drop=True)[OUTTURN_COLUMNS]


def path_frame(
    agreement: Agreement, rounds: tuple[Round, ...], against: pd.DataFrame
) -> pd.DataFrame:
    """The agreement's total per round and year on its target path (actual and forecast years
    alike), over the members that gave a figure, with their baseline and target so the share
    is like for like."""
    rows = []
    path = targets.counted_years(agreement)
    for r_order, rnd in enumerate(rounds):
        mine = against[(against["agreement"] == agreement.code) & (against["round"] == rnd.id)]
        for year in rnd.years:
            if year not in path:
                continue
            got = mine[(mine["year"] == year) & mine["gains"].notna()]
            covered = float(got["baseline"].sum())
            gains = float(got["gains"].sum()) if len(got) else math.nan
            rows.append(
                {
                    "round": rnd.id,
                    "round_order": r_order,
                    "year": year,
                    "kind": frames.ACTUAL if rnd.is_actual(year) else frames.FORECAST,
                    "organisations": len(got),
                    "members": len(dict.fromkeys(agreement.members)),
                    "baseline_covered": covered,
                    "gains": gains,
                    "target_covered": float(got["cumulative_target"].sum())
                    if len(got)
                    else math.nan,
                    "share_of_baseline": gains / covered if covered else math.nan,
                    "target_rate": targets.cumulative_rate(agreement, year),
                }
            )
    return pd.DataFrame(rows, columns=PATH_COLUMNS)


def _year_first(column: pd.Series) -> pd.Series:
    return column.map(year_start) if column.name == "year" else column


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)
