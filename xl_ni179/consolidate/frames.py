"""The consolidation's tables, built from the configuration and the returns.

Four long tables, one row (a dict) per fact, so every total is a plain filter-and-sum:

- ``organisations``: organisation code -> its row, in config order (baseline, return state, VFM).
- ``targets``: one row per agreement x member x agreement year (rates and targets in £000).
- ``gains``: one row per organisation with an accepted return x year of the round.
- ``progress``: ``targets`` joined to ``gains`` (what each member achieved against each target).
  Its ``net`` is the gains that count towards the agreement, from the agreement's own first
  year (``targets.counted_gains``); ``ni179`` keeps NI 179 itself (since April 2008).

Money is £000 throughout. A missing figure is NaN, so arithmetic on it stays missing: it is
never read as zero. Plain rows rather than a data-frame library: a round is a few thousand
rows, and importing one cost the consolidation more than all its arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from xl_ni179.partnership import NI179_FIRST_YEAR, Partnership, Round, targets, year_start
from xl_ni179.spec.schema import WORKSTREAMS, costs_name, gains_name, noncash_name, oneoff_name
from xl_ni179.store.status import ACCEPTED, MISSING, OrgStatus

ACTUAL, FORECAST = "Actual", "Forecast"
NAN = math.nan

Row = dict[str, Any]


def number(value: Any) -> float | None:
    """A return value as a float, or None for a blank (or anything that is not a number)."""
    kind = type(value)
    if kind is float:  # most values (a bool is not an int here: its type is bool)
        return None if value != value else value
    if kind is int:
        return float(value)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        result = float(value)
        return None if math.isnan(result) else result
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("£", "")
        try:
            return float(text) if text else None
        except ValueError:
            return None
    return None


def missing(value: Any) -> bool:
    """No figure: None or NaN (the one value not equal to itself)."""
    return value is None or value != value


def figure(value: float | None) -> float:
    """A float for arithmetic, NaN where there is no figure."""
    return NAN if value is None else float(value)


def total_of(values: Iterable[Any]) -> float | None:
    """The sum of the figures there are (correctly rounded); None when there are none."""
    present = [v for v in values if v is not None and v == v]  # NaN is not equal to itself
    return math.fsum(present) if present else None


def divide(top: float, bottom: float) -> float:
    """IEEE division, as a spreadsheet column of floats divides: by zero gives ±inf or NaN."""
    if bottom:
        return top / bottom
    if math.isnan(top) or top == 0:
        return NAN
    return math.copysign(math.inf, top) * math.copysign(1.0, bottom)


def organisations_frame(p: Partnership, statuses: Mapping[str, OrgStatus]) -> dict[str, Row]:
    rows = {}
    for order, org in enumerate(p.organisations):
        status = statuses.get(org.code)
        state = status.state if status else MISSING
        vfm = p.vfm.scores.get(org.code)
        rows[org.code] = {
            "code": org.code,
            "order": order,
            "name": org.name,
            "short_name": org.short_name,
            "sector": org.sector,
            "sector_name": p.sectors[org.sector].name,
            "baseline": float(org.baseline),
            "state": state,
            "late": bool(status.late) if status else False,
            "returned": state == ACCEPTED,
            "vfm": None if vfm is None else int(vfm),
        }
    return rows


def targets_frame(p: Partnership) -> list[Row]:
    """Every member's annual and cumulative target for every year of every agreement."""
    rows = []
    baselines = {
        o.code: float(o.baseline) for o in p.organisations
    }  # looked up once: partnerships can be large
    for order, agreement in enumerate(p.agreements):
        # Each year's rates once per agreement, not per member: the same arithmetic
        # (targets.annual_target is the baseline times annual_rate) over hundreds of members.
        rates = [
            (
                year,
                figure(targets.annual_rate(agreement, year)),
                figure(targets.cumulative_rate(agreement, year)),
                year in agreement.reported_only,
            )
            for year in agreement.years
        ]
        # A member listed twice in the file must still be counted once in the total.
        for code in dict.fromkeys(agreement.members):
            baseline = baselines[code]
            for year, annual, cumulative, reported_only in rates:
                rows.append(
                    {
                        "agreement": agreement.code,
                        "agreement_order": order,
                        "code": code,
                        "year": year,
                        "baseline": baseline,
                        "annual_rate": annual,
                        "cumulative_rate": cumulative,
                        "annual_target": baseline * annual,
                        "cumulative_target": baseline * cumulative,
                        "reported_only": reported_only,
                    }
                )
    return rows


