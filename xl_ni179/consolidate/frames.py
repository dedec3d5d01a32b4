"""The consolidation's tables, built with pandas from the configuration and the returns.

Four long tables, one row per fact, so every total is a plain group-and-sum:

- ``organisations``: one row per organisation in config order (baseline, return state, VFM).
- ``targets``: one row per agreement x member x agreement year (rates and targets in £000).
- ``gains``: one row per organisation with an accepted return x year of the round.
- ``progress``: ``targets`` joined to ``gains`` (what each member achieved against each target).
  Its ``net`` is the gains that count towards the agreement, from the agreement's own first
  year (``targets.counted_gains``); ``ni179`` keeps NI 179 itself (since April 2008).

Money is £000 throughout. A missing figure stays NaN: it is never read as zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

from xl_ni179.partnership import NI179_FIRST_YEAR, Partnership, Round, targets, year_start
from xl_ni179.spec.schema import WORKSTREAMS, costs_name, gains_name, noncash_name, oneoff_name
from xl_ni179.store.status import ACCEPTED, MISSING, OrgStatus

ACTUAL, FORECAST = "Actual", "Forecast"


def number(value: Any) -> float | None:
    """A return value as a float, or None for a blank (or anything that is not a number)."""
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


def organisations_frame(p: Partnership, statuses: Mapping[str, OrgStatus]) -> pd.DataFrame:
    rows = []
    for order, org in enumerate(p.organisations):
        status = statuses.get(org.code)
        state = status.state if status else MISSING
        rows.append(
            {
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
                "vfm": p.vfm.scores.get(org.code),
            }
        )
    frame = pd.DataFrame(rows).set_index("code")
    frame["vfm"] = frame["vfm"].astype("Int64")
    return frame


def targets_frame(p: Partnership) -> pd.DataFrame:
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
                targets.annual_rate(agreement, year),
                targets.cumulative_rate(agreement, year),
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
                        "annual_target": None if annual is None else baseline * annual,
                        "cumulative_target": None if cumulative is None else baseline * cumulative,
                        "reported_only": reported_only,
                    }
                )
    return pd.DataFrame(
        rows,
        columns=[
            "agreement",
            "agreement_order",
            "code",
            "year",
            "baseline",
            "annual_rate",
            "cumulative_rate",
            "annual_target",
            "cumulative_target",
            "reported_only",
        ],
    )


def _sum(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def gains_frame(
    p: Partnership, rnd: Round, returns: Mapping[str, Mapping[str, Any]]
) -> pd.DataFrame:
    """Net cumulative gains per organisation and year, from accepted returns only.

    A year has a figure when any gains or costs cell for it is filled; blanks beside
    filled cells then count as nothing, but a year left wholly blank has no figure.
    """
    rows = []
    for org in p.organisations:
        if org.code not in returns:
            continue
        values = returns[org.code]
        cf_cash = number(values.get("carry_forward_cashable"))
        cf_noncash = number(values.get("carry_forward_noncashable"))
        for year in rnd.years:
            gross = _sum(
                [number(values.get(gains_name(stream, year))) for stream, _ in WORKSTREAMS]
            )
            costs = _sum(
                [number(values.get(costs_name(stream, year))) for stream, _ in WORKSTREAMS]
            )
            has_figure = gross is not None or costs is not None
            net = (gross or 0.0) - (costs or 0.0) if has_figure else None
            rows.append(
                {
                    "code": org.code,
                    "year": year,
                    "kind": ACTUAL if rnd.is_actual(year) else FORECAST,
                    "gross": gross,
                    "costs": costs,
                    "net": net,
                    "has_figure": has_figure,
                    "oneoff": number(values.get(oneoff_name(year))),
                    "noncash": number(values.get(noncash_name(year))),
                    "carry_forward_cashable": cf_cash,
                    "carry_forward_noncashable": cf_noncash,
                    "baseline": float(org.baseline),
                }
            )
    columns = [
        "code",
        "year",
        "kind",
        "gross",
        "costs",
        "net",
        "has_figure",
        "oneoff",
        "noncash",
        "carry_forward_cashable",
        "carry_forward_noncashable",
        "baseline",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    for col in columns[3:]:
        if col != "has_figure":
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame["has_figure"] = frame["has_figure"].astype(bool)
    carry = frame["carry_forward_cashable"].fillna(0) + frame["carry_forward_noncashable"].fillna(0)
    frame["carry_forward"] = carry
    # Carry-forward counts towards the organisation's progress, never the NI 179 figure.
    frame["progress"] = frame["net"] + carry
    frame["share_of_baseline"] = frame["net"] / frame["baseline"]
    frame["in_year"] = _in_year(frame)
    return frame


def _in_year(frame: pd.DataFrame) -> pd.Series:
    """In-year gains: this year's cumulative figure less last year's, where both are known."""
    out = [float("nan")] * len(frame)
    previous: dict[str, tuple[str, float]] = {}  # each organisation's row before, as (year, net)
    for i, (code, year, net) in enumerate(
        zip(frame["code"], frame["year"], frame["net"], strict=True)
    ):
        before = previous.get(code)
        if year == NI179_FIRST_YEAR:
            out[i] = net
        elif before and year_start(before[0]) + 1 == year_start(year):
            out[i] = net - before[1]
        previous[code] = (year, net)
    return pd.Series(out, index=frame.index, dtype="float64")


def progress_frame(
    p: Partnership, targets_df: pd.DataFrame, gains_df: pd.DataFrame, orgs: pd.DataFrame
) -> pd.DataFrame:
    """Each agreement member's target beside the gains that count towards it; NaN gains
    where there is no figure."""
    gains_cols = [
        "code",
        "year",
        "kind",
        "net",
        "in_year",
        "carry_forward",
        "share_of_baseline",
        "has_figure",
    ]
    frame = targets_df.merge(
        gains_df[gains_cols].rename(columns={"net": "ni179"}), on=["code", "year"], how="left"
    )
    ni179: dict[str, dict[str, float]] = {}  # one pass, not a frame per organisation
    for code, year, net in zip(
        gains_df["code"],
        gains_df["year"],
        gains_df["net"].where(gains_df["has_figure"]),
        strict=True,
    ):
        ni179.setdefault(code, {})[year] = net
    agreements = {a.code: a for a in p.agreements}
    frame["net"] = pd.Series(
        [
            targets.counted_gains(agreements[a], y, ni179.get(c, {}))
            for a, c, y in zip(frame["agreement"], frame["code"], frame["year"], strict=True)
        ],
        index=frame.index,
        dtype="float64",
    )
    frame["has_figure"] = frame["net"].notna()
    # Carry-forward counts towards the organisation's progress, never the NI 179 figure.
    frame["progress"] = frame["net"] + frame["carry_forward"]
    meta = orgs[["order", "short_name", "sector", "returned"]]
    frame = frame.join(meta, on="code")
    frame["variance"] = frame["progress"] - frame["cumulative_target"]
    return frame.sort_values(["agreement_order", "order", "year"], kind="stable").reset_index(
        drop=True
    )
