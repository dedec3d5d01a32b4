"""The trajectory across rounds: what each round's accepted returns said about each year.

A round's summary sees that round only. NI 179 runs over several years, so each year is
first forecast and later reported as actual; these tables (rows as dicts) line the rounds
up (£000, NaN where there is no figure, never zero):

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

from xl_ni179.consolidate import frames
from xl_ni179.consolidate.frames import NAN, Row, divide, figure, missing
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
    targets: list[Row]  # frames.targets_frame
    reported: list[Row]
    against_target: list[Row]
    forecast_vs_outturn: list[Row]
    path: list[Row]

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

    def returns_in(self, round_id: str) -> int:
        """How many organisations' accepted returns the round has."""
        return len({r["code"] for r in self.reported if r["round"] == round_id})

    def path_by_year(self) -> list[tuple[Any, ...]]:
        """One row per year: the year, the target path and each round's share of baseline
        (chart data; NaN where a round did not cover the year)."""
        shares = {(r["year"], r["round"]): r["share_of_baseline"] for r in self.path}
        return [
            (
                year,
                targets.cumulative_rate(self.agreement, year),
                *[shares.get((year, rnd.id), NAN) for rnd in self.rounds],
            )
            for year in self.path_years()
        ]

    def actuals_by_round(self, agreement: Agreement) -> list[Row]:
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
                values = [gains.get((a, code, year, rid), NAN) for rid in order]
                figures = [v for v in values if not math.isnan(v)]
                latest = figures[-1] if figures else NAN
                goal_of = goal.get((a, code, year), NAN)
                rows.append(
                    {
                        "code": code,
                        "short_name": self.names[code],
                        "year": year,
                        **dict(zip(order, values, strict=True)),
                        "latest": latest,
                        "change": figures[-1] - figures[0] if len(figures) > 1 else NAN,
                        "cumulative_target": goal_of,
                        "variance": latest - goal_of,
                        "achievement": divide(latest, goal_of),
                    }
                )
        return rows

    # Looked up once for every agreement's table: filtering the frames per agreement costs
    # milliseconds each, and a partnership may have dozens of agreements.
    @functools.cached_property
    def _actual_gains(self) -> dict[tuple[str, str, str, str], float]:
        """(agreement, organisation, year, round) -> the gains reported as actual."""
        return {
            (r["agreement"], r["code"], r["year"], r["round"]): r["gains"]
            for r in self.against_target
            if r["kind"] == frames.ACTUAL
        }

    @functools.cached_property
    def _cumulative_targets(self) -> dict[tuple[str, str, str], float]:
        """(agreement, organisation, year) -> the cumulative target."""
        return {
            (t["agreement"], t["code"], t["year"]): t["cumulative_target"] for t in self.targets
        }

    def outturn_totals(self) -> list[dict[str, Any]]:
        """Like for like: per year and pair of rounds, the organisations that gave both a
        forecast and an actual, their totals and who came in below their forecast."""
        out = []
        for (year, f_round, o_round), grp in self.outturn_groups():
            below = sorted((x for x in grp if x["difference"] < 0), key=lambda x: x["difference"])
            forecast = math.fsum(x["forecast"] for x in grp)
            actual = math.fsum(x["actual"] for x in grp)
            out.append(
                {
                    "year": year,
                    "forecast_round": f_round,
                    "outturn_round": o_round,
                    "forecast_label": self.label(f_round),
                    "outturn_label": self.label(o_round),
                    "organisations": [x["short_name"] for x in grp],
                    "forecast": forecast,
                    "actual": actual,
                    "difference": actual - forecast,
                    "difference_share": (actual - forecast) / forecast if forecast else None,
                    "below_forecast": [
                        {
                            "organisation": x["short_name"],
                            "forecast": x["forecast"],
                            "actual": x["actual"],
                        }
                        for x in below
                    ],
                }
            )
        return out

    def outturn_groups(self) -> list[tuple[tuple[str, str, str], list[Row]]]:
        """``forecast_vs_outturn`` grouped by year, forecast round and outturn round, in the
        order each group first appears."""
        groups: dict[tuple[str, str, str], list[Row]] = {}
        for x in self.forecast_vs_outturn:
            groups.setdefault((x["year"], x["forecast_round"], x["outturn_round"]), []).append(x)
        return list(groups.items())

    def to_json(self) -> dict[str, Any]:
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
            "path": [{k: v for k, v in x.items() if k != "round_order"} for x in self.path],
            "forecast_vs_outturn": [
                {
                    "organisation": x["short_name"],
                    **{k: x[k] for k in ("year", "forecast_round", "forecast", "outturn_round")},
                    "actual": x["actual"],
                    "difference": x["difference"],
                }
                for x in self.forecast_vs_outturn
            ],
            "forecast_vs_outturn_totals": self.outturn_totals(),
        }


