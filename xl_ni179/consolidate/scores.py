"""Forecast confidence (RAG) and value-for-money score counts, with the words that explain them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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


def rag_frame(
    p: Partnership, rnd: Round, returns: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
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
    return rows


def rag_counts(rag: list[dict[str, Any]], rnd: Round) -> dict[str, dict[str, int]]:
    """Forecast year -> how many returns gave each rating (every level, zero included)."""
    counts = {year: dict.fromkeys(RAG_COLUMNS, 0) for year in rnd.forecast_years}
    for r in rag:
        if r["year"] in counts:
            counts[r["year"]][r["rating"]] += 1
    return counts


def rag_by_organisation(rag: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Forecast year -> organisation short name -> its rating."""
    out: dict[str, dict[str, str]] = {}
    for r in rag:
        out.setdefault(r["year"], {})[r["short_name"]] = r["rating"]
    return out


def projected(score: int) -> int:
    """The harder assessment from 2009: one level lower, all things remaining equal."""
    return max(1, score - 1)


def vfm_counts(scores: Iterable[int | None]) -> dict[str, int]:
    given = [s for s in scores if s is not None]
    return {str(s): given.count(s) for s in VFM_SCORES}


def vfm_summary(p: Partnership, orgs: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """Score distributions over every organisation in the configuration, returned or not."""
    scores = [o["vfm"] for o in orgs.values()]
    districts = [
        o["vfm"] for o in orgs.values() if o["sector"] == DISTRICT_SECTOR and o["vfm"] is not None
    ]
    at_target = sum(1 for d in districts if d >= p.vfm.target)
    return {
        "vfm": vfm_counts(scores),
        "vfm_projected": vfm_counts(projected(s) for s in scores if s is not None),
        "vfm_not_scored": [o["short_name"] for o in orgs.values() if o["vfm"] is None],
        "vfm_districts": {
            "count": len(districts),
            "at_or_above_target": at_target,
            "share": at_target / len(districts) if districts else None,
            "national_share": p.vfm.national_district_share,
            "target": p.vfm.target,
            "by_score": vfm_counts(districts),
            "projected_at_or_above_target": sum(
                1 for d in districts if projected(d) >= p.vfm.target
            ),
        },
        "vfm_assessment": p.vfm.assessment,
    }
