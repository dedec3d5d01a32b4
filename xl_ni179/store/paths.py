"""Where a workspace folder keeps its things (named once, for the store and its readers)."""

import os
from pathlib import Path

from xl_ni179.partnership import WORKSPACE_CONFIG_NAME as CONFIG_NAME

DB_NAME = "ni179.sqlite"  # the SQLite store, when NI179_DATABASE_URL names no other
FILES_DIR = "files"  # received files, by content hash

__all__ = ["CONFIG_NAME", "DB_NAME", "FILES_DIR", "store_url"]


def store_url(folder: str | Path) -> str:
    """The database of the workspace in ``folder``: NI179_DATABASE_URL, else its SQLite file."""
    return os.environ.get("NI179_DATABASE_URL") or f"sqlite:///{Path(folder) / DB_NAME}"
