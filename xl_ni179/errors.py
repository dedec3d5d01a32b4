"""Named exceptions the library raises; the CLI, ribbon and intake turn them into messages."""


import functools
import sys
from collections.abc import Callable
from typing import Any

from xl_ni179.text import visible

# Every click entry point uses these, so `-h` works wherever `--help` does.
CLICK_CONTEXT = {"help_option_names": ["-h", "--help"]}


def friendly_errors(fn: Callable) -> Callable:
    """For command-line entry points: a library error becomes one line, ``Error: ...``,
    and exit status 2 (the command could not run), never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Ni179Error as exc:
            import click

            click.echo(f"Error: {visible(str(exc))}", err=True)  # it may name a partner's file
            sys.exit(2)

    return wrapper


class Ni179Error(Exception):
    """Base for every error a user can act on. ``str(err)`` is the message to show."""


class ConfigError(Ni179Error):
    """The partnership configuration file cannot be used."""

    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file, self.key, self.problem = file, key, problem
        where = f"{file}: {key}" if key else file
        super().__init__(f"{where}: {problem}")


class UnknownRoundError(Ni179Error):
    """A round id that the configuration does not define."""


class FillError(Ni179Error):
    """Data for ``ni179 fill`` names an input the schema does not have, or is malformed."""


class WorkspaceError(Ni179Error):
    """The workspace folder or its store cannot be used."""


class DemoFolderError(Ni179Error):
    """``ni179 demo`` was pointed at a folder it did not make; nothing was changed."""
