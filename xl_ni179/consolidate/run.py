"""Consolidating a round held in a workspace: the summary, and the master workbook and JSON written from it."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xl_ni179.consolidate.summary import Summary
    from xl_ni179.store.workspace import Workspace


def summarise(
    workspace: Workspace,
    round_id: str | None = None,
    now: dt.datetime | None = None,
    vfm_scores: dict[str, int] | None = None,
) -> Summary:
    """The consolidation of a round. ``vfm_scores`` (organisation code -> 1-4) replaces the
    configuration's scores: the consolidator keeps the assessors' latest on the master's
    VFM scores sheet."""
    import dataclasses

    from xl_ni179.consolidate import build_summary

    p = workspace.partnership
    if vfm_scores is not None:
        known = {code: score for code, score in vfm_scores.items() if p.find_organisation(code)}
        p = dataclasses.replace(p, vfm=dataclasses.replace(p.vfm, scores=known))
    rnd = p.round(round_id)
    # Every round up to this one, for the trajectory across rounds on the master workbook.
    history = {
        r.id: workspace.accepted_returns(r.id) for r in p.rounds if r.deadline <= rnd.deadline
    }
    return build_summary(
        p,
        rnd,
        workspace.status(rnd.id, now=now),
        history[rnd.id],
        as_of=now.date() if now else None,
        history=history,
    )


def consolidate_round(
    workspace: Workspace,
    round_id: str | None,
    out: Path,
    json_out: Path | None = None,
    now: dt.datetime | None = None,
) -> Summary:
    """Write the master workbook (and the JSON summary) from the store; return the summary."""
    with collector_paused():
        from xl_ni179.consolidate import write_consolidation

        summary = summarise(workspace, round_id, now)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_consolidation(summary, out)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(
            json.dumps(summary.to_json(), indent=2, default=str, allow_nan=False), "utf-8"
        )
    workspace.audit("consolidate", {"round": summary.round_json(), "out": str(out)})
    return summary


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run a block without the cycle collector, then collect as before.

    Writing a master workbook makes some hundred thousand objects (rows, cells, looks) that
    all live until the file is written. The collector would scan them again and again and
    free nothing: a tenth of the command's time for a large round. Reference counting
    still frees everything else as usual; the cycles the block leaves are collected when the
    collector runs again after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
