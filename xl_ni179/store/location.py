"""Which workspace folder: one answer for the command line, the ribbon, the worksheet
functions and the help text of the master workbook's Settings sheet.

The first of these that names a folder wins (``ORDER``):

1. the choice made where you are working: ``--workspace`` on the command line; in Excel, the
   Workspace folder cell (``ni179_workspace``) of the master workbook's Settings sheet,
   read from the master only, never from a partner's return;
2. the NI 179 add-in's own settings (Excel only: ``ni179 --workspace DIR addin build``);
3. ``NI179_Workspace`` in your own settings file, ``~/.ni179/ni179.conf`` (one
   ``"KEY","VALUE"`` pair a line, as xlwings reads it);
4. the ``NI179_WORKSPACE`` environment variable;
5. a folder ``ni179-workspace`` beside the workbook (on the command line: in the current folder).

A relative folder is taken from where 5 is. ``~`` and ``$VARIABLES`` in a setting are
expanded (the shell has done that already for ``--workspace``).

Imports nothing heavy: the ribbon and the worksheet functions ask on every click and
every recalculation.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from xl_ni179 import environment

DEFAULT_NAME = "ni179-workspace"
USER_CONF = Path(".ni179") / "ni179.conf"  # under the user's home folder (%USERPROFILE% on Windows)
CONF_KEY = "NI179_Workspace"  # the key in ni179.conf, and on the add-in's settings sheet


class Origin(StrEnum):
    """Which of the sources, in ``ORDER``, named the workspace."""

    CHOSEN = "chosen"
    ADDIN = "addin"
    USER_CONF = "user-conf"
    ENVIRONMENT = "environment"
    DEFAULT = "default"


ORDER = tuple(Origin)
# Each source in words, as the help texts list them (CHOSEN is said by each door itself).
SAID = {
    Origin.ADDIN: "the NI 179 add-in's settings",
    Origin.USER_CONF: f"{CONF_KEY} in your ~/{USER_CONF.as_posix()}",
    Origin.ENVIRONMENT: f"the {environment.WORKSPACE} environment variable",
    Origin.DEFAULT: f"a folder '{DEFAULT_NAME}'",
}
# Where the answer came from, for a message that says which setting to change.
FROM = {
    Origin.ADDIN: "the NI 179 add-in's settings",
    Origin.USER_CONF: f"your {USER_CONF.name} file (~/{USER_CONF.as_posix()})",
    Origin.ENVIRONMENT: f"the {environment.WORKSPACE} variable",
}


@dataclass(frozen=True)
class Located:
    """The workspace folder, and which source named it."""

    path: Path
    origin: Origin
    said: str  # where it came from, in words, for a message ("the NI179_WORKSPACE variable")


def fallback_text(beside: str, *, addin: bool = True) -> str:
    """The sources after the door's own choice, in order, as a help text says them:
    "the NI 179 add-in's settings, else ..., else a folder 'ni179-workspace' beside this workbook"."""
    said = [SAID[o] for o in ORDER[1:] if addin or o != Origin.ADDIN]
    said[-1] += f" {beside}"
    return ", else ".join(said)


def user_conf_workspace(home: Path | None = None) -> str | None:
    """``NI179_Workspace`` from the user's ``ni179.conf``, read the way xlwings reads it."""
    try:
        lines = ((home or Path.home()) / USER_CONF).read_text("utf-8-sig").splitlines()
    except OSError:  # no such file: not set
        return None
    for line in lines:
        values = re.findall(r'"([^"]*)"', line)
        if len(values) >= 2 and values[0].strip().casefold() == CONF_KEY.casefold():
            return values[1].strip() or None
    return None


def locate_workspace(
    *,
    chosen: str | Path | None = None,
    chosen_said: str = "the --workspace option",
    addin: str | None = None,
    base: Path | None = None,
    default_said: str = "the default in the current folder",
) -> Located:
    """The workspace folder, by ``ORDER``.

    ``chosen`` is the door's own choice (``--workspace``, or the master's Settings cell),
    ``addin`` what the Excel add-in's settings name. ``base`` is the folder the default
    and any relative folder are taken from (the workbook's); None: the current folder, and
    a relative folder stays relative.
    """
    candidates = (
        (Origin.CHOSEN, chosen, chosen_said),
        (Origin.ADDIN, addin, FROM[Origin.ADDIN]),
        (Origin.USER_CONF, user_conf_workspace(), FROM[Origin.USER_CONF]),
        (Origin.ENVIRONMENT, environment.get(environment.WORKSPACE), FROM[Origin.ENVIRONMENT]),
    )
    for origin, value, said in candidates:
        if value is not None and str(value).strip():
            text = (
                str(value)
                if isinstance(value, Path)
                else os.path.expandvars(os.path.expanduser(str(value).strip()))
            )
            return Located(_from(base, Path(text)), origin, said)
    return Located(_from(base, Path(DEFAULT_NAME)), Origin.DEFAULT, default_said)


def _from(base: Path | None, path: Path) -> Path:
    return base / path if base is not None and not path.is_absolute() else path
