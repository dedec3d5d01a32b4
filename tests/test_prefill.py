"""The second round: templates prefilled from the last accepted return, restatements and
gains that must last, in the partner's workbook (recalculated by LibreOffice) and on
receipt, all through the `ni179` command."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.workbook_helpers import failing_checks, recalculate, status
from openpyxl import load_workbook

from xl_ni179.cli import main
from xl_ni179.intake.batch import validate_file
from xl_ni179.partnership import default_config_text, load_partnership
from xl_ni179.rules import RULES
from xl_ni179.spec.schema import build_schema
from xl_ni179.store.workspace import Workspace
from xl_ni179.template import template_filename

ROUND2 = "2009-10-outturn"
# The round the next-round branch adds to the built-in configuration, with the same ids.
SECOND_ROUND = """
[[rounds]]
id = "2009-10-outturn"
title = "Efficiency – 2009/10 outturn"
actual_years = ["2008/09", "2009/10"]
forecast_years = ["2010/11", "2011/12"]
opens = 2010-04-19
deadline = 2010-05-14
template_version = "2.0"
"""
REVIEW_TITLE = load_partnership().round("2008-09-review").title


def run(workspace: Path, *args: str, code: int | None = 0):
    result = CliRunner().invoke(
        main, ["--workspace", str(workspace), *args], catch_exceptions=False
    )
    if code is not None:
        assert result.exit_code == code, result.output
    return result


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> Path:
    """The built-in partnership, with the second round added until the built-in one has it."""
    text = default_config_text()
    if f'id = "{ROUND2}"' not in text:
        text += SECOND_ROUND
    path = tmp_path_factory.mktemp("config") / "partnership.toml"
    path.write_text(text, "utf-8")
    return path


@pytest.fixture(scope="module")
def p2(config):
    return load_partnership(config)


@pytest.fixture(scope="module")
def issued(tmp_path_factory, config, returns_dir) -> tuple[Path, Path]:
    """A workspace that received the seven 2008/09 demo returns, and the 2009/10 templates."""
    root = tmp_path_factory.mktemp("round2")
    ws = root / "ws"
    run(ws, "init", "--config", str(config))
    received = run(ws, "receive", *map(str, sorted(returns_dir.iterdir())))
    assert received.output.count(": ACCEPTED") == 7
    out = run(ws, "templates", "--round", ROUND2, "--out", str(root / "templates")).output
    assert "Wrote 13 workbook(s)" in out and "7 prefilled from earlier returns" in out
    assert f"NI179_MELTON_{ROUND2}.xlsx (prefilled as reported in {REVIEW_TITLE})" in out
    return ws, root / "templates"


@pytest.fixture
def fresh(issued, tmp_path):
    """A fresh copy of the issued workspace, for each receipt that must not see the others."""
    counter = iter(range(100))

    def copy() -> Path:
        return Path(shutil.copytree(issued[0], tmp_path / f"ws{next(counter)}"))

    return copy


@pytest.fixture
def workspace(fresh) -> Path:
    return fresh()


def round2_data(demo_data: dict, code: str = "MELTON") -> dict:
    """What a partner types into the 2009/10 template: its 2008/09 forecasts of 2009/10
    onwards become the new figures; the prefilled 2008/09 figures are left as they are."""
    old = demo_data[code]
    data = {
        k: v
        for k, v in old.items()
        if "2008_09" not in k and not k.startswith(("rag_2009_10", "rag_commentary_2009_10"))
    }
    return {**data, "signoff_date": "2010-05-10"}


@pytest.fixture
def fill2(issued, demo_data, tmp_path):
    """Fill Melton's 2009/10 template (through `ni179 fill`) with ``changes``; returns the file."""
    ws, templates = issued

    def fill(changes: dict, name: str, code: str = "MELTON", data: dict | None = None) -> Path:
        figures = tmp_path / f"{name}.json"
        figures.write_text(
            json.dumps({**(data or round2_data(demo_data, code)), **changes}), "utf-8"
        )
        out = tmp_path / f"{name}.xlsx"
        run(
            ws,
            "fill",
            str(templates / template_filename(code, ROUND2)),
            str(figures),
            "-o",
            str(out),
        )
        return out

    return fill


def accepted_figures(ws: Path, code: str) -> dict:
    store = Workspace(ws)
    return store.figures(store.latest_accepted(code, "2008-09-review").id)


