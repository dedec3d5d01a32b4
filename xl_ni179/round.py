"""Round-level operations over a workspace: consolidate, draft the paper, run the demo."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xl_ni179.workspace import Workspace

Progress = Callable[[str, list, Callable[[Any], None]], None]


def _plain(step: str, items: list, fn: Callable[[Any], None]) -> None:
    for item in items:
        fn(item)


def issue_templates(ws: Workspace, round_id: str | None, out_dir: Path,
                    orgs: list[str] | None = None) -> tuple[list[Path], dict[str, Any]]:
    """Write the round's templates, each prefilled from the organisation's latest accepted
    return of an earlier round; returns the paths and {organisation: Prefill} used."""
    from xl_ni179.template import write_templates

    p = ws.partnership
    rnd = p.round(round_id)
    prefills = {}
    for org in p.organisations:
        if not orgs or org.code in orgs:
            found = ws.prefill(org.code, rnd.id)
            if found is not None:
                prefills[org.code] = found
    paths = write_templates(p, rnd, out_dir, orgs, prefills)
    ws.audit("templates", {"round": rnd.id, "out": str(out_dir),
                           "prefilled": {code: {"round": f.round_id, "sha256": f.sha256}
                                         for code, f in prefills.items()}})
    return paths, prefills


def summarise(ws: Workspace, round_id: str | None = None, now: dt.datetime | None = None,
              vfm_scores: dict[str, int] | None = None):  # noqa: ANN201
    """The consolidation of a round. ``vfm_scores`` (organisation code -> 1-4) replaces the
    configuration's scores: the consolidator keeps the assessors' latest on the master's
    VFM scores sheet."""
    import dataclasses

    from xl_ni179.consolidate import build_summary

    p = ws.partnership
    if vfm_scores is not None:
        known = {code: score for code, score in vfm_scores.items() if p.find_organisation(code)}
        p = dataclasses.replace(p, vfm=dataclasses.replace(p.vfm, scores=known))
    rnd = p.round(round_id)
    return build_summary(p, rnd, ws.status(rnd.id, now=now), ws.accepted_returns(rnd.id),
                         as_of=now.date() if now else None)


def consolidate_round(ws: Workspace, round_id: str | None, out: Path, json_out: Path | None = None,
                      now: dt.datetime | None = None):  # noqa: ANN201
    """Write the master workbook (and the JSON summary) from the store; return the summary."""
    from xl_ni179.consolidate import write_master

    summary = summarise(ws, round_id, now)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_master(summary, out)
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(summary.to_json(), indent=2, default=str), "utf-8")
    ws.audit("consolidate", {"round": summary.to_json()["round"], "out": str(out)})
    return summary


def draft_paper(ws: Workspace, round_id: str | None, out_dir: Path, now: dt.datetime | None = None) -> list[Path]:
    from xl_ni179.paper import write_paper

    summary = summarise(ws, round_id, now)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = write_paper(summary, ws.partnership, out_dir)
    ws.audit("report", {"out": [str(x) for x in paths]})
    return paths


def run_demo(workspace: Path, out_dir: Path, progress: Progress = _plain,
             now: dt.datetime | None = None) -> list[str]:
    """The whole cycle on the shipped scenario, in a fresh workspace. Returns what it did."""
    from xl_ni179.demo_data import DEMO_ROUND, demo_returns
    from xl_ni179.fill import fill_workbook
    from xl_ni179.template import template_filename, write_templates

    if workspace.exists():
        shutil.rmtree(workspace)
    ws = Workspace.init(workspace)
    p = ws.partnership
    rnd = p.round(DEMO_ROUND)
    templates_dir, returns_dir = out_dir / "templates", out_dir / "returns"
    for folder in (templates_dir, returns_dir):
        if folder.exists():
            shutil.rmtree(folder)
    templates: list[Path] = []
    progress("Writing partner workbooks", [None], lambda _: templates.extend(write_templates(p, rnd, templates_dir)))
    data = demo_returns(p, rnd)
    received: list[str] = []

    def fill_and_receive(code: str) -> None:
        name = template_filename(code, rnd.id)
        path = fill_workbook(p, templates_dir / name, data[code], returns_dir / name)
        day = dt.datetime(2009, 5, 8, 10) + dt.timedelta(days=len(received))
        receipt = ws.receive(path, sender=p.organisation(code).emails[0], round_id=rnd.id, received_at=day)
        received.append(f"{p.organisation(code).name}: {receipt.outcome}")

    progress("Filling and receiving returns", list(data), fill_and_receive)
    master, summary_path, paper_dir = out_dir / "master.xlsx", out_dir / "summary.json", out_dir / "paper"
    summary = consolidate_round(ws, rnd.id, master, summary_path, now=now)
    paper = draft_paper(ws, rnd.id, paper_dir, now=now)
    facts = summary.to_json()
    lines = [f"Templates: {len(templates)} workbooks in {templates_dir}",
             f"Returns: {len(received)} filled returns in {returns_dir}", *[f"  {r}" for r in received],
             f"Returns were not received from: {', '.join(facts['missing'])}",
             f"Master workbook: {master}", f"Summary: {summary_path}",
             *[f"Paper: {x}" for x in paper], f"Workspace: {workspace}"]
    return lines
