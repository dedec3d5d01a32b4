"""Drafting the progress paper of a round held in a workspace."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from xl_ni179.consolidate.run import summarise

if TYPE_CHECKING:
    from xl_ni179.store.workspace import Workspace


def draft_paper(
    workspace: Workspace, round_id: str | None, out_dir: Path, now: dt.datetime | None = None
) -> list[Path]:
    from xl_ni179.paper import write_paper

    summary = summarise(workspace, round_id, now)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = write_paper(summary, workspace.partnership, out_dir)
    workspace.audit("report", {"out": [str(x) for x in paths]})
    return paths