def _sum(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def gains_frame(p: Partnership, rnd: Round, returns: Mapping[str, Mapping[str, Any]]) -> list[Row]:
    """Net cumulative gains per organisation and year, from accepted returns only.

    A year has a figure when any gains or costs cell for it is filled; blanks beside
    filled cells then count as nothing, but a year left wholly blank has no figure.
    """
    rows = []
    # Each year's cell names once, not once per organisation (hundreds of them).
    names = {
        year: (
            [gains_name(stream, year) for stream, _ in WORKSTREAMS],
            [costs_name(stream, year) for stream, _ in WORKSTREAMS],
            oneoff_name(year),
            noncash_name(year),
            ACTUAL if rnd.is_actual(year) else FORECAST,
        )
        for year in rnd.years
    }
    for org in p.organisations:
        if org.code not in returns:
            continue
        values = returns[org.code]
        baseline = float(org.baseline)
        cf_cash = figure(number(values.get("carry_forward_cashable")))
        cf_noncash = figure(number(values.get("carry_forward_noncashable")))
        # Carry-forward counts towards the organisation's progress, never the NI 179 figure.
        carry = (0.0 if math.isnan(cf_cash) else cf_cash) + (
            0.0 if math.isnan(cf_noncash) else cf_noncash
        )
        before: tuple[str, float] | None = None  # the row before, as (year, net)
        for year, (gains_names, costs_names, oneoff, noncash, kind) in names.items():
            gross = _sum([number(values.get(name)) for name in gains_names])
            costs = _sum([number(values.get(name)) for name in costs_names])
            has_figure = gross is not None or costs is not None
            net = (gross or 0.0) - (costs or 0.0) if has_figure else NAN
            rows.append(
                {
                    "code": org.code,
                    "year": year,
                    "kind": kind,
                    "gross": figure(gross),
                    "costs": figure(costs),
                    "net": net,
                    "has_figure": has_figure,
                    "oneoff": figure(number(values.get(oneoff))),
                    "noncash": figure(number(values.get(noncash))),
                    "carry_forward_cashable": cf_cash,
                    "carry_forward_noncashable": cf_noncash,
                    "baseline": baseline,
                    "carry_forward": carry,
                    "progress": net + carry,
                    "share_of_baseline": divide(net, baseline),
                    "in_year": _in_year(year, net, before),
                }
            )
            before = (year, net)
    return rows


def _in_year(year: str, net: float, before: tuple[str, float] | None) -> float:
    """In-year gains: this year's cumulative figure less last year's, where both are known."""
    if year == NI179_FIRST_YEAR:
        return net
    if before and year_start(before[0]) + 1 == year_start(year):
        return net - before[1]
    return NAN


_FROM_GAINS = ("in_year", "carry_forward", "share_of_baseline")  # beside kind and NI 179


def progress_frame(
    p: Partnership, targets_rows: list[Row], gains_rows: list[Row], orgs: Mapping[str, Row]
) -> list[Row]:
    """Each agreement member's target beside the gains that count towards it; NaN gains
    where there is no figure."""
    by_key = {(g["code"], g["year"]): g for g in gains_rows}
    ni179: dict[str, dict[str, float | None]] = {}  # one pass, not a search per member
    for g in gains_rows:
        ni179.setdefault(g["code"], {})[g["year"]] = g["net"] if g["has_figure"] else None
    agreements = {a.code: a for a in p.agreements}
    rows = []
    for t in targets_rows:
        code, year = t["code"], t["year"]
        found = by_key.get((code, year))
        row = dict(t)
        if found is None:
            row.update({"kind": None, "ni179": NAN, **dict.fromkeys(_FROM_GAINS, NAN)})
        else:
            row.update({"kind": found["kind"], "ni179": found["net"]})
            row.update({k: found[k] for k in _FROM_GAINS})
        net = figure(targets.counted_gains(agreements[t["agreement"]], year, ni179.get(code, {})))
        org = orgs[code]
        # Carry-forward counts towards the organisation's progress, never the NI 179 figure.
        progress = net + row["carry_forward"]
        row.update(
            {
                "net": net,
                "has_figure": not math.isnan(net),
                "progress": progress,
                "order": org["order"],
                "short_name": org["short_name"],
                "sector": org["sector"],
                "returned": org["returned"],
                "variance": progress - t["cumulative_target"],
            }
        )
        rows.append(row)
    rows.sort(key=lambda r: (r["agreement_order"], r["order"], r["year"]))
    return rows