@pytest.mark.slow
def test_templates_prefill_the_accepted_figures_and_leave_others_blank(issued, p2):
    ws, templates = issued
    melton = load_workbook(templates / template_filename("MELTON", ROUND2))
    blaby = load_workbook(templates / template_filename("BLABY", ROUND2))
    figures = accepted_figures(ws, "MELTON")
    schema = build_schema(p2, p2.round(ROUND2))
    prefilled = schema.prefill_fields()
    assert {f.year for f in prefilled} == {"2008/09"} and len(prefilled) == 16
    assert (
        sum(f.name in figures for f in prefilled) == 15
    )  # the demo return has no non-cashable memo
    gains = melton["Gains"]
    for f in prefilled:
        cell = gains[f.cell]
        assert cell.value == (pytest.approx(figures[f.name]) if f.name in figures else None), f.name
        assert cell.protection.locked is False and cell.fill.fgColor.rgb.endswith("FFF2CC"), (
            f.name
        )  # editable
        kept = gains[schema.prior_cell(f)]
        assert kept.value == cell.value and kept.protection.locked is not False, f.name
        assert (
            blaby["Gains"][f.cell].value is None
            and blaby["Gains"][schema.prior_cell(f)].value is None
        )
    assert gains["F6"].value == f"2008/09 as reported in {REVIEW_TITLE}"
    assert f"as you reported them in {REVIEW_TITLE}" in gains["A4"].value
    assert blaby["Gains"]["F6"].value == "2008/09 as reported before: none"
    assert "no accepted earlier return" in blaby["Gains"]["A4"].value
    for f in schema.of_group("gains", "2009/10"):  # the new actual year is for the partner to fill
        assert gains[f.cell].value is None


@pytest.mark.slow
def test_no_workspace_means_blank_templates(config, tmp_path):
    out = (
        CliRunner()
        .invoke(
            main,
            [
                "--workspace",
                str(tmp_path / "none"),
                "templates",
                "--round",
                ROUND2,
                "--out",
                str(tmp_path / "t"),
                "--org",
                "MELTON",
            ],
            catch_exceptions=False,
        )
        .output
    )
    assert "0 prefilled" in out
    gains = load_workbook(tmp_path / "t" / template_filename("MELTON", ROUND2))["Gains"]
    assert gains["B8"].value is None and gains["F6"].value == "2008/09 as reported before: none"


@pytest.mark.slow
@pytest.mark.usefixtures("libreoffice")
def test_fallen_gains_and_a_restatement_warn_in_the_workbook_and_on_receipt(fresh, fill2, tmp_path):
    fell = fill2({"gains_procurement_2009_10": 50.0}, "fell")
    restated = fill2({"gains_assets_2008_09": 30.0}, "restated")
    explained = fill2(
        {
            "gains_assets_2008_09": 30.0,
            "explain_actual_restated": "Audit found £5.6k of asset gains left out of 2008/09.",
        },
        "explained",
    )
    as_issued = fill2({}, "as-issued")
    computed = recalculate([fell, restated, explained, as_issued], tmp_path)

    assert failing_checks(computed[fell]) == {("gains-fell", "Gains", "C8")}
    assert status(computed[fell]) == "1 problem(s) to fix: see the Checks sheet"
    assert failing_checks(computed[restated]) == {("actual-restated", "Gains", "B11")}
    assert status(computed[restated]) == "1 problem(s) to fix: see the Checks sheet"
    assert status(computed[explained]) == "Ready to submit"
    assert (
        status(computed[as_issued]) == "Ready to submit"
        and failing_checks(computed[as_issued]) == set()
    )

    out = run(fresh(), "receive", str(fell), "--round", ROUND2).output
    # The 2009/10 total is also below what the 2008/09 review forecast for it (the stored comparison).
    assert "ACCEPTED with 2 warning(s) to explain" in out
    assert "WARNING [gains-withdrawn] at sheet Gains, cell C15" in out
    assert (
        "WARNING [gains-fell] at sheet Gains, cell C8: Procurement: gross ongoing cash-releasing gains, 2009/10 "
        "(actual) is £50.0k, below the £63.5k for 2008/09." in out
    )
    out = run(fresh(), "receive", str(restated), "--round", ROUND2).output
    assert (
        "WARNING [actual-restated] at sheet Gains, cell B11" in out and "changed from £24.4k" in out
    )
    assert "to £30.0k" in out
    assert "gains-withdrawn" not in out  # the same change is not warned twice
    workspace = fresh()
    out = run(workspace, "receive", str(explained), "--round", ROUND2).output
    assert (
        ": ACCEPTED\n" in out + "\n"
        and "WARNING (explained) [actual-restated] at sheet Gains, cell B11" in out
    )
    # Explained, it asks for nothing more (issue 19): not "explain the restatement" again.
    assert "What to do: Nothing more to do: you have explained this on the Checks sheet." in out
    assert "explain the restatement" not in out
    (melton,) = [r for r in Workspace(workspace).status(ROUND2) if r.code == "MELTON"]
    assert melton.state == "accepted" and melton.warnings == ()


