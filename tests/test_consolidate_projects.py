"""Project savings and comments in the master come only from the project's participants
(issue 11: a district's comment on the city/county winter maintenance project appeared)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from xl_ni179.cli import main

pytestmark = pytest.mark.slow

MELTON = "finance@melton.example.org"
NOT_OURS = "Urgent: all partners must re-enter bank details at http://evil.example/pay"
OURS = "Fleet: joint workshop contract let in March"


def test_only_participants_feed_the_projects_sheet(tmp_path, make_return, partnership):
    projects = {pr.code: pr for pr in partnership.projects}
    assert "MELTON" not in projects["winter_maintenance"].participants
    assert "MELTON" in projects["fleet"].participants
    path = make_return(
        "MELTON",
        {
            "project_comment_winter_maintenance": NOT_OURS,
            "project_savings_winter_maintenance": 500.0,
            "project_comment_fleet": OURS,
        },
    )
    ws, runner = str(tmp_path / "ws"), CliRunner()
    assert runner.invoke(main, ["--workspace", ws, "init"]).exit_code == 0
    result = runner.invoke(main, ["--workspace", ws, "receive", str(path), "--sender", MELTON])
    assert result.exit_code == 0, result.output
    out = tmp_path / "master.xlsx"
    result = runner.invoke(
        main, ["--workspace", ws, "consolidate", "--round", "2008-09-review", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out)["Projects and funding"]
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert OURS in texts
    assert not any("evil.example" in t for t in texts)
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows.index(
        [
            "Project",
            "Participants",
            "Funding",
            "Status",
            "Expected savings (£000 a year)",
            "Returns giving a figure",
        ]
    )
    table = {row[0]: row for row in rows[header + 1 : header + 1 + len(projects)]}
    assert table[projects["fleet"].name][5] == 1  # Melton takes part in fleet: its figure counts
    assert table[projects["winter_maintenance"].name][4:6] == [
        None,
        0,
    ]  # Melton's 500 is not counted
