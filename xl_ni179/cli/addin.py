"""``ni179 addin build`` and ``ni179 addin install``.

The lead attaches the group to the main CLI (``main.add_command(addin)``); the main CLI
may put ``{"workspace": Path}`` in ``ctx.obj``, which becomes the add-in's default
workspace. Errors are one-line ``click`` messages, never tracebacks.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from click.core import ParameterSource

import xl_ni179
from xl_ni179.cli.shared import CLICK_CONTEXT
from xl_ni179.excel.addin.sources import ADDIN_FILENAME, AddinBuildError

_HAS_EXCEL = ("win32", "darwin")  # xlwings drives Excel only on Windows and macOS


def default_interpreter() -> str:
    """The Python running this command: it has xl_ni179 installed, so Excel should use it."""
    return sys.executable


def _workspace_from(ctx: click.Context) -> str | None:
    """The workspace to bake in: the main CLI's ``--workspace`` when the user gave one.

    The main CLI's own default (``./ni179-workspace`` or ``$NI179_WORKSPACE``) is left out:
    the ribbon falls back to the same variable and to a folder beside the workbook itself,
    which suits Excel better than the folder the build happened to run in.
    """
    obj = ctx.obj if isinstance(ctx.obj, dict) else {}
    folder = obj.get("workspace")
    if ctx.find_root().get_parameter_source("workspace") is ParameterSource.DEFAULT:
        return None
    # Excel starts Python in another folder, so a relative path would point elsewhere.
    return str(Path(folder).expanduser().resolve()) if folder else None


def build_command(out: Path, interpreter: str | None, workspace: str | None) -> Path:
    """Build the add-in; returns the path written (raises ClickException on failure)."""
    from xl_ni179.excel.addin.build import build_addin

    try:
        return build_addin(out, interpreter=interpreter, workspace=workspace)
    except AddinBuildError as exc:
        raise click.ClickException(str(exc)) from None


def install_command(file: Path) -> None:
    """Install ``file`` into Excel with ``xlwings addin install --file``."""
    if sys.platform not in _HAS_EXCEL:
        raise click.ClickException(
            f"ni179 addin install needs Excel (Windows or macOS) and this computer runs "
            f"{sys.platform}: run `ni179 addin build` and `ni179 addin install` on the "
            "computer with Excel (see docs/addin-install.md)."
        )
    if not file.is_file():
        raise click.ClickException(f"{file} does not exist: run `ni179 addin build` first.")
    from xl_ni179.excel.addin.build import read_addin

    try:
        built = read_addin(file).version
    except AddinBuildError as exc:
        raise click.ClickException(str(exc)) from None
    if built != xl_ni179.__version__:
        raise click.ClickException(
            f"{file.name} was built for xl_ni179 {built}, but {xl_ni179.__version__} is "
            "installed: run `ni179 addin build` again, then install."
        )
    cmd = [sys.executable, "-m", "xlwings.cli", "addin", "install", "--file", str(file.resolve())]
    result = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    output = (result.stdout + result.stderr).strip()
    # xlwings reports most failures as printed text with exit code 0: look for its success.
    if result.returncode != 0 or "Successfully installed" not in output:
        last = output.splitlines()[-1] if output else f"exit code {result.returncode}"
        raise click.ClickException(
            f"xlwings could not install the add-in (is Excel installed? If Excel is open, "
            f"close it and try again): {last}"
        )
    # xlwings' own message says "the xlwings add-in", which would confuse; say ours.
    click.echo(f"Installed {file.name}: Excel loads it on every start, with the NI 179 tab.")
    if "restart Excel" in output:
        click.echo("Quit Excel and start it again to see the tab.")


@click.group("addin", context_settings=CLICK_CONTEXT)
def addin() -> None:
    """Build and install the NI 179 Excel add-in (the "NI 179" ribbon tab).

    Example: ni179 --workspace C:\\NI179\\workspace addin build
    """


@addin.command("build")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path(ADDIN_FILENAME),
    show_default=True,
    help="Where to write the add-in (.xlam file or a folder).",
)
@click.option(
    "--interpreter",
    default=None,
    help="Python that Excel runs [default: the Python running this command]. "
    "Pass an empty value to leave it to xlwings' own settings.",
)
@click.pass_context
def build_cmd(ctx: click.Context, out: Path, interpreter: str | None) -> None:
    """Build NI179.xlam from the ribbon sources and xlwings' add-in template.

    Records the Python to run and, when given with the main --workspace option, the
    workspace folder the buttons use.

    Example: ni179 --workspace C:\\NI179\\workspace addin build --out NI179.xlam
    """
    if interpreter is None:
        interpreter = default_interpreter()
    path = build_command(out, interpreter or None, _workspace_from(ctx))
    click.echo(f"Wrote the add-in (xl_ni179 {xl_ni179.__version__}) to {path.resolve()}")
    click.echo(
        "Next: ni179 addin install"
        + (
            ""
            if path.name == ADDIN_FILENAME and path.parent.resolve() == Path.cwd()
            else f" --file {path}"
        )
    )


@addin.command("install")
@click.option(
    "--file",
    "file",
    type=click.Path(path_type=Path),
    default=Path(ADDIN_FILENAME),
    show_default=True,
    help="The built add-in to install.",
)
def install_cmd(file: Path) -> None:
    """Install the built add-in into Excel (Excel loads it on every start).

    Needs Excel (Windows or macOS); close Excel first.

    Example: ni179 addin install --file NI179.xlam
    """
    install_command(file)
