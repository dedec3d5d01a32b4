"""The figures of one synthetic return: what each organisation's finance officer "types in".

Cumulative net gains rising year on year, split across the workstreams, with costs,
one-off and non-cash gains, RAG ratings, project savings and a sign-off; a seeded share of
returns carries a warning scenario (a forecast below the year before, implausibly large
gains, negative net gains), about half of them explained on the Checks sheet. Moved out of
``generate.py`` so each module stays small; the figures depend only on the seed and the
organisation's code.
"""

from __future__ import annotations

import random
from typing import Any

PEOPLE = (
    "A. Patel",
    "R. Hughes",
    "K. Evans",
    "L. Turner",
    "C. Barker",
    "T. Walsh",
    "E. Fox",
    "J. Morgan",
    "S. Clarke",
    "D. Shaw",
    "M. Wood",
    "P. Holt",
    "G. Reid",
    "B. Stone",
)
TITLES = (
    "Head of Finance",
    "Chief Accountant",
    "Accountancy Manager",
    "Finance Team Leader",
    "Senior Accountant",
    "Finance Officer",
    "Efficiency Programme Accountant",
)

# What share of returns carry each warning scenario (the rest are clean).
SCENARIOS = (
    ("forecast-below-previous", 0.08),
    ("gains-implausible", 0.05),
    ("net-gains-negative", 0.03),
)
EXPLAINED_SHARE = 0.5


def _split(rng: random.Random, parts: int) -> list[float]:
    weights = [rng.random() ** 2 + 0.02 for _ in range(parts)]
    total = sum(weights)
    return [w / total for w in weights]


def return_data(p: Any, rnd: Any, org_code: str, seed: int) -> tuple[dict[str, Any], str, bool]:
    """(input values by defined name, warning scenario, explained) for one organisation's return."""
    from xl_ni179.partnership import year_key
    from xl_ni179.spec.schema import WORKSTREAMS, explain_name

    rng = random.Random(f"{seed}:return:{org_code}")
    org = p.organisation(org_code)
    draw, scenario = rng.random(), "clean"
    for name, share in SCENARIOS:
        if draw < share:
            scenario = name
            break
        draw -= share
    explained = scenario != "clean" and rng.random() < EXPLAINED_SHARE

    # Cumulative net gains as % of baseline, rising year on year (NI 179 gains are cumulative).
    shares = [rng.uniform(2.0, 4.0)]
    for _ in rnd.forecast_years:
        shares.append(shares[-1] + rng.uniform(1.5, 3.0))
    cost_share = [rng.uniform(0.03, 0.10) for _ in shares]
    forecast_index = range(len(rnd.actual_years), len(shares))
    if scenario == "forecast-below-previous":
        i = rng.choice(list(forecast_index))
        shares[i] = shares[i - 1] - rng.uniform(0.3, 1.0)
        for j in range(i + 1, len(shares)):  # later years rise again from the dip
            shares[j] = shares[j - 1] + rng.uniform(1.0, 2.0)
    elif scenario == "gains-implausible":
        factor = rng.uniform(6.0, 9.0)  # 2-4% becomes 20-35%: pounds typed as if £000, say
        shares = [s * factor for s in shares]
    elif scenario == "net-gains-negative":
        cost_share[-1] = rng.uniform(
            1.1, 1.4
        )  # costs of achieving exceed the gains in the last year

    data: dict[str, Any] = {}
    split = _split(rng, len(WORKSTREAMS))
    for year, share, costs in zip(rnd.years, shares, cost_share, strict=True):
        yk = year_key(year)
        net = org.baseline * share / 100
        gross = net / (1 - costs) if costs < 1 else net
        for (ws, _), part in zip(WORKSTREAMS, split, strict=True):
            data[f"gains_{ws}_{yk}"] = round(gross * part, 1)
            data[f"costs_{ws}_{yk}"] = round(gross * part * costs, 1)
        if rng.random() < 0.7:
            data[f"oneoff_{yk}"] = round(org.baseline * rng.uniform(0.0005, 0.003), 1)
        if rng.random() < 0.3:
            data[f"noncash_{yk}"] = round(org.baseline * rng.uniform(0.0005, 0.002), 1)
    if rng.random() < 0.1:
        data["carry_forward_cashable"] = round(org.baseline * rng.uniform(0.001, 0.005), 1)
    for year in rnd.forecast_years:
        yk = year_key(year)
        rating = rng.choices(("Green", "Amber", "Red", None), (3, 5, 2, 1))[0]
        if rating:
            data[f"rag_{yk}"] = rating
        if rating in ("Amber", "Red") or (rating == "Green" and rng.random() < 0.3):
            data[f"rag_commentary_{yk}"] = (
                f"{rating}: plans identified for {rng.randint(40, 95)}% of the target; "
                "shared-service savings depend on business cases still in discussion."
            )
    for project in p.projects_of(org_code):
        data[f"project_savings_{project.code}"] = round(
            org.baseline * rng.uniform(0.0002, 0.001), 1
        )
        if rng.random() < 0.4:
            data[f"project_comment_{project.code}"] = "Business case expected in the autumn."
    data.update(
        {
            "signoff_preparer": f"{rng.choice(PEOPLE)}, {rng.choice(TITLES)}",
            "signoff_s151_officer": rng.choice(PEOPLE),
            "signoff_date": f"2009-05-{rng.randint(1, 14):02d}",
            "signoff_email": org.emails[0],
        }
    )
    if rng.random() < 0.5:
        data["signoff_phone"] = f"0116 {rng.randint(200, 399)} {rng.randint(1000, 9999)}"
    if explained:
        # A fall into negative net gains is also a fall below the year before: explain both.
        codes = (
            [scenario, "forecast-below-previous"]
            if scenario == "net-gains-negative"
            else [scenario]
        )
        for code in codes:
            data[explain_name(code)] = (
                "The figures have been checked with the service managers "
                "and are correct; see the covering note."
            )
    return data, scenario, explained