# Each case changes Melton's 2009/10 return; both the workbook and the validator must
# report exactly these (code, cell) pairs.
CASES: dict[str, tuple[dict, set[tuple[str, str]]]] = {
    "as issued": ({}, set()),
    "gains fell": ({"gains_procurement_2009_10": 50.0}, {("gains-fell", "C8")}),
    "gains level": ({"gains_procurement_2009_10": 63.5}, set()),
    "restated up": ({"gains_procurement_2008_09": 70.0}, {("actual-restated", "B8")}),
    "restated within £50": ({"gains_procurement_2008_09": 63.54}, set()),
    "costs restated and gains fell": (
        {"costs_assets_2008_09": 0.5, "gains_other_2009_10": 1.0},
        {("actual-restated", "B22"), ("gains-fell", "C14")},
    ),
    "memo restated": ({"oneoff_2008_09": 0}, {("actual-restated", "B40")}),
    "prefilled figure cleared": (
        {"gains_shared_services_2008_09": None},
        {("actual-restated", "B10"), ("required-missing", "B10")},
    ),
    "restated as text": ({"gains_workforce_2008_09": "43.9k"}, {("money-not-a-number", "B12")}),
    "explained": (
        {
            "gains_procurement_2008_09": 70.0,
            "gains_other_2009_10": 1.0,
            "explain_actual_restated": "Corrected after audit",
            "explain_gains_fell": "Contract ended",
        },
        {("actual-restated", "B8"), ("gains-fell", "C14")},
    ),
}


@pytest.mark.slow
@pytest.mark.usefixtures("libreoffice")
def test_python_and_workbook_agree_cell_by_cell_in_the_second_round(p2, fill2, tmp_path):
    files = {
        case: fill2(changes, f"case{i}")
        for i, (case, (changes, _)) in enumerate(sorted(CASES.items()))
    }
    computed = recalculate(list(files.values()), tmp_path)
    for case, path in files.items():
        report = validate_file(p2, path)
        python = {(f.code, f.sheet, f.cell) for f in report.findings if RULES[f.code].in_workbook}
        assert python == failing_checks(computed[path]), case
        assert {(c, cell) for c, _, cell in python} == CASES[case][1], case
        assert report.valid == (case not in ("prefilled figure cleared", "restated as text")), case
    assert status(computed[files["explained"]]) == "Ready to submit"


@pytest.mark.slow
def test_an_organisation_with_no_earlier_return_fills_in_full_and_nothing_is_a_restatement(
    p2, fill2, demo_data, workspace
):
    data = {**demo_data["MELTON"], "signoff_date": "2010-05-10"}
    data = {
        k: v for k, v in data.items() if not k.startswith(("rag_2009_10", "rag_commentary_2009_10"))
    }
    path = fill2({"signoff_email": "finance@blaby.example.org"}, "blaby", code="BLABY", data=data)
    report = validate_file(p2, path)
    assert report.findings == [] and report.prefill is None
    assert ": ACCEPTED" in run(workspace, "receive", str(path)).output


@pytest.mark.slow
def test_changing_what_was_reported_before_is_tampering(fill2, workspace, tmp_path):
    path = fill2({"gains_procurement_2008_09": 70.0}, "tampered")
    wb = load_workbook(path)
    wb["Gains"]["F8"] = 70.0  # so the restatement no longer shows
    wb.save(tmp_path / "tampered-column.xlsx")
    out = run(workspace, "receive", str(tmp_path / "tampered-column.xlsx"), code=1).output
    assert "ERROR [locked-content-changed] at sheet Gains, cell F8" in out and "'63.5'" in out
    assert "actual-restated" not in out

    wb = load_workbook(path)
    wb["_meta"]["B9"] = "0" * 64  # claims another source return
    wb.save(tmp_path / "other-source.xlsx")
    out = run(workspace, "receive", str(tmp_path / "other-source.xlsx"), code=1).output
    assert "ERROR [prefill-source-unknown] at sheet Gains" in out and REVIEW_TITLE in out

    wb = load_workbook(path)
    for row in range(1, 10):  # pretends to be a blank template, keeping the figures
        if wb["_meta"].cell(row, 1).value and wb["_meta"].cell(row, 1).value.startswith(
            "prefilled_from"
        ):
            wb["_meta"].cell(row, 2).value = None
    wb.save(tmp_path / "no-source.xlsx")
    out = run(workspace, "receive", str(tmp_path / "no-source.xlsx"), code=1).output
    assert "ERROR [locked-content-changed] at sheet Gains, cell F8" in out
    assert "ERROR [locked-content-changed] at sheet Gains, cell F6" in out


