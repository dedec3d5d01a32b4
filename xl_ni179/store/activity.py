"""What this process is, in the words another process shows while it waits for the store.

Kept apart from ``store.locks`` so that a command can name itself without loading the
database libraries (``ni179 validate`` and ``--help`` never load them).
"""

from __future__ import annotations

import sys
from pathlib import Path

_activity: str | None = None


def set_activity(label: str) -> None:
    """Name this process ("ni179 receive"); never the command line, which may hold a password."""
    global _activity
    _activity = " ".join(label.split())[:80]


def activity() -> str:
    if _activity:
        return _activity
    program = Path(sys.argv[0] if sys.argv and sys.argv[0] else "python").name or "python"
    return f"{program} (an ni179 program)"
