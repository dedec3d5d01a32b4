"""The `ni179` command: a thin adapter that parses options, calls the library and turns
the library's named errors into one-line messages (exit 2 when a command cannot run)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xl_ni179 import __version__
from xl_ni179.errors import CLICK_CONTEXT, friendly_errors

if TYPE_CHECKING:
    from xl_ni179.config import Partnership
    from xl_ni179.findings import Report

CONFIG_NAME = "config.toml"


def workspace_path(ctx: click.Context) -> Path:
    return Path(ctx.obj["workspace"])


def partnership(ctx: click.Context):  # noqa: ANN201 - Partnership, imported lazily
    """The workspace's configuration if it has one, else the built-in partnership."""
    from xl_ni179.config import load_partnership

    config = workspace_path(ctx) / CONFIG_NAME
    return load_partnership(config if config.exists() else None)


round_option = click.option("--round", "round_id", metavar="ROUND",
                            help="Collection round id (default: the round open today, else the latest "
                                 "round that has opened; see docs/config.md).")
annotate_option = click.option(
    "--annotate", "annotate_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Write a checked copy of each return into this folder: a fresh template with the return's "
         "figures and a comment at each finding. None for a file rejected as a whole.")


def write_checked_copy(p: Partnership, report: Report, path: Path, folder: Path, quiet: bool = False) -> None:
    """The checked copy of one return (``--annotate``), or a line saying why there is none."""
    from xl_ni179.annotate import annotate

    out = annotate(p, report, folder / f"{path.stem}-checked.xlsx")
    if quiet:
        return
    if out is not None:
        click.echo(f"  Checked copy: {out}")
    else:
        click.echo("  No checked copy: the file itself was rejected (or is not one of our templates), so "
                   "nothing of it is written back; the list above says what to do.")


@click.group(context_settings=CLICK_CONTEXT)
@click.option("--workspace", type=click.Path(file_okay=False, path_type=Path),
              default=lambda: os.environ.get("NI179_WORKSPACE", "ni179-workspace"),
              show_default="./ni179-workspace or $NI179_WORKSPACE",
              help="Workspace folder holding the configuration and the returns store.")
@click.version_option(__version__, prog_name="ni179")
@click.pass_context
def main(ctx: click.Context, workspace: Path) -> None:
    """NI 179 value-for-money savings collection: partner return workbooks, validation on
    receipt, and consolidation for the treasurers' group.

    Example: ni179 demo --out demo-output
    """
    ctx.ensure_object(dict)
    ctx.obj["workspace"] = workspace


@main.group()
def config() -> None:
    """Check or print the partnership configuration.

    Example: ni179 config check my-partnership.toml
    """


@config.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@friendly_errors
def config_check(ctx: click.Context, file: Path | None) -> None:
    """Load a configuration file and report the first problem with its key.

    Without FILE, checks the workspace's configuration (or the built-in one).

    Example: ni179 config check partnership.toml
    """
    from xl_ni179.config import load_partnership

    p = load_partnership(file) if file else partnership(ctx)
    click.echo(f"{p.source}: OK: {len(p.organisations)} organisations, {len(p.agreements)} agreements, "
               f"{len(p.rounds)} round(s), {len(p.projects)} projects.")


@config.command("show")
def config_show() -> None:
    """Print the built-in Leicestershire configuration, to copy and edit.

    Example: ni179 config show > partnership.toml
    """
    from xl_ni179.config import default_config_text

    click.echo(default_config_text(), nl=False)


@main.command()
@round_option
@click.option("--json", "as_json", is_flag=True, help="Print the fields as a JSON list.")
@click.pass_context
@friendly_errors
def schema(ctx: click.Context, round_id: str | None, as_json: bool) -> None:
    """Print every input of the return: defined name, label, sheet, cell, type, required.

    Example: ni179 schema --json > fields.json
    """
    from xl_ni179.schema import build_schema

    p = partnership(ctx)
    s = build_schema(p, p.round(round_id))
    if as_json:
        click.echo(json.dumps([f.to_dict() for f in s.fields], indent=2))
        return
    for f in s.fields:
        need = "required" if f.required else "optional"
        click.echo(f"{f.name:<40} {f.sheet}!{f.cell:<5} {f.type:<7} {need:<8} {f.label}")


