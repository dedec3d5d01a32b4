"""The consolidated summary reproduces the 2008/09 review's facts, and its sums are right."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
from helpers.consolidate_seed import (
    SEED_MISSING,
    SEED_RAG,
    SEED_RECEIVED,
    make_return,
    net_of,
    seed_partnership,
    seed_returns,
    statuses_for,
)

from xl_ni179.consolidate import build_summary
from xl_ni179.partnership import targets
from xl_ni179.store.status import REJECTED


@pytest.fixture(scope="module")
def seed():
    p, rnd = seed_partnership()
    returns = seed_returns(p, rnd)
    summary = build_summary(p, rnd, statuses_for(p, set(returns)), returns)
    return p, rnd, returns, summary


def test_received_and_missing_match_the_review_in_config_order(seed) -> None:
    p, _rnd, _returns, summary = seed
    data = summary.to_json()
    order = [o.short_name for o in p.organisations]
    assert set(data["received"]) == SEED_RECEIVED
    assert set(data["missing"]) == SEED_MISSING
    assert data["received"] == [n for n in order if n in SEED_RECEIVED]
    assert data["missing"] == [n for n in order if n in SEED_MISSING]
    assert data["rejected"] == []
    assert data["round"]["id"] == "2008-09-review"


def test_rag_table_matches_the_review(seed) -> None:
    assert seed[3].to_json()["rag"] == SEED_RAG


def test_vfm_distribution_covers_all_thirteen_whoever_returned(seed) -> None:
    p, rnd, _returns, summary = seed
    for data in (summary.to_json(), build_summary(p, rnd, [], {}).to_json()):
        assert data["vfm"] == {"4": 1, "3": 6, "2": 6, "1": 0}
        assert data["vfm_projected"] == {"4": 0, "3": 1, "2": 6, "1": 6}
        districts = data["vfm_districts"]
        assert districts["count"] == 7
        assert districts["by_score"]["2"] == 5
        assert districts["at_or_above_target"] == 2
        assert districts["share"] == pytest.approx(2 / 7)
        assert districts["national_share"] == pytest.approx(0.6)
        assert districts["target"] == 3


def test_every_target_equals_the_target_module(seed) -> None:
    p, _rnd, _returns, summary = seed
    checked = 0
    by_org = {o["code"]: o for o in summary.to_json()["organisations"]}
    for agreement in p.agreements:
        for code in agreement.members:
            baseline = p.organisation(code).baseline
            for year in agreement.years:
                (row,) = [
                    r
                    for r in summary.progress
                    if (r["agreement"], r["code"], r["year"]) == (agreement.code, code, year)
                ]
                cum = targets.cumulative_target(agreement, baseline, year)
                annual = targets.annual_target(agreement, baseline, year)
                assert row["cumulative_target"] == pytest.approx(cum)
                assert row["annual_target"] == pytest.approx(annual)
                assert by_org[code]["targets"][year][agreement.code]["cumulative"] == pytest.approx(
                    cum
                )
                checked += 1
    assert checked == 11 * 3 + 4 * 3 + 13 * 4


def test_compound_method_targets_also_come_from_the_target_module() -> None:
    p, rnd = seed_partnership()
    p = dataclasses.replace(
        p, agreements=tuple(dataclasses.replace(a, method="compound") for a in p.agreements)
    )
    summary = build_summary(p, rnd, [], {})
    for agreement in p.agreements:
        for year in agreement.years:
            expected = sum(
                targets.cumulative_target(agreement, p.organisation(c).baseline, year)
                for c in agreement.members
            )
            assert summary.totals[agreement.code][year]["target"] == pytest.approx(expected)


def test_totals_count_each_member_once_and_only_those_with_figures(seed) -> None:
    p, rnd, returns, summary = seed
    data = summary.to_json()
    for agreement in p.agreements:
        for year in agreement.years:
            t = data["totals"][agreement.code][year]
            members = list(dict.fromkeys(agreement.members))
            target = sum(
                targets.cumulative_target(agreement, p.organisation(c).baseline, year)
                for c in members
            )
            # Each agreement counts from its own first year: the MAA's 2009/10 on is NI 179 less
            # NI 179 at the end of 2008/09; its 2008/09 (reported only) is that year's own figure.
            since_start = agreement.counts_from != "2008/09" and year != "2008/09"

            def counted(c: str, year: str = year, since_start: bool = since_start) -> float | None:
                now = net_of(returns[c], year)
                if not since_start or now is None:
                    return now
                base = net_of(returns[c], "2008/09")
                return None if base is None else now - base

            with_figures = [c for c in members if c in returns and counted(c) is not None]
            assert t["target"] == pytest.approx(target)
            assert t["gains"] == pytest.approx(sum(counted(c) for c in with_figures))
            assert t["target_covered"] == pytest.approx(
                sum(
                    targets.cumulative_target(agreement, p.organisation(c).baseline, year)
                    for c in with_figures
                )
            )
            cov = t["coverage"]
            assert cov["members"] == len(members)
            assert cov["with_figures"] == len(with_figures)
            assert cov["returns"] == len([c for c in members if c in returns])
            total_base = sum(p.organisation(c).baseline for c in members)
            assert cov["baseline_share"] == pytest.approx(
                sum(p.organisation(c).baseline for c in with_figures) / total_base
            )
    police = net_of(returns["POLICE"], "2008/09")
    city = data["totals"]["CITY_LAA"]["2008/09"]
    assert city["gains"] == pytest.approx(net_of(returns["LCITY"], "2008/09") + police)
    assert data["totals"]["MAA"]["2011/12"]["coverage"]["with_figures"] == 5  # two gave no forecast


def test_a_member_listed_twice_is_still_counted_once(seed) -> None:
    p, rnd, returns, summary = seed
    doubled = dataclasses.replace(
        p,
        agreements=tuple(
            dataclasses.replace(a, members=(*a.members, "POLICE", "FIRE")) for a in p.agreements
        ),
    )
    again = build_summary(doubled, rnd, statuses_for(p, set(returns)), returns).to_json()
    for agreement in p.agreements:
        for year in agreement.years:
            before = summary.totals[agreement.code][year]
            after = again["totals"][agreement.code][year]
            assert after["target"] == pytest.approx(before["target"])
            assert after["gains"] == pytest.approx(before["gains"])
            assert after["coverage"]["members"] == before["coverage"]["members"]


def test_sector_totals_within_an_agreement_add_up_to_the_agreement(seed) -> None:
    _p, _rnd, _returns, summary = seed
    for per_year in summary.totals.values():
        for t in per_year.values():
            sectors = t["by_sector"].values()
            assert sum(s["target"] for s in sectors) == pytest.approx(t["target"])
            assert sum(s["coverage"]["members"] for s in sectors) == t["coverage"]["members"]
            assert sum(s["gains"] or 0 for s in sectors) == pytest.approx(t["gains"] or 0)


def test_headline_2008_09_is_about_70m_and_likely_achieved_on_partial_coverage(seed) -> None:
    _p, _rnd, _returns, summary = seed
    maa = summary.to_json()["totals"]["MAA"]["2008/09"]
    assert summary.headline_agreement.code == "MAA"
    assert maa["target"] == pytest.approx(70_000, rel=0.01)  # "c£70m"
    assert maa["kind"] == "Actual"
    assert maa["gains"] >= maa["target_covered"]
    assert maa["assessment"] == "likely achieved"
    assert maa["coverage"]["with_figures"] == 7 and maa["coverage"]["members"] == 13
    assert maa["coverage"]["text"].startswith("7 of 13 organisations")


def test_missing_organisations_are_never_counted_as_zero() -> None:
    p, rnd = seed_partnership()
    data = build_summary(p, rnd, statuses_for(p, set()), {}).to_json()
    maa = data["totals"]["MAA"]["2008/09"]
    assert maa["gains"] is None and maa["target_covered"] is None
    assert maa["assessment"] == "not assessed"
    assert maa["coverage"]["with_figures"] == 0
    assert data["received"] == [] and len(data["missing"]) == 13
    assert data["rag"]["2009/10"] == {"Green": 0, "Amber": 0, "Red": 0, "Not rated": 0}


def test_rejected_returns_are_listed_but_not_counted(seed) -> None:
    p, rnd, returns, summary = seed
    with_rejected = dict(returns)
    with_rejected["BLABY"] = make_return(
        p, rnd, "BLABY", (50.0, 60.0, 70.0, 80.0), ("Green", "Green", "Green")
    )
    statuses = statuses_for(p, set(returns), states={"BLABY": REJECTED})
    data = build_summary(p, rnd, statuses, with_rejected).to_json()
    assert data["rejected"] == ["Blaby"]
    assert "Blaby" not in data["received"] and "Blaby" not in data["missing"]
    assert data["rag"] == SEED_RAG
    assert data["totals"]["MAA"]["2008/09"]["gains"] == pytest.approx(
        summary.totals["MAA"]["2008/09"]["gains"]
    )


def test_memo_lines_do_not_count_and_carry_forward_counts_only_towards_progress(seed) -> None:
    p, rnd, returns, summary = seed
    changed = {code: dict(values) for code, values in returns.items()}
    changed["MELTON"]["carry_forward_cashable"] = 100.0
    changed["MELTON"]["carry_forward_noncashable"] = 20.0
    changed["MELTON"]["oneoff_2008_09"] = 9999.0
    after = build_summary(p, rnd, statuses_for(p, set(returns)), changed).totals["MAA"]["2008/09"]
    before = summary.totals["MAA"]["2008/09"]
    assert after["gains"] == pytest.approx(before["gains"])
    assert after["gains_incl_carry_forward"] == pytest.approx(before["gains"] + 120.0)
    melton = build_summary(p, rnd, statuses_for(p, set(returns)), changed).gains
    (row,) = [g for g in melton if (g["code"], g["year"]) == ("MELTON", "2008/09")]
    assert row["progress"] == pytest.approx(row["net"] + 120.0)


def test_blank_forecast_year_has_no_figure_not_zero(seed) -> None:
    _p, _rnd, _returns, summary = seed
    (row,) = [g for g in summary.gains if (g["code"], g["year"]) == ("OADBY", "2011/12")]
    assert not row["has_figure"]
    assert math.isnan(row["net"])
    oadby = next(o for o in summary.to_json()["organisations"] if o["code"] == "OADBY")
    assert oadby["years"]["2011/12"]["net_gains"] is None
    assert oadby["years"]["2008/09"]["kind"] == "Actual"
    assert oadby["years"]["2009/10"]["kind"] == "Forecast"


def test_in_year_gains_are_the_change_in_the_cumulative_figure(seed) -> None:
    _p, _rnd, returns, summary = seed
    g = {(r["code"], r["year"]): r for r in summary.gains}
    assert g[("LCC", "2008/09")]["in_year"] == pytest.approx(net_of(returns["LCC"], "2008/09"))
    assert g[("LCC", "2009/10")]["in_year"] == pytest.approx(
        net_of(returns["LCC"], "2009/10") - net_of(returns["LCC"], "2008/09")
    )


def test_json_is_strict_json(seed) -> None:
    data = seed[3].to_json()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text)["vfm"]["3"] == 6
    for key in (
        "round",
        "received",
        "missing",
        "rejected",
        "rag",
        "vfm",
        "vfm_projected",
        "vfm_districts",
        "totals",
        "sector_totals",
        "projects",
        "budget",
        "findings",
    ):
        assert key in data


def test_sector_totals_cover_the_whole_partnership_once(seed) -> None:
    p, _rnd, returns, summary = seed
    sectors = summary.to_json()["sector_totals"]
    assert sum(s["years"]["2008/09"]["coverage"]["members"] for s in sectors.values()) == 13
    assert sum(s["years"]["2008/09"]["gains"] or 0 for s in sectors.values()) == pytest.approx(
        sum(net_of(v, "2008/09") for v in returns.values())
    )
    assert sectors["pct"]["years"]["2008/09"]["gains"] is None


def test_project_savings_are_summed_from_accepted_returns(seed) -> None:
    p, _rnd, returns, summary = seed
    projects = {pr["code"]: pr for pr in summary.projects()}
    fleet = projects["fleet"]
    assert fleet["returns_with_savings"] == len(returns)
    assert fleet["expected_savings"] == pytest.approx(10.0 * len(returns))
    budget = summary.budget()
    assert budget["laa_budget"] == 100_000 and budget["feasibility_spent"] == 30_000
    assert budget["laa_remaining"] == pytest.approx(40_000)
