"""The trajectory across rounds, end to end through the CLI: the 2008/09 review's demo returns,
then 2009/10 outturn returns, consolidated into the master's Trajectory sheet and the paper.

The second round is defined here in a copy of the built-in configuration (with the same ids
as the shipped round will have), and its returns are illustrative figures built from the
demo data: each 2009/10 forecast scaled by an outturn factor.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook

from xl_ni179.cli import main
from xl_ni179.consolidate import names
from xl_ni179.demo.data import COST_SHARE, DEMO_ROUND, SPLIT, demo_returns
from xl_ni179.partnership import load_partnership, targets, year_key
from xl_ni179.spec.schema import WORKSTREAMS

OUTTURN = "2009-10-outturn"
# 2009/10 actual = the 2009/10 forecast in the 2008/09 review x this factor. Oadby and Wigston
# does not return in 2009/10; Charnwood returns for the first time.
OUTTURN_FACTOR = {
    "LCC": 1.02,
    "LCITY": 0.97,
    "POLICE": 1.0,
    "HINCK": 0.95,
    "NWL": 1.04,
    "MELTON": 0.9,
}
RESTATED = {"HINCK": 1.02}  # Hinckley and Bosworth restates its 2008/09 figures up by 2%
CHARNWOOD = {"2008/09": 2.6, "2009/10": 5.0, "2010/11": 7.5, "2011/12": 9.0}  # % of baseline


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def net(data: dict, year: str) -> float:
    """Cumulative net gains for ``year`` from a return's inputs (£000), summed here, independently."""
    yk = year_key(year)
    return round(
        sum(
            data.get(f"gains_{ws}_{yk}", 0) - data.get(f"costs_{ws}_{yk}", 0)
            for ws, _ in WORKSTREAMS
        ),
        6,
    )


def _scale(data: dict, year: str, factor: float) -> None:
    yk = year_key(year)
    for ws, _ in WORKSTREAMS:
        for kind in ("gains", "costs"):
            key = f"{kind}_{ws}_{yk}"
            data[key] = round(data[key] * factor, 1)


def outturn_returns(p, review: dict[str, dict]) -> dict[str, dict]:
    """Illustrative 2009/10 outturn returns built from the 2008/09 review's demo returns."""
    out = {}
    for code, factor in OUTTURN_FACTOR.items():
        data = {
            k: v
            for k, v in review[code].items()
            if not k.endswith("_2009_10") or k.startswith(("gains_", "costs_", "oneoff_"))
        }
        _scale(data, "2009/10", factor)
        if code in RESTATED:
            _scale(data, "2008/09", RESTATED[code])
        data["signoff_date"] = "2010-05-10"
        out[code] = data
    charnwood = p.organisation("CHARN")
    data = {}
    for year, share in CHARNWOOD.items():
        gross = charnwood.baseline * share / 100 / (1 - COST_SHARE)
        for (ws, _), part in zip(WORKSTREAMS, SPLIT, strict=True):
            data[f"gains_{ws}_{year_key(year)}"] = round(gross * part, 1)
            data[f"costs_{ws}_{year_key(year)}"] = round(gross * part * COST_SHARE, 1)
    for year in ("2010/11", "2011/12"):
        data[f"rag_{year_key(year)}"] = "Green"
    data.update(
        {
            "signoff_preparer": "H. Grant, Finance Manager",
            "signoff_s151_officer": "N. Shah",
            "signoff_date": "2010-05-11",
            "signoff_email": charnwood.emails[0],
        }
    )
    out["CHARN"] = data
    return out


def collect(workspace: Path, tmp: Path, p, round_id: str, returns: dict[str, dict]) -> None:
    """Issue the round's templates, fill them as the partners would and receive them."""
    codes = [c for code in returns for c in ("--org", code)]
    run(
        "--workspace",
        str(workspace),
        "templates",
        "--round",
        round_id,
        "--out",
        str(tmp / round_id),
        *codes,
    )
    for code, data in returns.items():
        name = f"NI179_{code}_{round_id}.xlsx"
        figures = tmp / f"{code}-{round_id}.json"
        figures.write_text(json.dumps(data), "utf-8")
        filled = tmp / "returns" / name
        run(
            "--workspace",
            str(workspace),
            "fill",
            str(tmp / round_id / name),
            str(figures),
            "-o",
            str(filled),
        )
        output = run(
            "--workspace",
            str(workspace),
            "receive",
            str(filled),
            "--round",
            round_id,
            "--sender",
            p.organisation(code).emails[0],
        )
        assert "version 1" in output, output


