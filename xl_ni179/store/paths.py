"""Where a workspace folder keeps its things (named once, for the store and its readers)."""

import os
from pathlib import Path
from urllib.parse import quote

from xl_ni179.partnership import WORKSPACE_CONFIG_NAME as CONFIG_NAME

DB_NAME = "ni179.sqlite"  # the SQLite store, when NI179_DATABASE_URL names no other
FILES_DIR = "files"  # received files, by content hash

__all__ = ["CONFIG_NAME", "DB_NAME", "FILES_DIR", "store_url"]


def store_url(folder: str | Path) -> str:
    """The database of the workspace in ``folder``: NI179_DATABASE_URL, else its SQLite file.

    The file's path is escaped: a URL would end the path at a '?' and decode '%20' in a
    folder's name, and open another file than the workspace's."""
    return os.environ.get("NI179_DATABASE_URL") or "sqlite:///" + quote(str(Path(folder) / DB_NAME), safe="/")
