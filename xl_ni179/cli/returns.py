"""`ni179` commands on the return itself: config, schema, templates, fill, validate."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from xl_ni179.cli.main import (
    annotate_option,
    echo,
    main,
    partnership,
    round_option,
    with_progress,
    workspace_path,
    write_checked_copy,
)
from xl_ni179.cli.shared import friendly_errors
from xl_ni179.rules.findings import place


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
    """Check a configuration file and list every problem in it, each with its line and key
    (unknown or misspelt keys among them). Exit 2 if there is any.

    Then warn of what the file allows but will go wrong (an email address listed by two
    organisations, whose returns count for neither); a warning alone leaves the exit status 0.

    Without FILE, checks the workspace's configuration (or the built-in one).

    Example: ni179 config check partnership.toml
    """
    from xl_ni179.partnership import load_partnership

    p = load_partnership(file) if file else partnership(ctx)
    click.echo(
        f"{p.source}: OK: {len(p.organisations)} organisations, {len(p.agreements)} agreements, "
        f"{len(p.rounds)} round(s), {len(p.projects)} projects."
    )
    for warning in p.warnings():
        click.echo(f"Warning: {warning}")


@config.command("show")
def config_show() -> None:
    """Print the built-in Leicestershire configuration, to copy and edit.

    Example: ni179 config show > partnership.toml
    """
    from xl_ni179.partnership import default_config_text

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
    from xl_ni179.spec.schema import build_schema

    p = partnership(ctx)
    s = build_schema(p, p.round(round_id))
    if as_json:
        click.echo(json.dumps([f.to_dict() for f in s.fields], indent=2))
        return
    for f in s.fields:
        need = "required" if f.required else "optional"
        click.echo(f"{f.name:<40} {place(f.sheet, f.cell):<26} {f.type:<7} {need:<8} {f.label}")


@main.command()
@round_option
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the workbooks into.",
)
@click.option(
    "--org", "orgs", multiple=True, metavar="CODE", help="Only this organisation (repeatable)."
)
@click.pass_context
@friendly_errors
def templates(
    ctx: click.Context, round_id: str | None, out_dir: Path, orgs: tuple[str, ...]
) -> None:
    """Write one return workbook per partner, named NI179_<CODE>_<ROUND>.xlsx.

    In a workspace, each organisation's inputs for years that were actual in its latest
    accepted return of an earlier round are filled in with those figures, marked "as
    reported in" that round; an organisation with no earlier return gets blank inputs.

    Example: ni179 templates --round 2009-10-outturn --out templates/
    """
    p = partnership(ctx)
    unknown = [o for o in orgs if p.find_organisation(o) is None]
    if unknown:
        raise click.BadParameter(
            f"unknown organisation code(s): {', '.join(unknown)}", param_hint="--org"
        )
    rnd = p.round(round_id)
    from xl_ni179.partnership import workspace_config

    if workspace_config(workspace_path(ctx)) is not None:
        from xl_ni179.store.issue import issue_templates
        from xl_ni179.store.workspace import Workspace

        with Workspace(workspace_path(ctx)) as workspace:
            paths, prefills = issue_templates(workspace, rnd.id, out_dir, list(orgs) or None)
    else:
        from xl_ni179.template import write_templates

        paths, prefills = write_templates(p, rnd, out_dir, list(orgs) or None), {}
    for path in paths:
        code = path.stem.removeprefix("NI179_").removesuffix(f"_{rnd.id}")
        mark = (
            f" (prefilled as reported in {prefills[code].round_title})" if code in prefills else ""
        )
        click.echo(f"{path}{mark}")
    click.echo(
        f"Wrote {len(paths)} workbook(s) to {out_dir}; {len(prefills)} prefilled from earlier returns."
    )


@main.command()
@click.argument("template", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("data", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the filled workbook.",
)
@click.pass_context
@friendly_errors
def fill(ctx: click.Context, template: Path, data: Path, out: Path) -> None:
    """Fill a template's inputs from a JSON object of {defined name: value}.

    Numbers stay numbers, text is always stored as text (never a formula), null clears.

    Example: ni179 fill NI179_LCC_2008-09-review.xlsx figures.json -o LCC-return.xlsx
    """
    from xl_ni179.template.fill import fill_workbook, load_data

    fill_workbook(partnership(ctx), template, load_data(data), out)
    click.echo(f"Wrote {out}")


@main.command()
# Folders and other special entries are let through here and refused one by one (the rest of
# the batch goes on): see the not-a-regular-file rule.
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one entry per file.")
@click.option(
    "--sender", metavar="EMAIL", help="Check the return's organisation against this sender."
)
@click.option(
    "--previous",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The organisation's previous accepted return, for the cross-return rules (and to "
    "check a return prefilled from it holds its figures as reported).",
)
@annotate_option
@round_option
@click.pass_context
@friendly_errors
def validate(
    ctx: click.Context,
    files: tuple[Path, ...],
    as_json: bool,
    sender: str | None,
    previous: Path | None,
    annotate_dir: Path | None,
    round_id: str | None,
) -> None:
    """Validate returned workbooks. Exit 0 if all are acceptable, 1 if any is rejected.

    Example: ni179 validate --annotate checked/ returns/*.xlsx
    """
    from xl_ni179.intake.pool import shared_pool

    if files:
        shared_pool().start_server()  # its imports overlap ours and the store's
    from xl_ni179.intake import render
    from xl_ni179.intake.batch import validate_file, validate_files
    from xl_ni179.store.issued import issued_at

    p = partnership(ctx)
    if round_id:
        p.round(round_id)
    prior = validate_file(p, previous) if previous else None
    reports = []  # kept only for --json: a thousand reports need not stay in memory to be printed
    valid = True
    checked = validate_files(
        p,
        files,
        sender=sender,
        round_id=round_id,
        previous=prior,
        issued=issued_at(workspace_path(ctx), p),
    )
    for path, report in zip(
        files, with_progress(checked, len(files), "Validating", quiet=as_json), strict=True
    ):
        valid &= report.valid
        if as_json:
            reports.append(report)
        else:
            org = p.find_organisation(report.organisation or "")
            echo(render.to_text(report, org.name if org else None))
        if annotate_dir:
            write_checked_copy(p, report, path, annotate_dir, quiet=as_json)
    if as_json:
        click.echo(render.to_json(reports, {o.code: o.name for o in p.organisations}))
    sys.exit(0 if valid else 1)