@pytest.fixture(scope="module")
def rounds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trajectory")
    config = tmp / "two-rounds.toml"
    config.write_text(run("config", "show"), "utf-8")
    workspace = tmp / "ws"
    run("--workspace", str(workspace), "init", "--config", str(config))
    p = load_partnership(config)
    review = demo_returns(p, p.round(DEMO_ROUND))
    outturn = outturn_returns(p, review)
    collect(workspace, tmp, p, DEMO_ROUND, review)
    collect(workspace, tmp, p, OUTTURN, outturn)
    for round_id in (DEMO_ROUND, OUTTURN):
        run(
            "--workspace",
            str(workspace),
            "consolidate",
            "--round",
            round_id,
            "--out",
            str(tmp / round_id / "master.xlsx"),
            "--json",
            str(tmp / round_id / "summary.json"),
        )
        run(
            "--workspace",
            str(workspace),
            "report",
            "--round",
            round_id,
            "--out",
            str(tmp / round_id / "paper"),
        )
    return tmp, p, review, outturn


def rows_of(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def find_row(ws, *first: object) -> list:
    hits = [r for r in rows_of(ws) if r[: len(first)] == list(first)]
    assert len(hits) == 1, (first, hits)
    return hits[0]


def after(ws, heading: str) -> list[list]:
    """The rows below a section heading, up to the next blank row after its table."""
    rows = rows_of(ws)
    start = next(i for i, r in enumerate(rows) if r[0] == heading)
    out = []
    for r in rows[start + 1 :]:
        if all(v is None for v in r):
            break
        out.append(r)
    return out


@pytest.mark.slow
def test_forecast_against_outturn_for_melton_2009_10(rounds) -> None:
    tmp, _p, review, outturn = rounds
    ws = load_workbook(tmp / OUTTURN / "master.xlsx")[names.TRAJECTORY]
    forecast, actual = net(review["MELTON"], "2009/10"), net(outturn["MELTON"], "2009/10")
    assert actual < forecast  # Melton came in 10% below its forecast
    row = find_row(ws, "Melton", "2009/10", "2008/09 review")
    assert row[3] == pytest.approx(forecast)
    assert row[4] == "2009/10 outturn"
    assert row[5] == pytest.approx(actual)
    assert row[6] == pytest.approx(actual - forecast)
    assert row[7] == pytest.approx((actual - forecast) / forecast)
    assert row[8] == (
        f"forecast 2009/10 in the 2008/09 review: £{forecast:,.0f}k; "
        f"actual in the 2009/10 outturn: £{actual:,.0f}k"
    )
    names_listed = [r[0] for r in rows_of(ws) if r[1] == "2009/10" and r[2] == "2008/09 review"]
    # Oadby and Wigston forecast 2009/10 but has not returned its outturn; Charnwood gave no forecast.
    assert "Oadby and Wigston" not in names_listed and "Charnwood" not in names_listed
    total = find_row(ws, "Total (6 organisations)", "2009/10", "2008/09 review")
    both = list(OUTTURN_FACTOR)
    assert total[3] == pytest.approx(sum(net(review[c], "2009/10") for c in both))
    assert total[5] == pytest.approx(sum(net(outturn[c], "2009/10") for c in both))


@pytest.mark.slow
def test_actuals_in_each_round_against_the_cumulative_target(rounds) -> None:
    tmp, p, review, outturn = rounds
    ws = load_workbook(tmp / OUTTURN / "master.xlsx")[names.TRAJECTORY]
    laa = after(
        ws,
        "Leicestershire LAA: actuals reported in each round against the cumulative target (£000)",
    )
    assert laa[0][:7] == [
        "Organisation",
        "Year",
        "Cumulative target (£000)",
        "Actual in the 2008/09 review (£000)",
        "Actual in the 2009/10 outturn (£000)",
        "Changed between rounds (£000)",
        "Latest against target (£000)",
    ]
    body = {(r[0], r[1]): r for r in laa[1:]}
    melton = p.organisation("MELTON").baseline
    first, second = body["Melton", "2008/09"], body["Melton", "2009/10"]
    assert first[2] == pytest.approx(melton * 0.03) and second[2] == pytest.approx(melton * 0.06)
    assert first[3] == pytest.approx(net(review["MELTON"], "2008/09"))
    assert first[4] == pytest.approx(net(outturn["MELTON"], "2008/09"))
    assert first[5] == pytest.approx(0)
    assert second[3] is None  # a forecast in the review, so no actual from that round
    assert second[4] == pytest.approx(net(outturn["MELTON"], "2009/10"))
    assert second[6] == pytest.approx(net(outturn["MELTON"], "2009/10") - melton * 0.06)
    hinckley = body["Hinckley and Bosworth", "2008/09"]
    assert hinckley[5] == pytest.approx(
        net(outturn["HINCK"], "2008/09") - net(review["HINCK"], "2008/09")
    )
    assert hinckley[5] > 0
    blaby = body["Blaby", "2009/10"]  # never returned: listed, with no figures
    assert blaby[2] == pytest.approx(p.organisation("BLABY").baseline * 0.06)
    assert blaby[3:7] == [None, None, None, None]
    oadby = body["Oadby and Wigston", "2008/09"]  # the review's figure stands as the latest
    assert oadby[3] == pytest.approx(net(review["OADBY"], "2008/09")) and oadby[4] is None
    assert oadby[6] == pytest.approx(
        net(review["OADBY"], "2008/09") - p.organisation("OADBY").baseline * 0.03
    )


def _ref_values(wb, ref: str) -> list:
    sheet, cells = ref.rsplit("!", 1)
    ws = wb[sheet.strip("'")]
    found = ws[cells.replace("$", "")]
    cells = found if isinstance(found, tuple) else ((found,),)
    return [c.value for row in cells for c in (row if isinstance(row, tuple) else (row,))]


@pytest.mark.slow
def test_chart_of_cumulative_gains_against_the_target_path(rounds) -> None:
    tmp, p, review, outturn = rounds
    wb = load_workbook(tmp / OUTTURN / "master.xlsx")
    charts = wb[names.TRAJECTORY]._charts
    assert len(charts) == 1
    chart = charts[0]
    assert chart.tagname == "lineChart"
    titles = [_ref_values(wb, s.tx.strRef.f)[0] for s in chart.series]
    assert titles == ["Target path", "2008/09 review", "2009/10 outturn"]
    years = _ref_values(
        wb,
        chart.series[0].cat.strRef.f
        if chart.series[0].cat.strRef
        else chart.series[0].cat.numRef.f,
    )
    # The MAA's target path: the years that count towards its 9.4% (2008/09 is only reported).
    assert years == ["2009/10", "2010/11", "2011/12"]
    target, review_line, outturn_line = (_ref_values(wb, s.val.numRef.f) for s in chart.series)
    assert chart.series[0].graphicalProperties.line.prstDash == "dash"
    maa = next(a for a in p.agreements if a.code == "MAA")
    assert target == pytest.approx([0.03, 0.06, 0.094])
    base = {c: p.organisation(c).baseline for c in {*review, *outturn}}

    def share(returns: dict[str, dict], year: str) -> float:
        """The gains each return with a figure for ``year`` counts towards the MAA, over their baseline."""
        given = [c for c in returns if f"gains_procurement_{year_key(year)}" in returns[c]]
        counted = [
            targets.counted_gains(maa, year, {y: net(returns[c], y) for y in ("2008/09", year)})
            for c in given
        ]
        return sum(counted) / sum(base[c] for c in given)

    # 2009/10: forecast in the review (seven returns), actual in the outturn (Oadby and Wigston
    # gone, Charnwood new); 2011/12: only the returns that forecast it (Melton did not).
    assert review_line[0] == pytest.approx(share(review, "2009/10"))
    assert outturn_line[0] == pytest.approx(share(outturn, "2009/10"))
    assert outturn_line[2] == pytest.approx(share(outturn, "2011/12"))
    assert review_line[0] != pytest.approx(outturn_line[0])
    detail = find_row(wb[names.TRAJECTORY], "2009/10 outturn", "2011/12")
    assert detail[2:4] == ["Forecast", "6 of 13"]


@pytest.mark.slow
def test_paper_compares_forecast_with_outturn(rounds) -> None:
    tmp, _p, review, outturn = rounds
    (docx,) = (tmp / OUTTURN / "paper").glob("*.docx")
    paragraphs = [para.text for para in Document(str(docx)).paragraphs]
    assert "Forecast against outturn" in paragraphs
    both = list(OUTTURN_FACTOR)
    forecast = sum(net(review[c], "2009/10") for c in both)
    actual = sum(net(outturn[c], "2009/10") for c in both)
    melton_f, melton_a = net(review["MELTON"], "2009/10"), net(outturn["MELTON"], "2009/10")
    para = next(t for t in paragraphs if "now reported its outturn" in t)
    assert (
        f"forecast 2009/10 in the 2008/09 review: £{forecast / 1000:,.1f}m; "
        f"actual in the 2009/10 outturn: £{actual / 1000:,.1f}m"
    ) in para
    assert f"Melton (£{melton_a:,.0f}k against £{melton_f:,.0f}k)" in para
    assert re.match(r"\d+\. Six organisations forecast 2009/10 in the 2008/09 review", para), para
    assert "Three of them came in below their forecast" in para
    html = next((tmp / OUTTURN / "paper").glob("*.html")).read_text("utf-8")
    assert "Forecast against outturn" in html and f"Melton (£{melton_a:,.0f}k against" in html
    # The paper keeps the review's structure around it.
    headings = [
        h
        for h in paragraphs
        if h
        in ("Purpose", "Background", "Progress", "Specific projects", "Conclusions", "Next steps")
    ]
    assert headings == [
        "Purpose",
        "Background",
        "Progress",
        "Specific projects",
        "Conclusions",
        "Next steps",
    ]
    summary = json.loads((tmp / OUTTURN / "summary.json").read_text())
    (total,) = summary["trajectory"]["forecast_vs_outturn_totals"]
    assert total["forecast"] == pytest.approx(forecast) and total["actual"] == pytest.approx(actual)


@pytest.mark.slow
def test_with_one_round_the_sheet_says_so_and_draws_no_chart(rounds) -> None:
    tmp = rounds[0]
    ws = load_workbook(tmp / DEMO_ROUND / "master.xlsx")[names.TRAJECTORY]
    text = [v for r in rows_of(ws) for v in r if isinstance(v, str)]
    assert any(
        t.startswith("Only one round has accepted returns so far: the 2008/09 review.")
        for t in text
    )
    assert ws._charts == []
    assert not any("Forecasts against outturn" in t for t in text)
    # The review's own actuals against target are still there.
    assert any(t.startswith("Leicestershire LAA: actuals reported in each round") for t in text)
    (docx,) = (tmp / DEMO_ROUND / "paper").glob("*.docx")
    assert "Forecast against outturn" not in [para.text for para in Document(str(docx)).paragraphs]


def two_round_summary(tmp_path: Path):
    """The same two rounds through the library (no store): for checks on the sheet writer."""
    from xl_ni179.consolidate import build_summary
    from xl_ni179.partnership import parse_partnership
    from xl_ni179.store.status import ACCEPTED, OrgStatus

    config = tmp_path / "two-rounds.toml"
    config.write_text(run("config", "show"), "utf-8")
    p = parse_partnership(config.read_text("utf-8"), str(config))
    review = demo_returns(p, p.round(DEMO_ROUND))
    outturn = outturn_returns(p, review)
    statuses = [
        OrgStatus(
            c,
            p.organisation(c).name,
            p.organisation(c).short_name,
            p.organisation(c).sector,
            ACCEPTED,
        )
        for c in outturn
    ]
    return build_summary(
        p, p.round(OUTTURN), statuses, outturn, history={DEMO_ROUND: review, OUTTURN: outturn}
    )


def test_sheet_records_the_path_chart_over_its_table(tmp_path) -> None:
    from xl_ni179.consolidate.master import record_sheet
    from xl_ni179.consolidate.names import TRAJECTORY

    summary = two_round_summary(tmp_path)
    sheet = record_sheet(TRAJECTORY, summary)
    (chart,) = sheet.chart_list
    assert chart.gaps  # a year a round did not cover is a gap, not a zero
    assert [s.dashed for s in chart.series] == [True] + [False] * len(summary.trajectory.rounds)
    assert sheet.value(*chart.series[0].name) == "Target path"


def test_a_later_round_is_left_out_of_an_earlier_rounds_trajectory(tmp_path) -> None:
    from xl_ni179.consolidate import build_summary

    summary = two_round_summary(tmp_path)
    p = summary.partnership
    review = build_summary(
        p, p.round(DEMO_ROUND), [], {}, history={OUTTURN: summary.returns, DEMO_ROUND: {}}
    )
    assert review.trajectory.rounds == ()  # the review round has nothing accepted; 2009/10 is later


@pytest.mark.slow
def test_with_no_returns_at_all_the_sheet_says_so(tmp_path) -> None:
    from xl_ni179.consolidate import build_summary, write_consolidation

    p = load_partnership()
    summary = build_summary(p, p.round(DEMO_ROUND), [], {})
    ws = load_workbook(write_consolidation(summary, tmp_path / "master.xlsx"))[names.TRAJECTORY]
    assert "No round has accepted returns yet, so there is no trajectory to show." in [
        v for r in rows_of(ws) for v in r
    ]
    assert ws._charts == []
    assert summary.to_json()["trajectory"]["forecast_vs_outturn"] == []


@pytest.mark.slow
def test_libreoffice_opens_the_trajectory_chart(rounds, tmp_path, libreoffice) -> None:
    from helpers.libreoffice import convert

    (converted,) = convert([rounds[0] / OUTTURN / "master.xlsx"], tmp_path)
    ws = load_workbook(converted)[names.TRAJECTORY]
    (chart,) = ws._charts
    assert len(chart.series) == 3
    assert find_row(ws, "Melton", "2009/10", "2008/09 review")[4] == "2009/10 outturn"
