"""Totals per agreement, per sector and year, with the coverage they rest on.

Each total sums one agreement's members (or one sector's organisations), so an
organisation in both LAAs (fire, police) is counted once in each LAA and once in the
MAA, never twice in one total. Gains are summed only over organisations that have a
figure; ``target_covered`` is the target of those same organisations, so the two can be
compared like for like, and ``coverage`` says how much of the whole the figure covers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xl_ni179.consolidate.frames import Row, total_of
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


def total(rows: list[Row], kind: str | None) -> dict[str, Any]:
    """One total over ``rows`` (one per organisation, all for the same year). Rows without
    a "cumulative_target" (sector totals) have no target."""
    with_figures = [r for r in rows if r["has_figure"]]
    members, figures = len(rows), len(with_figures)
    returned = sum(1 for r in rows if r["returned"])
    baseline = total_of(r["baseline"] for r in rows) or 0.0
    covered = total_of(r["baseline"] for r in with_figures) or 0.0
    has_target = bool(rows) and "cumulative_target" in rows[0]
    target = total_of(r["cumulative_target"] for r in rows) if has_target else None
    target_cov = total_of(r["cumulative_target"] for r in with_figures) if has_target else None
    gains = total_of(r["net"] for r in with_figures)
    progress = total_of(r["progress"] for r in with_figures)
    share = covered / baseline if baseline else None
    out: dict[str, Any] = {
        "kind": kind,
        "target": target,
        "annual_target": total_of(r["annual_target"] for r in rows) if has_target else None,
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
            "organisations_with_figures": [r["short_name"] for r in with_figures],
            "organisations_without_figures": [r["short_name"] for r in rows if not r["has_figure"]],
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


def agreement_totals(p: Partnership, rnd: Round, progress: list[Row]) -> dict[str, Any]:
    """{agreement code: {year: total with by_sector}} for every year of every agreement."""
    out: dict[str, Any] = {}
    # Grouped in one pass: filtering the whole table per agreement and year would be
    # quadratic, and a partnership may have dozens of agreements.
    groups: dict[tuple[str, str], list[Row]] = {}
    for r in progress:
        groups.setdefault((r["agreement"], r["year"]), []).append(r)
    for agreement in p.agreements:
        per_year: dict[str, Any] = {}
        for year in agreement.years:
            year_rows = groups.get((agreement.code, year), [])
            entry = total(year_rows, _kind(rnd, year))
            entry["reported_only"] = year in agreement.reported_only
            # The words say what the gains figure is: the agreement's, not NI 179's, from its start.
            entry["counts_from"] = agreement.counts_from
            entry["basis"] = targets.basis_text(agreement, year)
            entry["by_sector"] = {
                sector: total(rows, _kind(rnd, year)) for sector, rows in _by_sector(year_rows)
            }
            per_year[year] = entry
        out[agreement.code] = per_year
    return out


def _by_sector(rows: list[Row]) -> list[tuple[str, list[Row]]]:
    """The rows of each sector, sectors in the order they first appear."""
    groups: dict[str, list[Row]] = {}
    for r in rows:
        groups.setdefault(r["sector"], []).append(r)
    return list(groups.items())


def sector_totals(
    p: Partnership, rnd: Round, orgs: Mapping[str, Row], gains: list[Row]
) -> dict[str, Any]:
    """Partnership-wide gains per sector and year (no single target: agreements differ)."""
    found = {(g["code"], g["year"]): g for g in gains}
    by_year: dict[str, list[tuple[str, list[Row]]]] = {}
    for year in rnd.years:
        rows = []
        for code, org in orgs.items():  # every organisation, with its figures if any
            g = found.get((code, year))
            rows.append(
                {
                    "short_name": org["short_name"],
                    "sector": org["sector"],
                    "baseline": org["baseline"],
                    "returned": org["returned"],
                    "net": g["net"] if g else None,
                    "progress": g["progress"] if g else None,
                    "has_figure": bool(g and g["has_figure"]),
                }
            )
        by_year[year] = _by_sector(rows)
    out: dict[str, Any] = {}
    for sector in dict.fromkeys(o["sector"] for o in orgs.values()):
        per_year = {
            year: total(dict(groups).get(sector, []), _kind(rnd, year))
            for year, groups in by_year.items()
        }
        out[sector] = {"name": p.sectors[sector].name, "years": per_year}
    return out
