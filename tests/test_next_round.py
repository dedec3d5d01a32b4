"""The second round: the 2009/10 outturn demo, round dates (late, closed, the default round),
each agreement measured from its own first year, and the sign-off independence warning on
receipt. End to end through the CLI where a user would do it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from xl_ni179.cli import main
from xl_ni179.demo.data import OUTTURN, RESTATED, demo_returns
from xl_ni179.errors import ConfigError
from xl_ni179.partnership import default_config_text, load_partnership, parse_partnership
from xl_ni179.store.workspace import Workspace

REVIEW, OUTTURN_ROUND = "2008-09-review", "2009-10-outturn"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# -- the default round -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2000, 1, 1), REVIEW),  # before any round opens: the first
        (dt.date(2009, 6, 1), REVIEW),  # only the review has opened
        (dt.date(2010, 4, 19), OUTTURN_ROUND),  # both open (no closing date): the one opened last
        (dt.date(2026, 1, 1), OUTTURN_ROUND),  # long after: the latest
    ],
)
def test_default_round_is_the_one_open_on_the_day_else_the_latest_opened(day, expected):
    assert load_partnership().round(on=day).id == expected


def test_a_closed_round_is_not_the_default_while_another_is_open():
    text = default_config_text().replace(
        "deadline = 2009-05-15\n", "deadline = 2009-05-15\ncloses = 2009-06-30\n"
    )
    p = parse_partnership(text, "test")
    assert p.round(on=dt.date(2009, 6, 30)).id == REVIEW
    assert p.round(on=dt.date(2010, 1, 1)).id == REVIEW  # closed, but still the latest that opened
    assert p.round(on=dt.date(2010, 4, 20)).id == OUTTURN_ROUND


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (
            ('counts_from = "2009/10"', 'counts_from = "2012/13"'),
            "agreements[2].counts_from: '2012/13' has no rate",
        ),
        (
            ('counts_from = "2009/10"', 'counts_from = "2009/10"\nreported_only = ["2010/11"]'),
            "agreements[2].reported_only: must be the years before counts_from (2008/09)",
        ),
        (
            ("deadline = 2009-05-15\n", "deadline = 2009-05-15\ncloses = 2009-05-01\n"),
            "rounds[0].closes: 2009-05-01 is before the deadline 2009-05-15",
        ),
    ],
)
def test_round_and_agreement_dates_are_checked(change, key):
    with pytest.raises(ConfigError) as err:
        parse_partnership(default_config_text().replace(*change, 1), "test.toml")
    assert key in str(err.value)


# -- the second round on the demo data ---------------------------------------------------------


@pytest.fixture(scope="module")
def outturn(tmp_path_factory):
    out = tmp_path_factory.mktemp("outturn")
    result = run(
        "--workspace", str(out / "ws"), "demo", "--round", OUTTURN_ROUND, "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    return out, result.output


@pytest.mark.slow
def test_outturn_demo_receives_both_rounds_with_late_returns(outturn):
    out, output = outturn
    summary = json.loads((out / "summary.json").read_text())
    assert summary["round"]["id"] == OUTTURN_ROUND and summary["round"]["deadline"] == "2010-05-14"
    assert summary["round"]["actual_years"] == ["2008/09", "2009/10"]
    assert summary["round"]["forecast_years"] == ["2010/11", "2011/12"]
    assert len(summary["received"]) == 10
    assert summary["missing"] == ["Blaby", "Harborough", "City PCT"]
    late_received = {"Hinckley and Bosworth", "Charnwood", "Fire Authority"}
    assert set(summary["late"]) == late_received | set(summary["missing"])
    assert (
        summary["round"]["state"]["text"]
        == "past deadline (14 May 2010): 6 late (3 received late, 3 still missing)"
    )
    assert "Charnwood Borough Council: accepted (late: received 21 May)" in output
    assert len(list((out / "returns").glob(f"*_{REVIEW}.xlsx"))) == 7
    assert len(list((out / "returns").glob(f"*_{OUTTURN_ROUND}.xlsx"))) == 10
    # The Returns status sheet (what the ribbon's Returns status button refreshes) says so too.
    status = load_workbook(out / "master.xlsx")["Returns status"]
    assert "The round is past deadline (14 May 2010): 6 late" in status["A2"].value


@pytest.mark.slow
def test_outturn_demo_carries_melton_restated_2008_09_figure(outturn):
    out, _ = outturn
    ws = Workspace(out / "ws")
    p = ws.partnership
    name, change, _why = RESTATED["MELTON"]
    review = ws.accepted_returns(REVIEW)["MELTON"][name]
    assert review == demo_returns(p, p.round(REVIEW))["MELTON"][name]
    assert ws.accepted_returns(OUTTURN_ROUND)["MELTON"][name] == pytest.approx(review + change)
    ws.engine.dispose()


@pytest.mark.slow
def test_outturn_maa_counts_gains_since_april_2009(outturn):
    """In the outturn 2009/10 is actual: the MAA's figure is each organisation's 2009/10 NI 179
    less its 2008/09 NI 179, not NI 179 itself."""
    out, _ = outturn
    summary = json.loads((out / "summary.json").read_text())
    rows = {o["code"]: o for o in summary["organisations"]}
    expected = sum(
        rows[c]["years"]["2009/10"]["net_gains"] - rows[c]["years"]["2008/09"]["net_gains"]
        for c in OUTTURN
    )
    maa = summary["totals"]["MAA"]["2009/10"]
    assert maa["kind"] == "Actual"
    assert maa["gains"] == pytest.approx(expected, abs=0.5)
    ni179 = sum(rows[c]["years"]["2009/10"]["net_gains"] for c in OUTTURN)
    assert maa["gains"] < 0.6 * ni179  # counting since April 2008 would roughly double it
    assert rows["LCC"]["targets"]["2009/10"]["MAA"]["gains_counted"] == pytest.approx(
        rows["LCC"]["years"]["2009/10"]["net_gains"] - rows["LCC"]["years"]["2008/09"]["net_gains"],
        abs=0.1,
    )
    assert (
        summary["totals"]["COUNTY_LAA"]["2009/10"]["basis"]
        == "gains since April 2008 (the Leicestershire LAA's first year)"
    )
    (html,) = list((out / "paper").glob("*.html"))
    assert "counting gains since April 2009, the MAA&#x27;s first year" in html.read_text("utf-8")


@pytest.mark.slow
def test_nigains_with_an_agreement_counts_from_its_first_year(outturn):
    from xl_ni179.excel import udfs

    out, _ = outturn
    summary = json.loads((out / "summary.json").read_text())
    lcc = next(o for o in summary["organisations"] if o["code"] == "LCC")
    assert udfs.gains("LCC", "2009/10", workspace=out / "ws") == pytest.approx(
        lcc["years"]["2009/10"]["net_gains"], abs=0.05
    )
    assert udfs.gains("LCC", "2009/10", "MAA", workspace=out / "ws") == pytest.approx(
        lcc["targets"]["2009/10"]["MAA"]["gains_counted"], abs=0.05
    )
    assert udfs.gains("LCITY", "2009/10", "COUNTY_LAA", workspace=out / "ws") == ""  # not a member


# -- a closed round --------------------------------------------------------------------------------


def _dated_config(tmp_path, today: dt.date):
    """The built-in configuration with the review closed a month ago and the outturn open now."""
    text = default_config_text()
    for old, new in (
        ("opens = 2009-04-20", f"opens = {today - dt.timedelta(days=90)}"),
        (
            "deadline = 2009-05-15",
            f"deadline = {today - dt.timedelta(days=60)}\ncloses = {today - dt.timedelta(days=30)}",
        ),
        ("opens = 2010-04-19", f"opens = {today - dt.timedelta(days=10)}"),
        ("deadline = 2010-05-14", f"deadline = {today + dt.timedelta(days=20)}"),
    ):
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "partnership.toml"
    path.write_text(text, "utf-8")
    return path


@pytest.mark.slow
def test_a_return_for_a_closed_round_is_refused_naming_the_open_round(tmp_path, demo_data):
    today = dt.date.today()
    ws = str(tmp_path / "ws")
    assert (
        run("--workspace", ws, "init", "--config", str(_dated_config(tmp_path, today))).exit_code
        == 0
    )
    assert (
        run(
            "--workspace",
            ws,
            "templates",
            "--round",
            REVIEW,
            "--org",
            "MELTON",
            "--out",
            str(tmp_path / "t"),
        ).exit_code
        == 0
    )
    (tmp_path / "melton.json").write_text(json.dumps(demo_data["MELTON"]))
    filled = tmp_path / "melton.xlsx"
    assert (
        run(
            "--workspace",
            ws,
            "fill",
            str(tmp_path / "t" / f"NI179_MELTON_{REVIEW}.xlsx"),
            str(tmp_path / "melton.json"),
            "-o",
            str(filled),
        ).exit_code
        == 0
    )

    result = run(
        "--workspace", ws, "receive", str(filled), "--sender", "finance@melton.example.org"
    )
    assert result.exit_code == 1
    assert "NOT ACCEPTED" in result.output and "round-closed" in result.output
    assert f"which closed on {(today - dt.timedelta(days=30)).day} " in result.output
    assert "The round open now is '2009-10-outturn' (Efficiency – 2009/10 outturn)" in result.output
    assert "Send your figures on the '2009-10-outturn' template instead" in result.output

    status = run("--workspace", ws, "status", "--round", REVIEW)
    assert "Round closed on" in status.output and "returns are refused" in status.output
    assert "Rejected: awaiting a fix" in status.output
    current = run("--workspace", ws, "status", "--json")  # the default: the round open today
    state = json.loads(current.output)
    assert state["round"] == OUTTURN_ROUND
    assert state["state"]["state"] == "open"
    assert (
        state["state"]["text"] == f"open: deadline {(today + dt.timedelta(days=20)).day} "
        f"{today + dt.timedelta(days=20):%B %Y}"
    )


@pytest.mark.slow
def test_receive_date_is_an_input_late_then_closed(tmp_path, returns_dir):
    """The same file, received on different days: on time, late, and refused once closed."""
    text = default_config_text().replace(
        "deadline = 2009-05-15\n", "deadline = 2009-05-15\ncloses = 2009-06-30\n"
    )
    config = tmp_path / "c.toml"
    config.write_text(text, "utf-8")
    path = returns_dir / f"NI179_NWL_{REVIEW}.xlsx"
    outcomes = {}
    for day in (
        dt.datetime(2009, 5, 14, 17),
        dt.datetime(2009, 6, 2, 9),
        dt.datetime(2009, 8, 3, 9),
        dt.datetime(2010, 4, 25, 9),
    ):
        ws = Workspace.init(tmp_path / f"ws-{day:%Y%m%d}", config)
        receipt = ws.receive(path, received_at=day)
        outcomes[day.date()] = (
            receipt.outcome,
            receipt.late,
            [f.message for f in receipt.report.errors],
        )
        ws.engine.dispose()
    assert outcomes[dt.date(2009, 5, 14)] == ("accepted", False, [])
    assert outcomes[dt.date(2009, 6, 2)] == ("accepted", True, [])
    outcome, _late, (message,) = outcomes[dt.date(2009, 8, 3)]
    assert (
        outcome == "rejected" and "closed on 30 June 2009; it arrived on 3 August 2009" in message
    )
    assert message.endswith("No round is open now.")
    _, _, (message,) = outcomes[dt.date(2010, 4, 25)]
    assert message.endswith(
        "The round open now is '2009-10-outturn' (Efficiency – 2009/10 outturn), "
        "deadline 14 May 2010."
    )


# -- sign-off independence on receipt --------------------------------------------------------------


def test_preparer_signing_off_is_warned_on_receipt(tmp_path, make_return):
    ws = str(tmp_path / "ws")
    assert run("--workspace", ws, "init").exit_code == 0
    same = make_return(
        "MELTON",
        {"signoff_preparer": "Gail Reid, Finance Officer", "signoff_s151_officer": "GAIL  REID"},
    )
    result = run("--workspace", ws, "receive", str(same), "--sender", "finance@melton.example.org")
    assert result.exit_code == 0, result.output  # a warning: accepted, but to be explained
    assert (
        "The section 151 officer (GAIL  REID) is the person who prepared the return "
        "(Gail Reid, Finance Officer)" in result.output
    )
    status = json.loads(run("--workspace", ws, "status", "--round", REVIEW, "--json").output)
    melton = next(o for o in status["organisations"] if o["code"] == "MELTON")
    assert [f["code"] for f in melton["findings"]] == ["signoff-not-independent"]
    assert melton["warnings"]
