"""The `ni179` group, its shared options and the helpers every command uses.

The commands live beside this module (returns, rounds, mail, addin, reference) and attach
themselves to ``main``; ``xl_ni179.cli`` imports them all."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from xl_ni179 import __version__
from xl_ni179.cli.shared import CLICK_CONTEXT
from xl_ni179.store.location import fallback_text, locate_workspace
from xl_ni179.text import visible

if TYPE_CHECKING:
    from xl_ni179.partnership import Partnership
    from xl_ni179.rules.findings import Report
    from xl_ni179.store.workspace import Workspace

T = TypeVar("T")


def workspace_path(ctx: click.Context) -> Path:
    return Path(ctx.obj["workspace"])


def open_workspace(ctx: click.Context) -> Workspace:  # imported lazily, for a fast start
    from xl_ni179.store.workspace import Workspace

    workspace = Workspace(workspace_path(ctx))
    ctx.call_on_close(workspace.close)  # when the command ends (in-process callers go on)
    return workspace


def partnership(ctx: click.Context) -> Partnership:
    """The workspace's configuration if it has one, else the built-in partnership."""
    from xl_ni179.partnership import load_workspace_partnership

    return load_workspace_partnership(workspace_path(ctx))


round_option = click.option(
    "--round",
    "round_id",
    metavar="ROUND",
    help="Collection round id (default: the round open today, else the latest "
    "round that has opened; see docs/config.md).",
)
annotate_option = click.option(
    "--annotate",
    "annotate_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write a checked copy of each return into this folder: a fresh template with the return's "
    "figures and a comment at each finding. None for a file rejected as a whole.",
)


def write_checked_copy(
    p: Partnership, report: Report, path: Path, folder: Path, quiet: bool = False
) -> None:
    """The checked copy of one return (``--annotate``), or a line saying why there is none."""
    from xl_ni179.intake.annotate import annotate

    out = annotate(p, report, folder / f"{path.stem}-checked.xlsx")
    if quiet:
        return
    if out is not None:
        echo(f"  Checked copy: {visible(str(out))}")
    else:
        echo(
            "  No checked copy: the file itself was rejected (or is not one of our templates), so "
            "nothing of it is written back; the list above says what to do."
        )


def with_progress(
    items: Iterable[T], total: int, label: str, *, quiet: bool = False
) -> Iterator[T]:
    """The items as they come, with a progress bar on stderr while stderr is a terminal
    (none for one file, with ``quiet``, or when the output goes to a file or a program)."""
    if quiet or total < 2 or not sys.stderr.isatty():
        yield from items
        return
    from tqdm import tqdm

    with tqdm(
        items,
        total=total,
        desc=label,
        unit="file",
        file=sys.stderr,
        leave=False,
        dynamic_ncols=True,
    ) as bar:
        yield from bar


def echo(text: str) -> None:
    """``click.echo``, taking any progress bar off the screen while the text is written.
    Text that may hold a partner's (a report, a file name) is made visible first, piece by
    piece, with ``xl_ni179.text.visible``: this prints it as given."""
    if "tqdm" not in sys.modules:
        click.echo(text)
        return
    from tqdm import tqdm

    with tqdm.external_write_mode():
        click.echo(text)


@click.group(context_settings=CLICK_CONTEXT)
@click.option(
    "--workspace",
    type=click.Path(file_okay=False, path_type=Path),
    help="Workspace folder holding the configuration and the returns store. Default: "
    f"{fallback_text('in the current folder', addin=False)} (docs/store.md).",
)
@click.version_option(__version__, prog_name="ni179")
@click.pass_context
def main(ctx: click.Context, workspace: Path | None) -> None:
    """NI 179 value-for-money savings collection: partner return workbooks, validation on
    receipt, and consolidation for the treasurers' group.

    Example: ni179 demo --out demo-output
    """
    ctx.ensure_object(dict)
    located = locate_workspace(
        chosen=workspace
    )  # the same answer as the ribbon's (xl_ni179.store.location)
    ctx.obj["workspace"], ctx.obj["workspace_origin"] = located.path, located.origin
    from xl_ni179.store.activity import set_activity

    set_activity(f"ni179 {ctx.invoked_subcommand or ''}")  # named to whoever waits for the store
