"""`python -m xl_ni179.mail --workspace DIR intake|chase ...`: the mail commands on their own,
usable before (or without) their registration on the main `ni179` command."""

from pathlib import Path

import click

from xl_ni179.errors import CLICK_CONTEXT
from xl_ni179.mail.cli_commands import chase, intake


@click.group(context_settings=CLICK_CONTEXT)
@click.option("--workspace", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Workspace folder holding the configuration and the returns store.")
@click.pass_context
def mail_main(ctx: click.Context, workspace: Path) -> None:
    """NI 179 mail intake and chasers."""
    ctx.ensure_object(dict)
    ctx.obj["workspace"] = workspace


mail_main.add_command(intake)
mail_main.add_command(chase)

if __name__ == "__main__":
    mail_main()
