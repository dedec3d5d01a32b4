"""The docs stay honest: generated reference pages are current, and nothing is undocumented."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import click

from xl_ni179.cli import main
from xl_ni179.cli.reference import commands_markdown, rules_markdown, schema_markdown
from xl_ni179.partnership import default_config_text
from xl_ni179.rules import RULES
from xl_ni179.spec.schema import build_schema

DOCS = Path(__file__).resolve().parent.parent / "docs"
STALE = "is stale: run `ni179 docs --out docs` and commit the result"


def test_generated_pages_are_current(partnership):
    assert (DOCS / "rules.md").read_text("utf-8") == rules_markdown(), f"docs/rules.md {STALE}"
    assert (DOCS / "schema.md").read_text("utf-8") == schema_markdown(partnership), (
        f"docs/schema.md {STALE}"
    )
    assert (DOCS / "commands.md").read_text("utf-8") == commands_markdown(main), (
        f"docs/commands.md {STALE}"
    )


def test_every_rule_and_field_is_documented(partnership, demo_round):
    rules = (DOCS / "rules.md").read_text("utf-8")
    for code, rule in RULES.items():
        assert f"`{code}`" in rules
        assert rule.title and rule.message and rule.fix, code
    schema = (DOCS / "schema.md").read_text("utf-8")
    for f in build_schema(partnership, demo_round).fields:
        assert f"`{f.name}`" in schema


def test_every_command_has_help_with_an_example():
    def walk(cmd: click.Command, path: str) -> list[str]:
        missing = [path] if not cmd.help or "Example:" not in cmd.help else []
        if isinstance(cmd, click.Group):
            ctx = click.Context(cmd)
            for name in cmd.list_commands(ctx):
                missing += walk(cmd.get_command(ctx, name), f"{path} {name}".strip())
        return missing

    assert walk(main, "") == []
    commands = (DOCS / "commands.md").read_text("utf-8")
    readme = (DOCS.parent / "README.md").read_text("utf-8")
    for name in main.list_commands(click.Context(main)):
        assert f"## `ni179 {name}`" in commands
        assert re.search(rf"ni179 (--workspace \S+ )?{name}\b", readme), (
            f"README does not mention `ni179 {name}`"
        )


def test_config_page_explains_every_table_of_the_config():
    text = (DOCS / "config.md").read_text("utf-8")
    for key in tomllib.loads(default_config_text()):
        assert key in text, key


def test_config_page_explains_every_key_the_configuration_takes():
    """The configuration refuses any key it does not declare; the page names each one it does."""
    from xl_ni179.partnership.keys import KEYS

    text = (DOCS / "config.md").read_text("utf-8")
    for table, keys in KEYS.items():
        for key in keys:
            assert f"`{key}`" in text or f"[{key}]" in text or f"[[{key}]]" in text, (table, key)


def test_filling_in_page_names_the_programs_and_what_to_avoid():
    text = (DOCS / "filling-in.md").read_text("utf-8")
    readme = (DOCS.parent / "README.md").read_text("utf-8")
    finance = readme.split("## For finance officers", 1)[1].split("\n## ", 1)[0]
    assert "(docs/filling-in.md)" in finance, "the finance officers' section links the page"
    for program in ("Excel 2010 or later", "LibreOffice Calc", "Gnumeric"):
        assert program in text, program
    for avoid in ("`.xls`", "`.ods`", "`.xlsm`", "CSV", "Pasting over locked cells", "rename"):
        assert avoid in text, avoid
    # The page and the messages a partner gets tell them to save the same way.
    assert "Excel 2007-365 (.xlsx)" in text and "Excel 2007-365 (.xlsx)" in RULES["ods-file"].fix
    assert (
        "Excel Workbook (\\*.xlsx)" in text and "Excel Workbook (*.xlsx)" in RULES["legacy-xls"].fix
    )
    assert "## If your program drops the protection" in text
    assert "does not stop your return being accepted" in text
