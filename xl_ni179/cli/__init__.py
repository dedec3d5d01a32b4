"""The `ni179` command: a thin adapter that parses options, calls the library and turns
the library's named errors into one-line messages (exit 2 when a command cannot run).

``main`` is the group (``cli.main``); importing this package attaches every command to it.
Registration goes one way: command modules import ``main``, nothing imports this package
back (``ni179 docs`` is handed the root group by click).
"""

from xl_ni179.cli import reference, returns, rounds  # noqa: F401 - their commands attach to main on import
from xl_ni179.cli.addin import addin
from xl_ni179.cli.mail import chase, intake
from xl_ni179.cli.main import main

for _command in (addin, intake, chase):
    main.add_command(_command)

__all__ = ["main"]