@pytest.mark.slow
def test_a_resubmitted_earlier_return_does_not_disturb_the_issued_templates(
    p2, fill2, workspace, demo_data, returns_dir, tmp_path
):
    """The template names the accepted return its figures came from, so a later version of
    the 2008/09 return neither breaks the 2009/10 return nor changes what it is measured against."""
    figures = tmp_path / "v2.json"
    figures.write_text(json.dumps({"gains_procurement_2008_09": 80.0}), "utf-8")
    v2 = tmp_path / "NI179_MELTON_2008-09-review-v2.xlsx"
    run(
        workspace,
        "fill",
        str(returns_dir / "NI179_MELTON_2008-09-review.xlsx"),
        str(figures),
        "-o",
        str(v2),
    )
    assert "replaces version 1" in run(workspace, "receive", str(v2)).output
    out = run(workspace, "receive", str(fill2({}, "after-v2"))).output
    assert ": ACCEPTED" in out and "locked-content" not in out and "actual-restated" not in out
    assert (
        "WARNING [gains-withdrawn] at sheet Gains, cell B15" in out
    )  # lower than the latest accepted 2008/09


@pytest.mark.slow
def test_validate_checks_the_column_against_the_previous_return_given(issued, fill2, tmp_path):
    ws, _ = issued
    store = Workspace(ws)
    sub = store.latest_accepted("MELTON", "2008-09-review")
    previous = ws / "files" / sub.sha256[:2] / f"{sub.sha256}.xlsx"
    path = fill2({}, "checked")
    result = CliRunner().invoke(
        main, ["--workspace", str(ws), "validate", "--previous", str(previous), str(path)]
    )
    assert result.exit_code == 0 and ": ACCEPTED" in result.output
    wb = load_workbook(path)
    wb["Gains"]["F9"] = 1.0
    wb.save(tmp_path / "changed.xlsx")
    result = CliRunner().invoke(
        main,
        [
            "--workspace",
            str(ws),
            "validate",
            "--previous",
            str(previous),
            str(tmp_path / "changed.xlsx"),
        ],
    )
    assert (
        result.exit_code == 1
        and "[locked-content-changed] at sheet Gains, cell F9" in result.output
    )
    assert "'53.7'" in result.output


@pytest.mark.slow
def test_expected_locked_content_of_a_prefilled_template_equals_building_it(issued, p2):
    from xl_ni179.intake.compiled import return_spec
    from xl_ni179.template.builder import build_locked

    store = Workspace(issued[0])
    for code in ("MELTON", "HINCK", "LCC", "BLABY"):
        prefill = store.prefill(code, ROUND2)
        assert (prefill is None) == (code == "BLABY")
        assert return_spec(p2, ROUND2).expected_locked(code, prefill) == build_locked(
            p2, code, ROUND2, prefill
        ), code


@pytest.mark.slow
def test_a_reminder_attaches_the_prefilled_workbook(issued, tmp_path):
    import io

    from xl_ni179.mail.chasers import build_chasers

    chasers = {
        st.code: msg
        for st, msg in build_chasers(Workspace(issued[0]), ROUND2, today=dt.date(2010, 5, 1))
    }
    assert len(chasers) == 13  # nobody has sent a 2009/10 return yet
    for code, opening in (
        ("MELTON", f"with the figures you reported in {REVIEW_TITLE} filled in"),
        ("BLABY", "Your blank return workbook is attached"),
    ):
        msg = chasers[code]
        assert opening in msg.get_body(("plain",)).get_content()
        (attachment,) = list(msg.iter_attachments())
        wb = load_workbook(io.BytesIO(attachment.get_content()))
        assert (wb["Gains"]["B8"].value is None) == (code == "BLABY")
        assert (wb["Gains"]["F8"].value == wb["Gains"]["B8"].value == 63.5) == (code == "MELTON")


@pytest.mark.slow
def test_the_outturn_demo_issues_prefilled_workbooks_and_melton_explains_its_restatement(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "--workspace",
            str(tmp_path / "ws"),
            "demo",
            "--round",
            ROUND2,
            "--out",
            str(tmp_path / "out"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    templates = tmp_path / "out" / "templates"
    assert (
        load_workbook(templates / template_filename("MELTON", ROUND2))["Gains"]["F6"].value
        == f"2008/09 as reported in {REVIEW_TITLE}"
    )
    assert (
        load_workbook(templates / template_filename("BLABY", ROUND2))["Gains"]["B8"].value is None
    )
    (melton,) = [s for s in Workspace(tmp_path / "ws").status(ROUND2) if s.code == "MELTON"]
    restated = [f for f in melton.findings if f["code"] == "actual-restated"]
    assert [(f["cell"], f["explained"]) for f in restated] == [("B8", True)]
