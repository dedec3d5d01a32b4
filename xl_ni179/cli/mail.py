"""`ni179 intake` and `ni179 chase`: thin adapters over xl_ni179.mail.

``xl_ni179.cli`` attaches them to ``ni179``; ``mail_main`` is the same two commands on their own
(``python -m xl_ni179.mail``). They read the workspace folder from ``ctx.obj["workspace"]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xl_ni179 import environment
from xl_ni179.cli.shared import CLICK_CONTEXT, friendly_errors
from xl_ni179.text import visible

if TYPE_CHECKING:
    from xl_ni179.store.workspace import Workspace

SMTP_HELP = (
    "Mail server for replies, e.g. smtps://smtp.example.org:465 or smtp://127.0.0.1:2525 "
    "(default: $NI179_SMTP_URL). Login from the URL or NI179_SMTP_USER/NI179_SMTP_PASSWORD."
)


def _workspace(ctx: click.Context) -> Workspace:  # imported lazily, for a fast start
    from xl_ni179.store import mail_ledger  # noqa: F401 - the ledger table, with the store
    from xl_ni179.store.workspace import Workspace

    workspace = Workspace(Path(ctx.obj["workspace"]))
    ctx.call_on_close(workspace.close)  # when the command ends (in-process callers go on)
    return workspace


def _config_changed(workspace: Workspace) -> bool:
    """The workspace's configuration now says something else (a broken edit is kept waiting)."""
    from xl_ni179.errors import ConfigError
    from xl_ni179.partnership import load_workspace_partnership

    try:
        return load_workspace_partnership(workspace.path).content_key != workspace.config_sha
    except ConfigError as exc:
        click.echo(f"Error: {exc} (still using the configuration as it was)", err=True)
        return False


def _smtp_url(smtp: str | None) -> str:
    url = smtp or environment.get(environment.SMTP_URL)
    if not url:
        raise click.UsageError(
            "Give the mail server for sending with --smtp URL (or set NI179_SMTP_URL)."
        )
    return url


