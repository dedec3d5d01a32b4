"""The shipped scenarios: the seven returns the 2008/09 review received, and an
illustrative second round, the 2009/10 outturn.

Figures are illustrative (the review paper gives no organisation's figures); the RAG
ratings reproduce the paper's table: 2009/10 six Amber and one Red; 2010/11 five Amber
and two Red; 2011/12 four Amber, one Red and two left unrated. In the 2009/10 outturn
ten partners return, three of them late, and Melton restates a 2008/09 figure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from xl_ni179.partnership import Partnership, Round
from xl_ni179.spec.schema import (
    TOLERANCE,
    WORKSTREAMS,
    costs_name,
    gains_name,
    noncash_name,
    oneoff_name,
    project_savings_name,
    rag_commentary_name,
    rag_name,
)

DEMO_ROUND = "2008-09-review"

# code: (2008/09 net as % of baseline, forecast cumulative % for later years, ratings by forecast year)
SCENARIO: dict[str, tuple[float, tuple[float | None, ...], tuple[str | None, ...]]] = {
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
            for (stream, _), part in zip(WORKSTREAMS, SPLIT, strict=True):
                data[gains_name(stream, year)] = round(gross * part, 1)
                data[costs_name(stream, year)] = round(gross * part * COST_SHARE, 1)
            data[oneoff_name(year)] = round(org.baseline * 0.002, 1)
        for year, rating in zip(rnd.forecast_years, ratings, strict=True):
            if rating:
                data[rag_name(year)] = rating
                data[rag_commentary_name(year)] = COMMENTARY[rating]
        for project in p.projects_of(code):
            data[project_savings_name(project.code)] = round(org.baseline * 0.0005, 1)
        preparer, s151 = SIGNOFF[code]
        data.update(
            {
                "signoff_preparer": preparer,
                "signoff_s151_officer": s151,
                "signoff_date": "2009-05-12",
                "signoff_email": org.emails[0],
            }
        )
        out[code] = data
    return out


# -- the second round: the 2009/10 outturn -------------------------------------------------

OUTTURN_ROUND = "2009-10-outturn"
DEMO_ROUNDS = (DEMO_ROUND, OUTTURN_ROUND)
# When each demo's position is taken: just after the deadline, so lateness shows.
AS_OF = {DEMO_ROUND: dt.datetime(2009, 5, 20, 9), OUTTURN_ROUND: dt.datetime(2010, 5, 28, 9)}

# code: (2008/09 net %, 2009/10 net %, forecast cumulative % for 2010/11 and 2011/12, ratings,
# day received). The seven who returned in 2008/09 keep their 2008/09 figures (except the
# restatement below); Charnwood, the Fire Authority and the County PCT return for the first
# time; Blaby, Harborough and the City PCT do not return. Hinckley and Bosworth, Charnwood
# and the Fire Authority return after the 14 May deadline.
OUTTURN: dict[
    str, tuple[float, float, tuple[float, float], tuple[str | None, str | None], dt.date]
] = {
    "COUNTYPCT": (2.8, 5.3, (8.0, 9.6), ("Amber", "Red"), dt.date(2010, 5, 6)),
    "POLICE": (3.1, 5.9, (8.7, 10.4), ("Green", "Amber"), dt.date(2010, 5, 7)),
    "LCC": (3.4, 6.0, (8.9, 10.8), ("Amber", "Amber"), dt.date(2010, 5, 10)),
    "MELTON": (2.7, 4.0, (5.7, 7.0), ("Red", "Amber"), dt.date(2010, 5, 11)),
    "LCITY": (3.2, 5.5, (8.2, 10.0), ("Amber", "Amber"), dt.date(2010, 5, 12)),
    "NWL": (3.3, 5.8, (8.3, 10.1), ("Amber", "Amber"), dt.date(2010, 5, 13)),
    "OADBY": (2.9, 5.2, (7.8, 9.2), ("Amber", "Amber"), dt.date(2010, 5, 14)),
    "HINCK": (3.0, 4.6, (6.3, 7.6), ("Red", "Red"), dt.date(2010, 5, 19)),
    "CHARN": (2.6, 4.8, (7.0, 8.9), ("Amber", "Amber"), dt.date(2010, 5, 21)),
    "FIRE": (3.1, 5.7, (8.4, 9.9), ("Amber", "Amber"), dt.date(2010, 5, 26)),
}

# Melton restates a 2008/09 figure it reported in the review: (defined name, change in £000, why).
RESTATED = {
    "MELTON": (
        "gains_procurement_2008_09",
        18.0,
        "A procurement saving on the waste contract, in place from March 2009, was "
        "confirmed by the contractor after the 2008/09 review.",
    )
}

OUTTURN_SIGNOFF = {
    **SIGNOFF,
    "CHARN": ("H. Singh, Head of Finance", "R. Bell"),
    "FIRE": ("N. Price, Treasurer's Accountant", "A. Dunn"),
    "COUNTYPCT": ("F. Okafor, Financial Planning Manager", "C. Lowe"),
    # A small council where the chief finance officer prepared the return, and says so.
    "OADBY": ("P. Holt, Chief Finance Officer", "P. Holt"),
}
EXPLAINED = {
    "OADBY": {
        "explain_signoff_not_independent": (
            "A small finance team: the chief finance officer prepared the return and the deputy "
            "chief executive reviewed it before sign-off."
        )
    },
}
OUTTURN_COMMENTARY = {"Green": "Savings plans for the year are approved and in the budget."}
FALL_EXPLANATION = (
    "Outturn below the figure forecast in the 2008/09 review: some planned savings slipped "
    "into later years."
)


def outturn_returns(p: Partnership, rnd: Round, previous: Round) -> dict[str, dict[str, Any]]:
    """Input values by defined name for each organisation returning in the 2009/10 outturn."""
    before = demo_returns(p, previous)
    out = {}
    for code, (first, second, later, ratings, received) in OUTTURN.items():
        org = p.organisation(code)
        data: dict[str, Any] = {}
        shares = dict(zip(rnd.years, (first, second, *later), strict=True))
        for year, share in shares.items():
            data.update(_year_figures(org.baseline, year, share))
        earlier = before.get(code)
        if earlier is not None:  # what was reported before stands, unless restated
            data.update({k: v for k, v in earlier.items() if k in _names_of_year(rnd.years[0])})
        if code in RESTATED:
            name, change, why = RESTATED[code]
            data[name] = round(data[name] + change, 1)
            data["explain_actual_restated"] = why
        for year, rating in zip(rnd.forecast_years, ratings, strict=True):
            if rating:
                data[rag_name(year)] = rating
                data[rag_commentary_name(year)] = (
                    OUTTURN_COMMENTARY.get(rating) or COMMENTARY[rating]
                )
        for project in p.projects_of(code):
            data[project_savings_name(project.code)] = round(org.baseline * 0.0006, 1)
        if earlier is not None and _fell(earlier, data, rnd):
            data["explain_gains_withdrawn"] = FALL_EXPLANATION
        data.update(EXPLAINED.get(code, {}))
        preparer, s151 = OUTTURN_SIGNOFF[code]
        data.update(
            {
                "signoff_preparer": preparer,
                "signoff_s151_officer": s151,
                "signoff_date": (received - dt.timedelta(days=1)).isoformat(),
                "signoff_email": org.emails[0],
            }
        )
        out[code] = data
    return out


def received_on(code: str) -> dt.datetime:
    """When the demo's 2009/10 outturn return from ``code`` arrives (10am that day)."""
    return dt.datetime.combine(OUTTURN[code][4], dt.time(10))


def _year_figures(baseline: float, year: str, share: float) -> dict[str, float]:
    net = baseline * share / 100
    gross = net / (1 - COST_SHARE)
    data = {}
    for (stream, _), part in zip(WORKSTREAMS, SPLIT, strict=True):
        data[gains_name(stream, year)] = round(gross * part, 1)
        data[costs_name(stream, year)] = round(gross * part * COST_SHARE, 1)
    data[oneoff_name(year)] = round(baseline * 0.002, 1)
    return data


def _names_of_year(year: str) -> set[str]:
    """The inputs of one year (a figure reported before stands unless restated)."""
    return {
        *(n(stream, year) for stream, _ in WORKSTREAMS for n in (gains_name, costs_name)),
        *(n(year) for n in (oneoff_name, noncash_name, rag_name, rag_commentary_name)),
    }


def _fell(before: dict[str, Any], now: dict[str, Any], rnd: Round) -> bool:
    """A year's gross gains below what was reported before (the receipt check warns of it)."""
    for year in rnd.years:
        names = [gains_name(stream, year) for stream, _ in WORKSTREAMS]
        was = [before[n] for n in names if n in before]
        if was and sum(now.get(n, 0) for n in names) < sum(was) - TOLERANCE:
            return True
    return False
