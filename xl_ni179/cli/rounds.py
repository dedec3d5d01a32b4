"""`ni179` commands for running a round: init, receive, status, consolidate, report, demo."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from xl_ni179.cli.main import (
    annotate_option,
    echo,
    main,
    open_workspace,
    partnership,
    round_option,
    with_progress,
    workspace_path,
    write_checked_copy,
)
from xl_ni179.cli.shared import friendly_errors
from xl_ni179.store.location import Origin
from xl_ni179.store.outcomes import Outcome, State
from xl_ni179.text import visible


@main.command()
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Partnership configuration to use (default: the built-in Leicestershire one).",
)
@click.pass_context
@friendly_errors
def init(ctx: click.Context, config_file: Path | None) -> None:
    """Create a workspace: the configuration and an empty returns store.

    Example: ni179 --workspace round-2009 init --config partnership.toml
    """
    from xl_ni179.store.workspace import Workspace

    workspace = Workspace.init(workspace_path(ctx), config_file)
    ctx.call_on_close(workspace.close)
    click.echo(
        f"Workspace ready at {workspace.path} ({len(workspace.partnership.organisations)} organisations)."
    )


@main.command()
# Folders and other special entries are let through here and refused one by one (the rest of
# the batch goes on): see the not-a-regular-file rule.
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--sender", metavar="EMAIL", help="Who sent the return (checked against the partner's emails)."
)
@round_option
@annotate_option
@click.pass_context
@friendly_errors
def receive(
    ctx: click.Context,
    files: tuple[Path, ...],
    sender: str | None,
    round_id: str | None,
    annotate_dir: Path | None,
) -> None:
    """Validate and record returned workbooks. Exit 1 if any was rejected.

    Example: ni179 receive NI179_MELTON_2008-09-review.xlsx --sender finance@melton.example.org
    """
    from xl_ni179.intake import render

    workspace = open_workspace(ctx)
    rejected = False
    receipts = workspace.receive_many(files, sender=sender, round_id=round_id)
    for path, receipt in zip(files, with_progress(receipts, len(files), "Receiving"), strict=True):
        shown = visible(str(path))  # a file name is anyone's text
        if receipt.outcome == Outcome.REFUSED:  # not an ordinary file: never read, nothing recorded
            echo(render.to_text(receipt.report, "not received"))
            rejected = True
            continue
        org = workspace.partnership.find_organisation(receipt.org_code or "")
        name = org.name if org else "unknown organisation"
        if receipt.outcome == Outcome.DUPLICATE and receipt.report.valid:
            echo(
                f"{shown}: {name}: identical to a file already received (version {receipt.version}); "
                "recorded as a duplicate."
            )
            continue
        if (
            receipt.outcome == Outcome.DUPLICATE
        ):  # the same file, sender and round: the same verdict again
            echo(
                f"{shown}: {name}: identical to a file already received from {visible(sender or 'the same place')} "
                "and rejected; it still needs correcting. Recorded as a duplicate."
            )
            echo(render.to_text(receipt.report, name))
            rejected = True
            continue
        extra = (
            f" (version {receipt.version}"
            + (f", replaces version {receipt.supersedes})" if receipt.supersedes else ")")
            if receipt.version
            else ""
        )
        if receipt.late and receipt.outcome == Outcome.ACCEPTED:
            deadline = workspace.partnership.round(receipt.round_id).deadline
            extra += f"; late: the deadline was {deadline:%d %B %Y}"
        echo(render.to_text(receipt.report, name) + extra)
        if annotate_dir:
            write_checked_copy(workspace.partnership, receipt.report, path, annotate_dir)
        rejected |= receipt.outcome == Outcome.REJECTED
    sys.exit(1 if rejected else 0)


@main.command()
@round_option
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
@friendly_errors
def status(ctx: click.Context, round_id: str | None, as_json: bool) -> None:
    """Who has returned, who must fix something, who is missing or late, and whether the
    round is open, past its deadline or closed.

    Example: ni179 status --round 2008-09-review
    """
    from xl_ni179.store.quarantine import misconfiguration, quarantined_mail
    from xl_ni179.store.status import round_state

    workspace = open_workspace(ctx)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    rnd = workspace.partnership.round(round_id, on=now.date())
    rows = workspace.status(rnd.id, now=now)
    state = round_state(rnd, rows, now)
    missing = [r.short_name for r in rows if r.state == State.MISSING]
    held = quarantined_mail(workspace)
    broken = misconfiguration(workspace, held)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "round": rnd.id,
                    "deadline": rnd.deadline.isoformat(),
                    "opens": rnd.opens.isoformat() if rnd.opens else None,
                    "closes": rnd.closes.isoformat() if rnd.closes else None,
                    "state": state.to_dict(),
                    "organisations": [r.to_dict() for r in rows],
                    "missing": missing,
                    "mail_server_misconfigured": broken.to_dict() if broken else None,
                    "quarantined_mail": [q.to_dict() for q in held[:QUARANTINE_SHOWN]],
                    "quarantined_total": len(held),
                },
                indent=2,
            )
        )
        return
    if broken:
        click.echo(
            f"MAIL SERVER MISCONFIGURED: the intake quarantined mail on {broken.received_at:%Y-%m-%d %H:%M} "
            f"because {broken.reason}. Every return is quarantined until the mail server is fixed "
            "(docs/mail-intake.md); then move the quarantined messages back to the inbox."
        )
    click.echo(f"{rnd.title} ({rnd.id}), deadline {rnd.deadline:%d %B %Y}")
    click.echo(f"Round {state.text}.")
    for r in rows:
        when = f"v{r.version} {r.received_at:%Y-%m-%d %H:%M}" if r.received_at else ""
        chased = f"chased {r.last_chased:%Y-%m-%d}" if r.last_chased else ""
        notes = f"{len(r.warnings)} warning(s) to explain" if r.warnings else ""
        notes = f"{r.errors} error(s)" if r.state == State.REJECTED else notes
        click.echo(visible(f"  {r.name:<52} {r.label:<28} {when:<20} {notes} {chased}".rstrip()))
    if missing:
        click.echo("Returns were not received from: " + _names(missing) + ".")
    if held:
        click.echo(
            f"Mail in Quarantine, not answered ({len(held)}): check each with the sender before filing it."
        )
        for q in held[:QUARANTINE_SHOWN]:
            click.echo(
                f"  {q.received_at:%Y-%m-%d %H:%M}  From: {q.sender}  [{q.label}] {q.reason}"
            )
        if len(held) > QUARANTINE_SHOWN:
            click.echo(
                f"  ... and {len(held) - QUARANTINE_SHOWN} earlier (see the Quarantine folder)."
            )


QUARANTINE_SHOWN = 20  # the latest quarantined messages listed by `ni179 status`


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@main.command()
@round_option
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the master workbook (.xlsx).",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the summary as JSON here.",
)
@click.pass_context
@friendly_errors
def consolidate(ctx: click.Context, round_id: str | None, out: Path, json_out: Path | None) -> None:
    """Build the master workbook from the accepted returns in the store.

    Example: ni179 consolidate --out master.xlsx --json summary.json
    """
    from xl_ni179.consolidate.run import collector_paused, consolidate_round

    # A short command: what it imports and builds is kept to the end, so the collector
    # would only scan it (the store's and the writers' imports included).
    with collector_paused():
        summary = consolidate_round(open_workspace(ctx), round_id, out, json_out)
    click.echo(
        f"Wrote {out}: {len(summary.received)} return(s) received, {len(summary.missing)} missing."
    )
    if json_out:
        click.echo(f"Wrote {json_out}")


@main.command()
@round_option
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the paper (Word and HTML).",
)
@click.pass_context
@friendly_errors
def report(ctx: click.Context, round_id: str | None, out_dir: Path) -> None:
    """Draft the progress paper for the treasurers' group, as Word and HTML.

    Example: ni179 report --out paper/
    """
    from xl_ni179.paper.draft import draft_paper

    for path in draft_paper(open_workspace(ctx), round_id, out_dir):
        click.echo(f"Wrote {path}")


@main.command()
@click.option(
    "--out",
    "out_dir",
    default="demo-output",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for everything the demo writes.",
)
@click.option(
    "--round",
    "round_id",
    type=click.Choice(["2008-09-review", "2009-10-outturn"]),
    default="2008-09-review",
    show_default=True,
    help="Which round to demonstrate. 2009-10-outturn first receives the 2008/09 review's returns.",
)
@click.pass_context
@friendly_errors
def demo(ctx: click.Context, out_dir: Path, round_id: str) -> None:
    """Run the whole cycle on a built-in scenario in a fresh workspace.

    The 2008/09 review (the default) writes the 13 templates and the seven returns the review
    received, receives them, and writes the master workbook, summary.json and the progress
    paper, as at 20 May 2009. The 2009/10 outturn then runs the second round on illustrative
    returns: ten partners return, three after the deadline, and Melton restates a 2008/09
    figure; its outputs are as at 28 May 2010. The demo always uses these dates, never today's.

    The workspace is OUT/workspace unless --workspace or NI179_WORKSPACE names one. The demo
    deletes and rewrites its folders, so it only runs in new (or empty) folders, or ones an
    earlier demo made (they hold NI179-DEMO-FOLDER.txt); it refuses any other folder, a real
    workspace included.

    Example: ni179 demo --round 2009-10-outturn --out demo-2010
    """
    from xl_ni179.demo.data import AS_OF
    from xl_ni179.demo.run import run_demo

    workspace = workspace_path(ctx)
    if ctx.obj.get("workspace_origin") not in (Origin.CHOSEN, Origin.ENVIRONMENT):
        workspace = out_dir / "workspace"  # never the real workspace the user's own settings name

    def progress(step: str, items: list[Any], fn: Callable[[Any], object]) -> None:
        with click.progressbar(items, label=step, show_pos=True) as bar:
            for item in bar:
                fn(item)

    for line in run_demo(
        workspace, out_dir, progress=progress, now=AS_OF[round_id], round_id=round_id
    ):
        click.echo(line)


@main.command()
@click.option(
    "--out",
    default="NI179_master.xlsx",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the master workbook.",
)
@click.pass_context
@friendly_errors
def masterbook(ctx: click.Context, out: Path) -> None:
    """Write a fresh copy of the consolidator's master workbook (input sheets prefilled).

    Open it in Excel with the NI 179 add-in; its Settings sheet names the workspace.

    Example: ni179 masterbook --out NI179_master.xlsx
    """
    from xl_ni179.excel.master_book import write_master_book

    write_master_book(out, partnership(ctx))
    click.echo(f"Wrote {out}")
