"""The worksheet functions' logic (=NI179_TARGET, =NI179_GAINS, =NI179_RAG) without Excel.

Excel can't run here, so the plain functions the @xw.func wrappers call are tested
directly; the wrappers only pass the cell arguments through.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.remote_book import shared_demo

from xl_ni179.demo.data import DEMO_ROUND, SCENARIO
from xl_ni179.excel import udfs
from xl_ni179.partnership import load_partnership, targets


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory) -> Path:
    """The seven demo returns received into a workspace (shared with the ribbon tests)."""
    return shared_demo(tmp_path_factory)[0]


def test_targets_match_the_library_for_every_organisation_year_and_agreement(tmp_path):
    p = load_partnership()
    years = sorted({y for a in p.agreements for y in a.years} | {"2007/08", "2012/13"})
    for agreement in p.agreements:
        for org in p.organisations:
            for year in years:
                for cumulative in (False, True):
                    got = udfs.target(
                        org.code, year, agreement.code, cumulative, workspace=tmp_path
                    )
                    how = targets.cumulative_target if cumulative else targets.annual_target
                    want = how(agreement, org.baseline, year)
                    if org.code not in agreement.members or want is None:
                        assert got == "", (org.code, year, agreement.code)
                    else:
                        assert got == pytest.approx(want), (org.code, year, agreement.code)


def test_target_reads_the_workspace_configuration(tmp_path):
    from xl_ni179.partnership import default_config_text

    (tmp_path / "config.toml").write_text(
        default_config_text().replace("baseline = 296700", "baseline = 100000")
    )
    assert udfs.target("LCC", "2008/09", "COUNTY_LAA", workspace=tmp_path) == pytest.approx(3000)


def test_bad_arguments_become_text_in_the_cell(tmp_path):
    assert udfs._safely(udfs.target, "NOPE", "2009/10", "MAA").startswith(
        "NI179: unknown organisation"
    )
    assert "2009/10" in udfs._safely(udfs.target, "LCC", "09/10", "MAA")
    assert "unknown agreement" in udfs._safely(udfs.target, "LCC", "2009/10", "LAA9")


@pytest.mark.slow
def test_gains_and_rag_come_from_the_latest_accepted_return(demo_workspace):
    p = load_partnership()
    rnd = p.round(DEMO_ROUND)
    for code, (first, _, ratings) in SCENARIO.items():
        net = udfs.gains(code, "2008/09", workspace=demo_workspace)
        assert net == pytest.approx(p.organisation(code).baseline * first / 100, rel=1e-3)
        for year, rating in zip(rnd.forecast_years, ratings, strict=True):
            assert udfs.rag(code, year, workspace=demo_workspace) == (rating or "Not rated")
    assert (
        udfs.rag("LCC", "2008/09", workspace=demo_workspace) == ""
    )  # an actual year has no rating


@pytest.mark.slow
def test_no_return_means_blank(demo_workspace):
    assert udfs.gains("BLABY", "2008/09", workspace=demo_workspace) == ""
    assert udfs.rag("BLABY", "2009/10", workspace=demo_workspace) == ""


@pytest.mark.slow
def test_the_excel_functions_call_the_plain_logic(monkeypatch, tmp_path, demo_workspace):
    # Off Windows, @xw.func leaves the function as it is: call it as Excel would.
    monkeypatch.setenv("NI179_WORKSPACE", str(demo_workspace))
    assert udfs.NI179_TARGET("LCC", "2009/10", "MAA") == udfs.target("LCC", "2009/10", "MAA")
    assert udfs.NI179_TARGET("LCC", "2009/10", "MAA", True) == udfs.target(
        "LCC", "2009/10", "MAA", True
    )
    assert udfs.NI179_GAINS("MELTON", "2008/09") == udfs.gains("MELTON", "2008/09")
    assert udfs.NI179_RAG("MELTON", "2009/10") == "Red"
    assert udfs.NI179_TARGET("NOPE", "2009/10", "MAA").startswith("NI179: unknown organisation")
