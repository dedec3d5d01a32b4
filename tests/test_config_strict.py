"""A strict configuration: every problem in the file listed at once, with its line and key;
misspelt keys are errors with "did you mean"; ids that become file names are checked on load.

Before, `closses = 2010-06-30` and `baselin = 5` passed `ni179 config check` silently (the
round then never closed), a round id "2009/10" passed `config check` and `init` and then
`templates` failed with a FileNotFoundError traceback, and only the first problem in a file
was ever reported (issue 18, item 11).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from xl_ni179.errors import ConfigError
from xl_ni179.partnership import default_config_text, load_partnership, parse_partnership

ROOT = Path(__file__).resolve().parents[1]


def ni179(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("NI179_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "xl_ni179", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def edited(*changes: tuple[str, str]) -> str:
    text = default_config_text()
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


THE_ISSUE = (
    ("deadline = 2010-05-14\n", "deadline = 2010-05-14\ncloses = 2010-06-30\n"),
    ("closes = 2010-06-30", "closses = 2010-06-30"),
    ("baseline = 8500", "baselin = 5"),
    ('id = "2009-10-outturn"', 'id = "2009/10"'),
)


def test_config_check_lists_every_problem_with_its_line_and_a_fix(tmp_path):
    text = edited(*THE_ISSUE)
    config = tmp_path / "partnership.toml"
    config.write_text(text, "utf-8")
    result = ni179("config", "check", str(config), cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"Error: {config} has 4 problems; fix them all, then check it again with `ni179 config check`:"
    )
    melton = line_of(text, "baselin = 5")
    header = line_of(text, 'code = "MELTON"') - 1  # its [[organisations]] line
    round_id = line_of(text, 'id = "2009/10"')
    assert lines[1:] == [
        f"  line {header}: organisations[6].baseline: is missing",
        f'  line {melton}: organisations[6].baselin: "baselin" is not a key of an organisation, so it would be '
        'ignored; did you mean "baseline"?',
        f"  line {round_id}: rounds[1].id: '2009/10' cannot be a round id: the id is "
        "part of file and folder names (NI179_<code>_<round id>.xlsx), so it may hold only letters, digits, '-', "
        "'_' and '.', must start and end with a letter or digit, be at most 64 characters and not be a name "
        'Windows keeps for devices (CON, NUL...); write it like "2009-10"',
        f'  line {line_of(text, "closses")}: rounds[1].closses: "closses" is not a key of a round, so it would be '
        'ignored; did you mean "closes"?',
    ]


@pytest.mark.slow
def test_init_refuses_the_file_and_no_workspace_is_made(tmp_path):
    config = tmp_path / "partnership.toml"
    config.write_text(edited(('id = "2009-10-outturn"', 'id = "2009/10"')), "utf-8")
    result = ni179(
        "--workspace", str(tmp_path / "ws"), "init", "--config", str(config), cwd=tmp_path
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "rounds[1].id: '2009/10' cannot be a round id" in result.stderr
    assert not (tmp_path / "ws").exists()


@pytest.mark.slow
def test_a_workspace_whose_configuration_was_broken_by_an_edit_says_so_for_every_command(tmp_path):
    ws = tmp_path / "ws"
    assert ni179("--workspace", str(ws), "init", cwd=tmp_path).returncode == 0
    config = ws / "config.toml"
    config.write_text(
        config.read_text("utf-8").replace('sector = "fire"', 'sector = "fyre"'), "utf-8"
    )
    for command in (["status"], ["templates", "--out", str(tmp_path / "t")], ["config", "check"]):
        result = ni179("--workspace", str(ws), *command, cwd=tmp_path)
        assert result.returncode != 0 and "Traceback" not in result.stderr, (command, result.stderr)
        assert (
            "organisations[9].sector: 'fyre' is not a sector of [sectors]; did you mean \"fire\"?"
            in result.stderr
        ), result.stderr
    assert not (tmp_path / "t").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("deadline = 2009-05-15", 'deadline = "2009-05-15"'),
            "rounds[0].deadline: must be a date written like 2009-05-15 (write it without quotes)",
        ),
        (
            ("deadline = 2009-05-15", "deadline = 2009-05-15T17:00:00"),
            "rounds[0].deadline: must be a date written like 2009-05-15 (found 2009-05-15 17:00, a date with a time)",
        ),
        (
            ('"MELTON", "NWL"', '"MELTN", "NWL"'),
            "agreements[0].members[5]: 'MELTN' is not an organisation code; did you mean \"MELTON\"?",
        ),
        (
            ('funding = ["RIEP_WINTER"]', 'funding = ["RIEP_WINTR"]'),
            "projects[0].funding[0]: 'RIEP_WINTR' is not a funding code of [[funding]]; did you mean \"RIEP_WINTER\"?",
        ),
        (("MELTON = 2", "MELTON = 5"), "vfm.scores.MELTON: must be a score from 1 to 4 (found 5)"),
        (
            ('method = "additive"', 'method = "additve"'),
            "agreements[0].method: must be 'additive' or 'compound' (found 'additve'); did you mean \"additive\"?",
        ),
        (
            ('code = "LCC"', 'code = "L/CC"'),
            "organisations[0].code: 'L/CC' cannot be an organisation code",
        ),
        (('id = "2008-09-review"', 'id = "CON"'), "rounds[0].id: 'CON' cannot be a round id"),
        (
            ("[budget]", "[budgets]"),
            '"budgets" is not a table the configuration has, so it would be ignored; did you '
            'mean "budget"?',
        ),
        (
            ("[sectors.county]\nname", "[sectors.county]\nnmae"),
            'sectors.county.nmae: "nmae" is not a key of a sector',
        ),
    ],
)
def test_each_kind_of_problem_is_named_where_it_is(change, message):
    text = edited(change)
    with pytest.raises(ConfigError) as err:
        parse_partnership(text, "p.toml")
    problems = [str(p) for p in err.value.problems]
    assert any(message in p for p in problems), problems
    # ...on the line the change is on (or the table it belongs to)
    assert (
        any(p.startswith(f"line {line_of(text, change[1])}: ") for p in problems)
        or change[0] == "[budget]"
    ), problems


def test_every_shipped_configuration_still_loads(tmp_path):
    """The built-in file(s), the benchmark generator's at several sizes and the demo's."""
    from importlib import resources

    for entry in resources.files("xl_ni179.data").iterdir():
        if entry.name.endswith(".toml"):
            assert load_partnership(Path(str(entry))).organisations
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import config_text
    finally:
        sys.path.pop(0)
    for orgs in (13, 60, 420):
        assert len(parse_partnership(config_text(orgs, 179), "bench").organisations) == orgs
    from xl_ni179.demo.data import DEMO_ROUND

    assert load_partnership().round(DEMO_ROUND).deadline == dt.date(2009, 5, 15)
    result = ni179("config", "check", cwd=tmp_path)  # no workspace: the built-in file
    assert result.returncode == 0 and ": OK: 13 organisations" in result.stdout
