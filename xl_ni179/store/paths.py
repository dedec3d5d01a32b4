"""Where a workspace folder keeps its things (named once, for the store and its readers)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from xl_ni179 import environment
from xl_ni179.partnership import WORKSPACE_CONFIG_NAME as CONFIG_NAME

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

DB_NAME = "ni179.sqlite"  # the SQLite store, when NI179_DATABASE_URL names no other
FILES_DIR = "files"  # received files, by content hash

__all__ = ["CONFIG_NAME", "DB_NAME", "FILES_DIR", "store_url"]


def store_url(folder: str | Path) -> str | URL:
    """The database of the workspace in ``folder``: NI179_DATABASE_URL, else its SQLite file.

    The file's path is given as a URL object, never parsed out of a string: a URL would end
    the path at a '?' and decode '%20' in a folder's name, and a folder name that is not
    UTF-8 cannot be spelled in a URL's text at all."""
    env = environment.get(environment.DATABASE_URL)
    if env:
        return env
    from sqlalchemy.engine import URL  # asked only by a caller about to open the store

    return URL.create("sqlite", database=str(Path(folder) / DB_NAME))
