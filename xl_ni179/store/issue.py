"""Issuing a round's templates from a workspace: each prefilled from the organisation's
latest accepted return of an earlier round, and the issue recorded in the audit log with
each template's locked-content fingerprint (so receipt recognises the template as issued
without building it again: ``Workspace.issued_templates``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xl_ni179.store.issued import TEMPLATES_ACTION
from xl_ni179.store.workspace import Workspace


def issue_templates(
    workspace: Workspace, round_id: str | None, out_dir: Path, orgs: list[str] | None = None
) -> tuple[list[Path], dict[str, Any]]:
    """Write the round's templates, each prefilled from the organisation's latest accepted
    return of an earlier round; returns the paths and {organisation: Prefill} used."""
    from xl_ni179.intake.worker_context import issue_key
    from xl_ni179.template import write_templates

    p = workspace.partnership
    rnd = p.round(round_id)
    prefills = {}
    for org in p.organisations:
        if not orgs or org.code in orgs:
            found = workspace.prefill(org.code, rnd.id)
            if found is not None:
                prefills[org.code] = found
    fingerprints: dict[str, str] = {}
    paths = write_templates(p, rnd, out_dir, orgs, prefills, fingerprints)
    workspace.audit(
        TEMPLATES_ACTION,
        {
            "round": rnd.id,
            "out": str(out_dir),
            "prefilled": {
                code: {"round": f.round_id, "sha256": f.sha256} for code, f in prefills.items()
            },
            "fingerprints": fingerprints,
            "issue_key": issue_key(p),
        },
    )
    return paths, prefills
