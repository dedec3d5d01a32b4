"""`ni179 validate`, `schema`, `templates`, `fill` and `config` as a user runs them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from xl_ni179.cli import main


def run(*args: str, workspace=None):
    ws = ["--workspace", str(workspace)] if workspace else []
    return CliRunner().invoke(main, [*ws, *args], catch_exceptions=False)


def test_validate_exit_codes_and_json(returns_dir, make_return, tmp_path):
    good = returns_dir / "NI179_HINCK_2008-09-review.xlsx"
    bad = make_return("MELTON", {"gains_procurement_2008_09": "£5"})
    result = run("validate", str(good))
    assert result.exit_code == 0
    assert "Hinckley and Bosworth Borough Council: ACCEPTED" in result.output

    result = run("validate", "--json", str(good), str(bad))
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [d["valid"] for d in data] == [True, False]
    assert data[1]["organisation"] == "MELTON"
    # The same name the text output gives (issue 19): not null.
    assert [d["organisation_name"] for d in data] == [
        "Hinckley and Bosworth Borough Council",
        "Melton Borough Council",
    ]
    (finding,) = data[1]["findings"]
    assert {k: finding[k] for k in ("code", "severity", "sheet", "cell")} == {
        "code": "money-not-a-number",
        "severity": "error",
        "sheet": "Gains",
        "cell": "B8",
    }
    assert "£5" in finding["message"]


def test_validate_text_says_what_where_and_what_to_do(make_return):
    result = run(
        "validate",
        str(make_return("MELTON", {"rag_2009_10": "Red", "rag_commentary_2009_10": None})),
    )
    assert result.exit_code == 1
    assert "NOT ACCEPTED: 1 error(s) to fix" in result.output
    assert "at sheet Forecast, cell C6" in result.output
    assert (
        "What to do: Explain the risks to the 2009/10 target in sheet Forecast, cell C6."
        in result.output
    )


def test_validate_cannot_run_exits_2(tmp_path, returns_dir):
    result = run(
        "validate", "--round", "no-such-round", str(returns_dir / "NI179_HINCK_2008-09-review.xlsx")
    )
    assert result.exit_code == 2
    assert result.output.startswith("Error: There is no round 'no-such-round'")


def test_validate_annotate_writes_checked_copy(make_return, tmp_path):
    bad = make_return("MELTON", {"signoff_email": "nobody"}, name="melton.xlsx")
    result = run("validate", "--annotate", str(tmp_path / "checked"), str(bad))
    assert result.exit_code == 1
    wb = load_workbook(tmp_path / "checked" / "melton-checked.xlsx")
    assert wb.sheetnames[0] == "Validation results"
    assert "signoff-email-invalid" in wb["Sign-off"]["B8"].comment.text


def test_schema_json_lists_every_field_with_its_contract(partnership, demo_round):
    result = run("schema", "--json")
    assert result.exit_code == 0
    fields = json.loads(result.output)
    assert {"name", "label", "sheet", "type", "required"} <= set(fields[0])
    names = [f["name"] for f in fields]
    assert len(names) == len(set(names))
    assert {"gains_procurement_2009_10", "rag_commentary_2010_11", "signoff_email"} <= set(names)
    assert all(n.replace("_", "").isalnum() and n.islower() for n in names)


@pytest.mark.slow
def test_templates_and_fill(tmp_path):
    # The built-in configuration has two rounds now; the default (today, long after both) is the
    # later one, so this test names the round whose template it fills.
    result = run(
        "templates", "--round", "2008-09-review", "--out", str(tmp_path / "t"), "--org", "MELTON"
    )
    assert result.exit_code == 0, result.output
    template = tmp_path / "t" / "NI179_MELTON_2008-09-review.xlsx"
    (tmp_path / "d.json").write_text(
        json.dumps({"gains_procurement_2008_09": 12.5, "rag_commentary_2009_10": '=HYPERLINK("x")'})
    )
    result = run("fill", str(template), str(tmp_path / "d.json"), "-o", str(tmp_path / "f.xlsx"))
    assert result.exit_code == 0, result.output
    wb = load_workbook(tmp_path / "f.xlsx")
    assert wb["Gains"]["B8"].value == 12.5
    assert wb["Forecast"]["C6"].data_type == "s"

    (tmp_path / "bad.json").write_text(json.dumps({"gains_procurment_2008_09": 1}))
    result = run("fill", str(template), str(tmp_path / "bad.json"), "-o", str(tmp_path / "g.xlsx"))
    assert result.exit_code == 2
    assert "Not inputs of this return: gains_procurment_2008_09" in result.output
    assert not (tmp_path / "g.xlsx").exists()


def test_broken_config_reports_file_key_and_problem(tmp_path):
    from xl_ni179.partnership import default_config_text

    cases = {
        "baseline = 12500": ('baseline = "lots"', "organisations[2].baseline: must be a number"),
        'sector = "fire"': (
            'sector = "rescue"',
            "organisations[9].sector: 'rescue' is not a sector of [sectors]",
        ),
        'method = "additive"': (
            'method = "geometric"',
            "agreements[0].method: must be 'additive' or 'compound'",
        ),
        "deadline = 2009-05-15": ('deadline = "soon"', "rounds[0].deadline: must be a date"),
        "LCC = 4": ("LCC = 5", "vfm.scores.LCC: must be a score from 1 to 4"),
    }
    for original, (broken, expected) in cases.items():
        path = tmp_path / "partnership.toml"
        text = default_config_text().replace(original, broken, 1)
        path.write_text(text)
        line = text[: text.index(broken)].count("\n") + 1
        result = run("config", "check", str(path))
        assert result.exit_code == 2, broken
        assert result.output.startswith(f"Error: {path}: line {line}: {expected}"), result.output
        assert "Traceback" not in result.output
    path.write_text("[partnership\nname=")
    result = run("config", "check", str(path))
    assert result.exit_code == 2 and "is not valid TOML" in result.output
