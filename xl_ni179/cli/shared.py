"""What every click entry point shares (the `ni179` group, and `python -m xl_ni179.mail`,
which runs without it): ``-h`` wherever ``--help`` works, and a library error shown as one
line instead of a traceback."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from xl_ni179.errors import Ni179Error
from xl_ni179.text import visible

CLICK_CONTEXT = {"help_option_names": ["-h", "--help"]}


def friendly_errors(fn: Callable) -> Callable:
    """For command-line entry points: a library error becomes one line, ``Error: ...``,
    and exit status 2 (the command could not run), never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Ni179Error as exc:
            # Each line is made visible on its own: a partner's file name in it cannot start a
            # line of its own, while a message we wrote over several lines keeps them.
            first, *rest = exc.lines()
            click.echo("\n".join([f"Error: {visible(first)}", *map(visible, rest)]), err=True)
            sys.exit(2)

    return wrapper
