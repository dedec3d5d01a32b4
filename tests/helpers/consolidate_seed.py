"""Synthetic returns for the seed round, shared by the consolidation and paper tests.

The seven organisations the 2008/09 review heard from, with the review's RAG ratings:
2009/10 six Amber and one Red; 2010/11 five Amber and two Red; 2011/12 four Amber, one Red
and two unrated. Gains are about 3% of baseline in 2008/09 (figures invented for tests).
"""

from __future__ import annotations

from typing import Any

from xl_ni179.partnership import Partnership, Round, load_partnership, year_key
from xl_ni179.spec.schema import WORKSTREAMS
from xl_ni179.store.status import ACCEPTED, MISSING, OrgStatus

ROUND_ID = "2008-09-review"
SEED_RECEIVED = {
    "City Council",
    "Police",
    "Hinckley and Bosworth",
    "North West Leicestershire",
    "Oadby and Wigston",
    "Melton",
    "County Council",
}
SEED_MISSING = {"Blaby", "Charnwood", "Harborough", "Fire Authority", "County PCT", "City PCT"}
SEED_RAG = {
    "2009/10": {"Green": 0, "Amber": 6, "Red": 1, "Not rated": 0},
    "2010/11": {"Green": 0, "Amber": 5, "Red": 2, "Not rated": 0},
    "2011/12": {"Green": 0, "Amber": 4, "Red": 1, "Not rated": 2},
}
# code: (cumulative net gains as % of baseline for each round year (None = no forecast), ratings)
SEED_SCENARIO: dict[str, tuple[tuple[float | None, ...], tuple[str | None, ...]]] = {
    "LCC": ((3.1, 6.0, 9.1, 12.0), ("Amber", "Amber", "Amber")),
    "LCITY": ((3.0, 5.9, 9.0, 11.8), ("Amber", "Amber", "Amber")),
    "HINCK": ((2.9, 5.0, 6.8, 8.0), ("Amber", "Red", "Red")),
    "MELTON": ((2.8, 4.5, 6.0, None), ("Red", "Red", None)),
    "NWL": ((3.2, 6.1, 9.0, 12.1), ("Amber", "Amber", "Amber")),
    "OADBY": ((3.0, 5.8, 8.5, None), ("Amber", "Amber", None)),
    "POLICE": ((3.1, 6.2, 9.5, 12.4), ("Amber", "Amber", "Amber")),
}
# Partner text that a spreadsheet would read as a formula if written carelessly.
FORMULA_LIKE = {
    "LCC": "=SUM(A1:A9) of the plan is not yet identified",
    "LCITY": "+ shared services savings slip into next year",
    "POLICE": "-5% gap on the workforce review",
    "HINCK": "@risk: the leisure contract",
}
COST_SHARE = 0.05


def seed_partnership() -> tuple[Partnership, Round]:
    p = load_partnership()
    return p, p.round(ROUND_ID)


def make_return(
    p: Partnership,
    rnd: Round,
    code: str,
    shares: tuple[float | None, ...],
    ratings: tuple[str | None, ...],
) -> dict[str, Any]:
    """A return's input values by defined name; a None share leaves that year blank."""
    baseline = p.organisation(code).baseline
    data: dict[str, Any] = {}
    for year, share in zip(rnd.years, shares, strict=True):
        if share is None:
            continue
        yk = year_key(year)
        net = round(baseline * share / 100, 1)
        cost = round(net * COST_SHARE, 1)
        for ws, _label in WORKSTREAMS:
            data[f"gains_{ws}_{yk}"] = 0.0
            data[f"costs_{ws}_{yk}"] = 0.0
        data[f"gains_procurement_{yk}"] = round(net * 0.6 + cost, 1)
        data[f"gains_back_office_{yk}"] = round(net - round(net * 0.6, 1), 1)
        data[f"costs_procurement_{yk}"] = cost
        data[f"oneoff_{yk}"] = 12.5  # memo: must not count
        data[f"noncash_{yk}"] = 40.0  # memo: must not count
    for year, rating in zip(rnd.forecast_years, ratings, strict=True):
        yk = year_key(year)
        data[f"rag_{yk}"] = rating
        if rating:
            data[f"rag_commentary_{yk}"] = FORMULA_LIKE.get(
                code, f"{rating}: plans partly identified."
            )
    for project in p.projects_of(code):
        data[f"project_savings_{project.code}"] = 10.0
        data[f"project_comment_{project.code}"] = "=B2 business case under way"
    data["signoff_preparer"] = "A. Finance, Accountant"
    return data


def seed_returns(p: Partnership, rnd: Round) -> dict[str, dict[str, Any]]:
    return {
        code: make_return(p, rnd, code, shares, ratings)
        for code, (shares, ratings) in SEED_SCENARIO.items()
    }


def net_of(values: dict[str, Any], year: str) -> float | None:
    """Net gains straight from a return's cells (the definition, for checking the sums)."""
    yk = year_key(year)
    gains = [values.get(f"gains_{ws}_{yk}") for ws, _ in WORKSTREAMS]
    costs = [values.get(f"costs_{ws}_{yk}") for ws, _ in WORKSTREAMS]
    if all(v is None for v in gains + costs):
        return None
    return sum(v or 0 for v in gains) - sum(v or 0 for v in costs)


def statuses_for(
    p: Partnership,
    accepted: set[str],
    states: dict[str, str] | None = None,
    late: set[str] = frozenset(),
) -> list[OrgStatus]:
    states = states or {}
    return [
        OrgStatus(
            o.code,
            o.name,
            o.short_name,
            o.sector,
            states.get(o.code, ACCEPTED if o.code in accepted else MISSING),
            late=o.code in late,
            version=1 if o.code in accepted else None,
        )
        for o in p.organisations
    ]