@click.command(context_settings=CLICK_CONTEXT)
@click.option(
    "--imap",
    metavar="URL",
    help="IMAP mailbox, e.g. imaps://returns@mail.example.org/INBOX. "
    "Password from NI179_IMAP_PASSWORD, or NI179_IMAP_OAUTH_TOKEN for OAuth2.",
)
@click.option(
    "--maildir", type=click.Path(file_okay=False, path_type=Path), help="Maildir folder instead."
)
@click.option("--smtp", metavar="URL", help=SMTP_HELP)
@click.option("--once", is_flag=True, help="Process the inbox once and stop (the default).")
@click.option(
    "--interval",
    type=click.FloatRange(min=5),
    metavar="SECONDS",
    help="Keep running, checking the inbox every SECONDS.",
)
@click.option(
    "--max-mb",
    type=click.FloatRange(min=1),
    default=9.5,
    show_default=True,
    help="Refuse (and answer) messages larger than this without downloading them.",
)
@click.option(
    "--authserv-id",
    metavar="NAME",
    envvar=environment.AUTHSERV_ID,
    help="Required: the name your receiving mail server writes first in its "
    "Authentication-Results header, e.g. mx.county.example.org (default: $NI179_AUTHSERV_ID). "
    "Only that server's DMARC result is believed.",
)
@click.option(
    "--received-by",
    metavar="NAME",
    envvar=environment.RECEIVED_BY,
    help="The name after 'by' in the Received header your receiving server adds (default: the "
    "authserv-id). Headers above that header are the server's; the rest came with the message.",
)
@click.pass_context
@friendly_errors
def intake(
    ctx: click.Context,
    imap: str | None,
    maildir: Path | None,
    smtp: str | None,
    once: bool,
    interval: float | None,
    max_mb: float,
    authserv_id: str | None,
    received_by: str | None,
) -> None:
    """Validate, file and answer the returns in the intake mailbox.

    Each message is stored once, answered once (Cc the consolidator) and moved to
    Processed, Rejected or Quarantine; automatic mail is never answered.

    Exit status 3 when messages were quarantined because the receiving mail server is set up
    wrongly (every return would be): see docs/mail-intake.md.

    Example: ni179 intake --imap imaps://returns@mail.example.org/INBOX --smtp smtps://mail.example.org --once
    """
    from xl_ni179.mail.intake import process
    from xl_ni179.mail.sources import MailSourceError, open_source
    from xl_ni179.mail.trust import require_trust

    if once and interval:
        raise click.UsageError("Give --once or --interval, not both.")
    if not imap and not maildir:
        raise click.UsageError("Give the mailbox: --imap URL or --maildir DIR.")
    url = _smtp_url(smtp)
    trust = require_trust(authserv_id, received_by)  # before anything is opened: a clear error
    workspace = _workspace(ctx)
    while True:
        if interval and _config_changed(workspace):
            # A sender added, a date moved: held messages are checked against it. The old
            # store's connections are closed now, not left open for the life of the service.
            old, workspace = workspace, _workspace(ctx)
            old.close()
        try:
            source = open_source(imap=imap, maildir=maildir)
            try:
                result = process(
                    workspace,
                    source,
                    url,
                    authserv_id=trust.authserv_id,
                    received_by=trust.received_by,
                    max_bytes=int(max_mb * 1024 * 1024),
                )
            finally:
                source.close()
        except MailSourceError as exc:
            if not interval:
                raise
            click.echo(f"Error: {visible(str(exc))} (trying again in {interval:g} s)", err=True)
        else:
            done = (
                ", ".join(f"{n} {k}" for k, n in sorted(result.outcomes.items())) or "nothing new"
            )
            click.echo(f"Intake: {done}.")
            for error in result.errors:
                click.echo(f"Left in the inbox for the next run: {visible(error)}", err=True)
            for reason in sorted(set(result.misconfigured)):
                count = result.misconfigured.count(reason)
                click.echo(
                    f"MAIL SERVER MISCONFIGURED: {count} message(s) quarantined because {visible(reason)}. "
                    "Every return will be quarantined until the mail server is fixed "
                    "(docs/mail-intake.md, 'What your mail server must do').",
                    err=True,
                )
            if result.misconfigured and not interval:
                sys.exit(3)
            if result.errors and not interval:
                sys.exit(1)
        if not interval:
            return
        time.sleep(interval)


@click.command(context_settings=CLICK_CONTEXT)
@click.option(
    "--round", "round_id", metavar="ROUND", help="Collection round id (default: the latest)."
)
@click.option("--send", is_flag=True, help="Send the chasers now instead of writing drafts.")
@click.option("--smtp", metavar="URL", help=SMTP_HELP)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the .eml drafts (default: <workspace>/chasers/<round>).",
)
@click.pass_context
@friendly_errors
def chase(
    ctx: click.Context, round_id: str | None, send: bool, smtp: str | None, out_dir: Path | None
) -> None:
    """Remind each partner whose return is missing or rejected, with the deadline and their
    blank template (or their checked workbook) attached.

    Without --send, writes .eml drafts to check and send from your mail program.

    Example: ni179 chase --round 2008-09-review --send --smtp smtps://mail.example.org
    """
    from xl_ni179.mail.chasers import draft_chasers, send_chasers

    workspace = _workspace(ctx)
    if send:
        codes = send_chasers(workspace, round_id, _smtp_url(smtp))
        click.echo(f"Sent {len(codes)} chaser(s): {', '.join(codes) or 'nobody to chase'}.")
        return
    paths = draft_chasers(workspace, round_id, out_dir)
    click.echo(f"Wrote {len(paths)} chaser draft(s) to check and send:")
    for path in paths:
        click.echo(f"  {path}")


@click.group(context_settings=CLICK_CONTEXT)
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Workspace folder holding the configuration and the returns store.",
)
@click.pass_context
def mail_main(ctx: click.Context, workspace: Path) -> None:
    """NI 179 mail intake and chasers."""
    ctx.ensure_object(dict)
    ctx.obj["workspace"] = workspace
    from xl_ni179.store.activity import set_activity

    set_activity(f"ni179 {ctx.invoked_subcommand or ''}")


mail_main.add_command(intake)
mail_main.add_command(chase)