def build_trajectory(
    p: Partnership,
    upto: Round,
    history: History,
    headline: Agreement,
    *,
    target_rows: list[Row] | None = None,
    gains: Mapping[str, list[Row]] | None = None,
) -> Trajectory:
    """The rounds up to ``upto`` (by deadline) that have accepted returns in ``history``.
    ``target_rows`` and ``gains`` (round id -> ``frames.gains_frame`` of its returns in
    ``history``) are those already worked out, so they are not worked out again."""
    rounds = tuple(
        r
        for r in sorted(p.rounds, key=lambda r: r.deadline)
        if r.deadline <= upto.deadline and history.get(r.id)
    )
    names = {o.code: o.short_name for o in p.organisations}
    reported = reported_frame(p, rounds, history, gains or {})
    # NI 179 by year for each (round, organisation), read once: blank years stay out.
    ni179: dict[tuple[str, str], dict[str, float | None]] = {}
    for r in reported:
        net = r["net"] if r["has_figure"] else None
        ni179.setdefault((r["round"], r["code"]), {})[r["year"]] = net
    against = against_target_frame(p, rounds, ni179)
    return Trajectory(
        rounds=rounds,
        agreements=p.agreements,
        agreement=headline,
        names=names,
        targets=frames.targets_frame(p) if target_rows is None else target_rows,
        reported=reported,
        against_target=against,
        forecast_vs_outturn=forecast_vs_outturn_frame(reported),
        path=path_frame(headline, rounds, against),
    )


def reported_frame(
    p: Partnership,
    rounds: tuple[Round, ...],
    history: History,
    known: Mapping[str, list[Row]] | None = None,
) -> list[Row]:
    rows = []
    orgs = {o.code: (i, o.short_name) for i, o in enumerate(p.organisations)}
    known = known or {}
    for r_order, rnd in enumerate(rounds):
        found = known.get(rnd.id)
        gains = frames.gains_frame(p, rnd, history[rnd.id]) if found is None else found
        for g in gains:
            order, short_name = orgs[g["code"]]
            extra = {"round": rnd.id, "round_order": r_order, "order": order}
            row = {**g, **extra, "short_name": short_name}
            rows.append({k: row[k] for k in REPORTED_COLUMNS})
    return rows


def against_target_frame(
    p: Partnership,
    rounds: tuple[Round, ...],
    ni179: Mapping[tuple[str, str], Mapping[str, float | None]],
) -> list[Row]:
    """Each member's gains counted towards each agreement, for each year of each round."""
    rows = []
    order = {o.code: i for i, o in enumerate(p.organisations)}
    orgs = {o.code: o for o in p.organisations}  # looked up once: partnerships can be large
    for a_order, agreement in enumerate(p.agreements):
        rates = {
            year: figure(targets.cumulative_rate(agreement, year)) for year in agreement.rates
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
                    # targets.cumulative_target, with the year's rate found once above
                    goal = rates[year] * float(org.baseline)
                    gains = figure(targets.counted_gains(agreement, year, figures))
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
                            "baseline": float(org.baseline),
                            "cumulative_rate": rates[year],
                            "cumulative_target": goal,
                            "gains": gains,
                            "variance": gains - goal,
                        }
                    )
    return rows


def forecast_vs_outturn_frame(reported: list[Row]) -> list[Row]:
    """Each forecast a round made for a year that a later round reported as actual."""
    figures = [r for r in reported if r["has_figure"]]
    # The outturn is the first round in which the year was actual; later rounds restate it.
    outturn: dict[tuple[str, str], Row] = {}
    for r in sorted(figures, key=lambda r: r["round_order"]):
        if r["kind"] == frames.ACTUAL:
            outturn.setdefault((r["code"], r["year"]), r)
    rows = []
    for f in figures:
        o = outturn.get((f["code"], f["year"]))
        if f["kind"] != frames.FORECAST or o is None or f["round_order"] >= o["round_order"]:
            continue
        difference = o["net"] - f["net"]
        rows.append(
            {
                "code": f["code"],
                "order": f["order"],
                "short_name": f["short_name"],
                "year": f["year"],
                "forecast_round": f["round"],
                "forecast_order": f["round_order"],
                "forecast": f["net"],
                "outturn_round": o["round"],
                "outturn_order": o["round_order"],
                "actual": o["net"],
                "difference": difference,
                "difference_share": difference / f["net"] if f["net"] != 0 else NAN,
            }
        )
    rows.sort(key=lambda r: (year_start(r["year"]), r["forecast_order"], r["order"]))
    return rows


def path_frame(agreement: Agreement, rounds: tuple[Round, ...], against: list[Row]) -> list[Row]:
    """The agreement's total per round and year on its target path (actual and forecast years
    alike), over the members that gave a figure, with their baseline and target so the share
    is like for like."""
    rows = []
    path = targets.counted_years(agreement)
    members = len(dict.fromkeys(agreement.members))
    given: dict[tuple[str, str], list[Row]] = {}
    for x in against:
        if x["agreement"] == agreement.code and not missing(x["gains"]):
            given.setdefault((x["round"], x["year"]), []).append(x)
    for r_order, rnd in enumerate(rounds):
        for year in rnd.years:
            if year not in path:
                continue
            got = given.get((rnd.id, year), [])
            covered = math.fsum(x["baseline"] for x in got)
            gains = math.fsum(x["gains"] for x in got) if got else NAN
            rows.append(
                {
                    "round": rnd.id,
                    "round_order": r_order,
                    "year": year,
                    "kind": frames.ACTUAL if rnd.is_actual(year) else frames.FORECAST,
                    "organisations": len(got),
                    "members": members,
                    "baseline_covered": covered,
                    "gains": gains,
                    "target_covered": math.fsum(x["cumulative_target"] for x in got)
                    if got
                    else NAN,
                    "share_of_baseline": gains / covered if covered else NAN,
                    "target_rate": targets.cumulative_rate(agreement, year),
                }
            )
    return rows
