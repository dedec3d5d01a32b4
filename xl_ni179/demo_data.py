"""The shipped scenario: the seven returns the 2008/09 review received.

Figures are illustrative (the review paper gives no organisation's figures); the RAG
ratings reproduce the paper's table: 2009/10 six Amber and one Red; 2010/11 five Amber
and two Red; 2011/12 four Amber, one Red and two left unrated.
"""

from __future__ import annotations

from typing import Any

from xl_ni179.config import Partnership, Round, year_key
from xl_ni179.schema import WORKSTREAMS

DEMO_ROUND = "2008-09-review"

# code: (2008/09 net as % of baseline, forecast cumulative % for later years, ratings by forecast year)
SCENARIO: dict[str, tuple[float, tuple[float, ...], tuple[str | None, ...]]] = {
    "LCITY": (3.2, (5.6, 8.4, 10.1), ("Amber", "Amber", "Amber")),
    "POLICE": (3.1, (5.8, 8.6, 10.4), ("Amber", "Amber", "Amber")),
    "HINCK": (3.0, (4.9, 6.6, 7.9), ("Amber", "Red", "Red")),
    "NWL": (3.3, (5.7, 8.2, 10.0), ("Amber", "Amber", "Amber")),
    "OADBY": (2.9, (5.4, 7.9, None), ("Amber", "Amber", None)),
    "MELTON": (2.7, (4.1, 5.9, None), ("Red", "Red", None)),
    "LCC": (3.4, (6.1, 9.0, 10.9), ("Amber", "Amber", "Amber")),
}

# How an organisation's gains split across workstreams (sums to 1).
SPLIT = (0.26, 0.22, 0.06, 0.10, 0.18, 0.14, 0.04)
COST_SHARE = 0.06

COMMENTARY = {
    "Amber": "Savings plans identified for most of the target; some projects still at business-case "
             "stage and the timing of shared-service savings is uncertain.",
    "Red": "Significant gap to the target: savings plans not yet identified for a large part of it "
           "and capacity to deliver them is limited.",
}

SIGNOFF = {
    "LCITY": ("A. Patel, Head of Finance", "J. Morgan"),
    "POLICE": ("R. Hughes, Chief Accountant", "S. Clarke"),
    "HINCK": ("K. Evans, Accountancy Manager", "D. Shaw"),
    "NWL": ("L. Turner, Finance Team Leader", "M. Wood"),
    "OADBY": ("C. Barker, Senior Accountant", "P. Holt"),
    "MELTON": ("T. Walsh, Finance Officer", "G. Reid"),
    "LCC": ("E. Fox, Efficiency Programme Accountant", "B. Stone"),
}


def demo_returns(p: Partnership, rnd: Round) -> dict[str, dict[str, Any]]:
    """Input values by defined name for each of the seven returning organisations."""
    out = {}
    for code, (first, later, ratings) in SCENARIO.items():
        org = p.organisation(code)
        data: dict[str, Any] = {}
        shares = dict(zip(rnd.years, (first, *later), strict=False))
        for year in rnd.years:
            share = shares.get(year)
            if share is None:
                continue
            net = org.baseline * share / 100
            gross = net / (1 - COST_SHARE)
            for (ws, _), part in zip(WORKSTREAMS, SPLIT, strict=True):
                data[f"gains_{ws}_{year_key(year)}"] = round(gross * part, 1)
                data[f"costs_{ws}_{year_key(year)}"] = round(gross * part * COST_SHARE, 1)
            data[f"oneoff_{year_key(year)}"] = round(org.baseline * 0.002, 1)
        for year, rating in zip(rnd.forecast_years, ratings, strict=True):
            if rating:
                data[f"rag_{year_key(year)}"] = rating
                data[f"rag_commentary_{year_key(year)}"] = COMMENTARY[rating]
        for project in p.projects_of(code):
            data[f"project_savings_{project.code}"] = round(org.baseline * 0.0005, 1)
        preparer, s151 = SIGNOFF[code]
        data.update({
            "signoff_preparer": preparer,
            "signoff_s151_officer": s151,
            "signoff_date": "2009-05-12",
            "signoff_email": org.emails[0],
        })
        out[code] = data
    return out
