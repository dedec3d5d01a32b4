"""Forecast confidence (RAG) and value-for-money score counts, with the words that explain them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from xl_ni179.partnership import Partnership, Round
from xl_ni179.spec.schema import rag_commentary_name, rag_name

RAG_LEVELS = ("Green", "Amber", "Red")
NOT_RATED = "Not rated"
RAG_COLUMNS = (*RAG_LEVELS, NOT_RATED)

RAG_MEANINGS = {
    "Green": "On track, with clearly identified plans to generate the savings target.",
    "Amber": "Some risk to achieving the target, from uncertainty over where the savings will "
    "arise or risks in the savings projects; however, the vast majority of savings are "
    "achievable.",
    "Red": "Significant risks to achieving the target.",
}

VFM_SCORES = (4, 3, 2, 1)
VFM_LEVELS = {
    4: "Well above minimum requirements – performing strongly",
    3: "Consistently above minimum requirements – performing well",
    2: "At only minimum requirements – adequate performance",
    1: "Below minimum requirements – inadequate performance",
}
# Use of Resources criteria; 3.2 and 3.3 did not apply to districts in the first year.
VFM_CRITERIA = (
    (
        "Managing the finances",
        "1.1",
        "How effectively does the organisation manage finances to deliver value for money?",
        False,
    ),
    (
        "Managing the finances",
        "1.2",
        "Does the organisation have a sound understanding of its costs and performance and achieve "
        "efficiencies in its activities?",
        False,
    ),
    (
        "Managing resources",
        "3.1",
        "Is the organisation making effective use of natural resources?",
        False,
    ),
    (
        "Managing resources",
        "3.2",
        "Does the organisation manage its assets effectively to deliver its strategic priorities "
        "and service needs?",
        True,
    ),
    (
        "Managing resources",
        "3.3",
        "Does the organisation plan, organise and develop its workforce effectively to support the "
        "achievement of its strategic priorities?",
        True,
    ),
)
DISTRICT_SECTOR = "district"


def rating(value: Any) -> str:
    """A partner's rating as one of Green/Amber/Red, or 'Not rated' for a blank."""
    if isinstance(value, str):
        text = value.strip().capitalize()
        if text in RAG_LEVELS:
            return text
    return NOT_RATED


def rag_frame(p: Partnership, rnd: Round, returns: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per accepted return x forecast year: the rating and its commentary."""
    rows = []
    for org in p.organisations:
        if org.code not in returns:
            continue
        values = returns[org.code]
        for year in rnd.forecast_years:
            commentary = values.get(rag_commentary_name(year))
            rows.append(
                {
                    "code": org.code,
                    "short_name": org.short_name,
                    "year": year,
                    "rating": rating(values.get(rag_name(year))),
                    "commentary": str(commentary) if commentary not in (None, "") else "",
                }
            )
    return pd.DataFrame(rows, columns=["code", "short_name", "year", "rating", "commentary"])


def rag_counts(rag: pd.DataFrame, rnd: Round) -> dict[str, dict[str, int]]:
    table = pd.crosstab(rag["year"], rag["rating"]) if len(rag) else pd.DataFrame()
    table = table.reindex(index=list(rnd.forecast_years), columns=list(RAG_COLUMNS), fill_value=0)
    return {
        year: {col: int(table.at[year, col]) for col in RAG_COLUMNS} for year in rnd.forecast_years
    }


def projected(score: int) -> int:
    """The harder assessment from 2009: one level lower, all things remaining equal."""
    return max(1, score - 1)


def vfm_counts(scores: pd.Series) -> dict[str, int]:
    counts = scores.dropna().astype(int).value_counts()
    return {str(s): int(counts.get(s, 0)) for s in VFM_SCORES}


def vfm_summary(p: Partnership, orgs: pd.DataFrame) -> dict[str, Any]:
    """Score distributions over every organisation in the configuration, returned or not."""
    scores = orgs["vfm"]
    districts = orgs[orgs["sector"] == DISTRICT_SECTOR]["vfm"].dropna().astype(int)
    at_target = int((districts >= p.vfm.target).sum())
    return {
        "vfm": vfm_counts(scores),
        "vfm_projected": vfm_counts(scores.dropna().astype(int).map(projected)),
        "vfm_not_scored": orgs.loc[scores.isna(), "short_name"].tolist(),
        "vfm_districts": {
            "count": int(len(districts)),
            "at_or_above_target": at_target,
            "share": at_target / len(districts) if len(districts) else None,
            "national_share": p.vfm.national_district_share,
            "target": p.vfm.target,
            "by_score": vfm_counts(districts),
            "projected_at_or_above_target": int((districts.map(projected) >= p.vfm.target).sum()),
        },
        "vfm_assessment": p.vfm.assessment,
    }
