"""Totals per agreement, per sector and year, with the coverage they rest on.

Each total sums one agreement's members (or one sector's organisations), so an
organisation in both LAAs (fire, police) is counted once in each LAA and once in the
MAA, never twice in one total. Gains are summed only over organisations that have a
figure; ``target_covered`` is the target of those same organisations, so the two can be
compared like for like, and ``coverage`` says how much of the whole the figure covers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from xl_ni179.partnership import Partnership, Round, targets

# How a total reads against its target; the paper turns these into sentences.
ACHIEVED, NOT_ACHIEVED = "achieved", "not achieved"
LIKELY, AT_RISK, ON_COURSE, NOT_ASSESSED = "likely achieved", "at risk", "on course", "not assessed"


def assess(
    kind: str | None, gains: float | None, target_covered: float | None, complete: bool
) -> str:
    """Plain words for how the reported gains compare with the matching target."""
    if gains is None or not target_covered:
        return NOT_ASSESSED
    met = gains >= target_covered
    if kind == "Actual":
        if complete:
            return ACHIEVED if met else NOT_ACHIEVED
        return LIKELY if met else AT_RISK
    return ON_COURSE if met else AT_RISK


def _sum(values: np.ndarray) -> float | None:
    """The sum of the figures there are; None when there are none (pandas' ``min_count=1``)."""
    present = values[~pd.isna(values)]
    return float(present.sum()) if len(present) else None


Columns = dict[str, np.ndarray]
# What a total reads of a frame. A total is taken some 85 times in a round, each over a few
# rows: plain arrays, sliced by a mask, cost a fraction of filtering a DataFrame each time.
_READ = (
    "has_figure",
    "short_name",
    "sector",
    "returned",
    "baseline",
    "cumulative_target",
    "annual_target",
    "net",
    "progress",
)


def columns(rows: pd.DataFrame) -> Columns:
    """The columns of ``rows`` that ``total`` reads, as arrays."""
    return {name: rows[name].to_numpy() for name in _READ if name in rows}


def _where(cols: Columns, mask: np.ndarray) -> Columns:
    return {name: values[mask] for name, values in cols.items()}


def total(rows: Columns, kind: str | None) -> dict[str, Any]:
    """One total over ``rows`` (``columns`` of one row per organisation, all for the same year)."""
    has = rows["has_figure"].astype(bool)
    names = rows["short_name"]
    members, returned, figures = len(names), int(rows["returned"].sum()), int(has.sum())
    base = rows["baseline"].astype(float)
    baseline, covered = float(np.nansum(base)), float(np.nansum(base[has]))
    cumulative = rows.get("cumulative_target")
    target = _sum(cumulative) if cumulative is not None else None
    target_cov = _sum(cumulative[has]) if cumulative is not None else None
    gains = _sum(rows["net"][has])
    progress = _sum(rows["progress"][has])
    share = covered / baseline if baseline else None
    out: dict[str, Any] = {
        "kind": kind,
        "target": target,
        "annual_target": _sum(rows["annual_target"]) if "annual_target" in rows else None,
        "target_covered": target_cov,
        "gains": gains,
        "gains_incl_carry_forward": progress,
        "gains_share_of_covered_baseline": gains / covered
        if gains is not None and covered
        else None,
        "achievement": gains / target_cov if gains is not None and target_cov else None,
        "variance": gains - target_cov if gains is not None and target_cov is not None else None,
        "coverage": {
            "members": members,
            "returns": returned,
            "with_figures": figures,
            "baseline": baseline,
            "baseline_covered": covered,
            "baseline_share": share,
            "organisations_with_figures": names[has].tolist(),
            "organisations_without_figures": names[~has].tolist(),
            "text": coverage_text(figures, members, share),
        },
    }
    out["assessment"] = assess(kind, gains, target_cov, complete=figures == members)
    return out


def coverage_text(figures: int, members: int, share: float | None) -> str:
    if figures == members:
        return "the one organisation" if members == 1 else f"all {members} organisations"
    pct = f", {share:.1%} of the baseline" if share is not None else ""
    return f"{figures} of {members} organisations{pct}"


def _kind(rnd: Round, year: str) -> str | None:
    if year in rnd.actual_years:
        return "Actual"
    return "Forecast" if year in rnd.forecast_years else None


def agreement_totals(p: Partnership, rnd: Round, progress: pd.DataFrame) -> dict[str, Any]:
    """{agreement code: {year: total with by_sector}} for every year of every agreement."""
    out: dict[str, Any] = {}
    # The whole table as arrays once, sliced by masks (filtering the frame per agreement and
    # year costs a millisecond each; a partnership may have dozens of agreements).
    every = columns(progress)
    codes, years = progress["agreement"].to_numpy(), progress["year"].to_numpy()
    for agreement in p.agreements:
        mine = codes == agreement.code
        per_year: dict[str, Any] = {}
        for year in agreement.years:
            year_rows = _where(every, mine & (years == year))
            entry = total(year_rows, _kind(rnd, year))
            entry["reported_only"] = year in agreement.reported_only
            # The words say what the gains figure is: the agreement's, not NI 179's, from its start.
            entry["counts_from"] = agreement.counts_from
            entry["basis"] = targets.basis_text(agreement, year)
            sectors = year_rows["sector"]
            entry["by_sector"] = {
                sector: total(_where(year_rows, sectors == sector), _kind(rnd, year))
                for sector in dict.fromkeys(sectors)
            }
            per_year[year] = entry
        out[agreement.code] = per_year
    return out


def sector_totals(
    p: Partnership, rnd: Round, orgs: pd.DataFrame, gains: pd.DataFrame
) -> dict[str, Any]:
    """Partnership-wide gains per sector and year (no single target: agreements differ)."""
    out: dict[str, Any] = {}
    base = orgs.reset_index()[["code", "short_name", "sector", "baseline", "returned"]]
    # One join per year (each organisation with its figures, if any), then a slice per sector.
    by_year: dict[str, Columns] = {}
    for year in rnd.years:
        rows = base.merge(
            gains[gains["year"] == year][["code", "net", "progress", "has_figure"]],
            on="code",
            how="left",
        )
        rows["has_figure"] = rows["has_figure"].astype("boolean").fillna(False).astype(bool)
        by_year[year] = columns(rows)
    for sector in dict.fromkeys(orgs["sector"]):
        per_year = {
            year: total(_where(cols, cols["sector"] == sector), _kind(rnd, year))
            for year, cols in by_year.items()
        }
        out[sector] = {"name": p.sectors[sector].name, "years": per_year}
    return out
