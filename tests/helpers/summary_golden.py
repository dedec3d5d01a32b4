"""The consolidations whose summary.json is kept in tests/data/consolidate, to show that the
JSON does not change when the way the master workbook is written changes.

Regenerate (only when the summary is meant to change) from the repository root:

    .venv/bin/python tests/helpers/summary_golden.py
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from helpers.consolidate_seed import seed_partnership, seed_returns, statuses_for  # noqa: E402
from xl_ni179.consolidate import Summary, build_summary  # noqa: E402
from xl_ni179.demo.data import DEMO_ROUND, OUTTURN_ROUND  # noqa: E402
from xl_ni179.demo.run import run_demo  # noqa: E402
from xl_ni179.store.status import REJECTED  # noqa: E402

GOLDEN = HERE.parent / "data" / "consolidate"
NOW = dt.datetime(2009, 5, 20, 9)
DEMO_ROUNDS = (DEMO_ROUND, OUTTURN_ROUND)


def seeded_summary() -> Summary:
    """The seed round with a rejected return, late returns, findings and partner text that
    starts like a formula."""
    p, rnd = seed_partnership()
    returns = seed_returns(p, rnd)
    returns["CHARN"] = seed_returns(p, rnd)["MELTON"]
    findings = (
        {
            "code": "gains-jump",
            "severity": "warning",
            "message": "Gains doubled",
            "fix": "Explain the jump",
            "sheet": "Gains",
            "cell": "B8",
            "explained": True,
        },
        {
            "code": "rag-needs-commentary",
            "severity": "warning",
            "message": "=Amber needs a commentary",
            "fix": "Add one",
            "sheet": "Forecast",
            "cell": "C6",
            "explained": False,
        },
    )
    statuses = [
        s if s.code != "LCC" else type(s)(**{**s.__dict__, "findings": findings})
        for s in statuses_for(
            p, set(returns) - {"CHARN"}, states={"CHARN": REJECTED}, late={"POLICE", "BLABY"}
        )
    ]
    returns["LCC"]["explain_gains_jump"] = "=a one-off restructuring, explained"
    return build_summary(p, rnd, statuses, returns, as_of=NOW.date())


def summary_text(summary: Summary) -> str:
    """As ``consolidate_round`` writes summary.json."""
    return json.dumps(summary.to_json(), indent=2, default=str, allow_nan=False)


def demo_summaries(out: Path) -> dict[str, bytes]:
    """summary.json of each demo round, run as ``ni179 demo`` runs it, at ``NOW``."""
    found = {}
    for round_id in DEMO_ROUNDS:
        run_demo(out / round_id / "workspace", out / round_id, now=NOW, round_id=round_id)
        found[round_id] = (out / round_id / "summary.json").read_bytes()
    return found


if __name__ == "__main__":
    import tempfile

    GOLDEN.mkdir(parents=True, exist_ok=True)
    (GOLDEN / "seeded.summary.json").write_text(summary_text(seeded_summary()), "utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        for round_id, data in demo_summaries(Path(tmp)).items():
            (GOLDEN / f"demo-{round_id}.summary.json").write_bytes(data)
    print(f"Wrote {GOLDEN}")
