"""The `ni179` command: a thin adapter that parses options, calls the library and turns
the library's named errors into one-line messages (exit 2 when a command cannot run).

``main`` is the group (``cli.main``); importing this package attaches every command to it.
Registration goes one way: command modules import ``main``, nothing imports this package
back (``ni179 docs`` is handed the root group by click).
"""

import atexit
import gc
import os
import sys
import threading

from xl_ni179.cli import reference, returns, rounds  # noqa: F401 - their commands attach to main on import
from xl_ni179.cli.addin import addin
from xl_ni179.cli.mail import chase, intake
from xl_ni179.cli.main import main

for _command in (addin, intake, chase):
    main.add_command(_command)

__all__ = ["main", "run"]


def run() -> None:
    """The ``ni179`` program: ``main``, then an exit that skips tearing the interpreter down.

    Freeing every module and object at exit costs a short command like ``consolidate`` a
    tenth of a second or more (openpyxl, SQLAlchemy). Once the command has finished,
    the exit handlers run (the worker pool, temporary folders, logging), the output is
    flushed and the process ends. Every file the commands write is closed by then. While a
    thread other than this one still runs, the ordinary exit waits for it instead.
    """
    # Importing openpyxl and SQLAlchemy makes hundreds of thousands of objects, and
    # the collector's default (a pass every 700) keeps scanning them: 5% of a short command.
    # A pass every 100,000 still frees cycles in long runs (the older generations as usual).
    gc.set_threshold(100_000)
    try:
        main.main(prog_name="ni179")
    except SystemExit as exc:
        code = exc.code
    else:  # pragma: no cover - click's standalone mode always exits
        code = 0
    if not isinstance(code, int):
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(code)
