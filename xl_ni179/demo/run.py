"""The demo: the whole cycle of a round on a built-in scenario, in a fresh workspace."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xl_ni179.consolidate.run import consolidate_round
from xl_ni179.errors import DemoFolderError
from xl_ni179.paper.draft import draft_paper
from xl_ni179.partnership import workspace_config
from xl_ni179.store.issue import issue_templates
from xl_ni179.store.workspace import DEMO_MARKER, DEMO_MARKER_TEXT, Workspace, is_demo_folder

Progress = Callable[[str, list, Callable[[Any], None]], None]


def _plain(step: str, items: list, fn: Callable[[Any], None]) -> None:
    for item in items:
        fn(item)


def _check_demo_folder(path: Path, what: str, option: str) -> None:
    """Refuse, before anything is deleted, a folder the demo did not make."""
    if not path.exists() and not path.is_symlink():
        return  # the demo creates it
    if path.is_symlink() or not path.is_dir():
        raise DemoFolderError(
            f"The demo's {what} {path} is {'a link' if path.is_symlink() else 'a file'}, "
            f"not a folder the demo made. Nothing was changed. Choose a new folder with "
            f"{option}."
        )
    if is_demo_folder(path) or not any(path.iterdir()):
        return  # the demo's own folder, or an empty one: nothing of anyone else's to lose
    kind = (
        "an NI 179 workspace"
        if workspace_config(path) is not None
        else "a folder the demo did not make"
    )
    raise DemoFolderError(
        f"The demo's {what} {path} is {kind}. The demo deletes and rewrites its folders, "
        f"so it only works in a new folder or one it made before (holding {DEMO_MARKER}). "
        f"Nothing was changed. Choose a new folder with {option}."
    )


def _claim_demo_folder(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    (path / DEMO_MARKER).write_text(DEMO_MARKER_TEXT, "utf-8")


def _empty(path: Path) -> None:
    """Delete what the demo folder ``path`` holds, except its marker (links are removed, not followed)."""
    for child in path.iterdir():
        if child.name == DEMO_MARKER:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def run_demo(
    workspace_dir: Path,
    out_dir: Path,
    progress: Progress = _plain,
    now: dt.datetime | None = None,
    round_id: str | None = None,
) -> list[str]:
    """The whole cycle on a shipped scenario, in a fresh workspace. Returns what it did.

    ``round_id`` is one of the demo rounds (default: the 2008/09 review). The 2009/10 outturn
    first receives the 2008/09 review's returns, then its own, some of them late; the master
    workbook, summary and paper are for the round asked for, as at ``now`` (today if not
    given; the CLI passes the demo's own date, ``demo_data.AS_OF``).

    The workspace and output folders must be new, empty, or made by an earlier demo run
    (they hold ``DEMO_MARKER``): anything else raises DemoFolderError before a file is
    touched, so a real workspace is never deleted.
    """
    from xl_ni179.demo import data as demo_data
    from xl_ni179.errors import UnknownRoundError

    round_id = round_id or demo_data.DEMO_ROUND
    if round_id not in demo_data.DEMO_ROUNDS:
        raise UnknownRoundError(
            f"There is no demo for round '{round_id}' (demo rounds: "
            f"{', '.join(demo_data.DEMO_ROUNDS)})."
        )
    _check_demo_folder(out_dir, "output folder", "--out")
    _check_demo_folder(workspace_dir, "workspace", "--workspace")
    for folder in (out_dir, workspace_dir):
        _claim_demo_folder(folder)
    _empty(workspace_dir)
    workspace = Workspace.init(workspace_dir, allow_demo=True)
    templates_dir, returns_dir = out_dir / "templates", out_dir / "returns"
    for folder in (templates_dir, returns_dir):
        if folder.is_symlink():
            folder.unlink()
        elif folder.exists():
            shutil.rmtree(folder)
    rounds = demo_data.DEMO_ROUNDS[: demo_data.DEMO_ROUNDS.index(round_id) + 1]
    lines: list[str] = []
    for rid in rounds:
        lines += _demo_round(workspace, rid, templates_dir, returns_dir, progress)
    master, summary_path, paper_dir = (
        out_dir / "master.xlsx",
        out_dir / "summary.json",
        out_dir / "paper",
    )
    summary = consolidate_round(workspace, round_id, master, summary_path, now=now)
    paper = draft_paper(workspace, round_id, paper_dir, now=now)
    facts = summary.to_json()
    return [
        *lines,
        f"Round {round_id} at {summary.as_of:%d %B %Y}: {summary.round_state().text}",
        f"Returns were not received from: {', '.join(facts['missing'])}",
        f"Master workbook: {master}",
        f"Summary: {summary_path}",
        *[f"Paper: {x}" for x in paper],
        f"Workspace: {workspace_dir}",
    ]


def _demo_round(
    workspace: Workspace, round_id: str, templates_dir: Path, returns_dir: Path, progress: Progress
) -> list[str]:
    """Write one demo round's templates, fill its returns and receive them on their days."""
    from xl_ni179.demo import data as demo_data
    from xl_ni179.template import template_filename
    from xl_ni179.template.fill import fill_workbook

    p = workspace.partnership
    rnd = p.round(round_id)
    templates: list[Path] = []
    # Issued as a consolidator would: each prefilled from its latest accepted earlier return.
    progress(
        f"Writing partner workbooks ({rnd.id})",
        [None],
        lambda _: templates.extend(issue_templates(workspace, rnd.id, templates_dir)[0]),
    )
    if rnd.id == demo_data.DEMO_ROUND:
        data = demo_data.demo_returns(p, rnd)
        days = {
            code: dt.datetime(2009, 5, 8, 10) + dt.timedelta(days=i) for i, code in enumerate(data)
        }
    else:
        data = demo_data.outturn_returns(p, rnd, p.round(demo_data.DEMO_ROUND))
        days = {code: demo_data.received_on(code) for code in data}
    received: list[str] = []

    def fill_and_receive(code: str) -> None:
        name = template_filename(code, rnd.id)
        path = fill_workbook(p, templates_dir / name, data[code], returns_dir / name)
        receipt = workspace.receive(
            path, sender=p.organisation(code).emails[0], round_id=rnd.id, received_at=days[code]
        )
        late = f" (late: received {days[code]:%d %B})" if receipt.late else ""
        received.append(f"{p.organisation(code).name}: {receipt.outcome}{late}")

    progress(
        f"Filling and receiving returns ({rnd.id})",
        sorted(data, key=days.__getitem__),
        fill_and_receive,
    )
    return [
        f"Templates: {len(templates)} workbooks for {rnd.id} in {templates_dir}",
        f"Returns: {len(received)} filled returns for {rnd.id} in {returns_dir}",
        *[f"  {r}" for r in received],
    ]