@main.command()
@round_option
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the workbooks into.")
@click.option("--org", "orgs", multiple=True, metavar="CODE", help="Only this organisation (repeatable).")
@click.pass_context
@friendly_errors
def templates(ctx: click.Context, round_id: str | None, out_dir: Path, orgs: tuple[str, ...]) -> None:
    """Write one return workbook per partner, named NI179_<CODE>_<ROUND>.xlsx.

    In a workspace, each organisation's inputs for years that were actual in its latest
    accepted return of an earlier round are filled in with those figures, marked "as
    reported in" that round; an organisation with no earlier return gets blank inputs.

    Example: ni179 templates --round 2009-10-outturn --out templates/
    """
    p = partnership(ctx)
    unknown = [o for o in orgs if p.find_organisation(o) is None]
    if unknown:
        raise click.BadParameter(f"unknown organisation code(s): {', '.join(unknown)}", param_hint="--org")
    rnd = p.round(round_id)
    if (workspace_path(ctx) / CONFIG_NAME).exists():
        from xl_ni179.round import issue_templates
        from xl_ni179.workspace import Workspace

        paths, prefills = issue_templates(Workspace(workspace_path(ctx)), rnd.id, out_dir, list(orgs) or None)
    else:
        from xl_ni179.template import write_templates

        paths, prefills = write_templates(p, rnd, out_dir, list(orgs) or None), {}
    for path in paths:
        code = path.stem.removeprefix("NI179_").removesuffix(f"_{rnd.id}")
        mark = f" (prefilled as reported in {prefills[code].round_title})" if code in prefills else ""
        click.echo(f"{path}{mark}")
    click.echo(f"Wrote {len(paths)} workbook(s) to {out_dir}; {len(prefills)} prefilled from earlier returns.")


@main.command()
@click.argument("template", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the filled workbook.")
@click.pass_context
@friendly_errors
def fill(ctx: click.Context, template: Path, data: Path, out: Path) -> None:
    """Fill a template's inputs from a JSON object of {defined name: value}.

    Numbers stay numbers, text is always stored as text (never a formula), null clears.

    Example: ni179 fill NI179_LCC_2008-09-review.xlsx figures.json -o LCC-return.xlsx
    """
    from xl_ni179.fill import fill_workbook, load_data

    fill_workbook(partnership(ctx), template, load_data(data), out)
    click.echo(f"Wrote {out}")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one entry per file.")
@click.option("--sender", metavar="EMAIL", help="Check the return's organisation against this sender.")
@click.option("--previous", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The organisation's previous accepted return, for the cross-return rules (and to "
                   "check a return prefilled from it holds its figures as reported).")
@annotate_option
@round_option
@click.pass_context
@friendly_errors
def validate(ctx: click.Context, files: tuple[Path, ...], as_json: bool, sender: str | None,
             previous: Path | None, annotate_dir: Path | None, round_id: str | None) -> None:
    """Validate returned workbooks. Exit 0 if all are acceptable, 1 if any is rejected.

    Example: ni179 validate --annotate checked/ returns/*.xlsx
    """
    from xl_ni179 import render
    from xl_ni179.validate import validate_file

    p = partnership(ctx)
    if round_id:
        p.round(round_id)
    prior = validate_file(p, previous) if previous else None
    reports = []
    for path in files:
        report = validate_file(p, path, sender=sender, round_id=round_id, previous=prior)
        reports.append(report)
        if not as_json:
            org = p.find_organisation(report.organisation or "")
            click.echo(render.to_text(report, org.name if org else None))
        if annotate_dir:
            write_checked_copy(p, report, path, annotate_dir, quiet=as_json)
    if as_json:
        click.echo(render.to_json(reports))
    sys.exit(0 if all(r.valid for r in reports) else 1)


def register_commands() -> None:
    """Attach the command groups that live in their own packages."""
    from xl_ni179.addin.cli_commands import addin
    from xl_ni179.mail.cli_commands import chase, intake

    for command in (addin, intake, chase):
        main.add_command(command)


register_commands()

# Round commands register themselves on `main` when imported.
from xl_ni179 import cli_round  # noqa: E402,F401


@main.command()
@click.option("--out", "out_dir", default="docs", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write the reference pages into.")
@click.pass_context
@friendly_errors
def docs(ctx: click.Context, out_dir: Path) -> None:
    """Regenerate the reference pages (rules, schema, commands) from the code.

    Example: ni179 docs --out docs
    """
    from xl_ni179.docs import write_docs

    for path in write_docs(partnership(ctx), out_dir):
        click.echo(f"Wrote {path}")
