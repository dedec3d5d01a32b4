"""Wall time of the whole `ni179 consolidate` process on the 13-organisation demo round,
against a fresh interpreter that only imports pandas and openpyxl.

    .venv/bin/python benchmarks/bench_startup.py --runs 7

Builds the demo store first (``xl_ni179.demo.run.run_demo``: 13 organisations, 7 returns),
then runs, interleaved and after one unmeasured run of each:

* ``ni179 --workspace W consolidate --round 2008-09-review --out X.xlsx`` (the measured process),
* ``python -c "import pandas, openpyxl"`` (the baseline: the libraries consolidation needs),
* ``ni179 --version`` and ``python -c pass`` (for scale: the CLI's own start, a bare interpreter).

Prints the medians, the ratio consolidate / baseline (target <= 2), and from
``python -X importtime`` the packages the consolidate process imports beyond the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common

TARGET_RATIO = 2.0
ROUND_ID = "2008-09-review"
_IMPORT_RE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s+)(\S+)\s*$")


def cli() -> list[str]:
    script = Path(sys.executable).parent / "ni179"
    return [str(script)] if script.exists() else [sys.executable, "-m", "xl_ni179"]


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - started


def environments(tmp: Path) -> dict[str, dict[str, str]]:
    """'as set up': this shell's environment. 'bytecode cached': .pyc files written (to a private
    cache folder, nothing in the tree) and reused, as a non-editable install has them."""
    cached = dict(os.environ)
    cached.pop("PYTHONDONTWRITEBYTECODE", None)
    cached["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    return {"as set up": dict(os.environ), "bytecode cached": cached}


def import_times(cmd: list[str], env: dict[str, str]) -> list[tuple[int, int, int, str]]:
    """(self us, cumulative us, depth, module) for every import, from ``-X importtime``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *cmd],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    out = []
    for line in proc.stderr.splitlines():
        match = _IMPORT_RE.match(line)
        if match:
            depth = (len(match.group(3)) - 1) // 2
            out.append((int(match.group(1)), int(match.group(2)), depth, match.group(4)))
    return out


def by_package(rows: list[tuple[int, int, int, str]]) -> dict[str, tuple[float, int]]:
    """Total own import time (ms) and module count per top-level package."""
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    for own, _cum, _depth, module in rows:
        entry = totals[module.split(".")[0]]
        entry[0] += own / 1000
        entry[1] += 1
    return {k: (v[0], int(v[1])) for k, v in totals.items()}


def importers(rows: list[tuple[int, int, int, str]], package: str) -> list[str]:
    """Which of our modules first pulled ``package`` in (the chain above its first import)."""
    # -X importtime prints a module after its imports, children indented deeper; the
    # parent of a row is the next row below it with a smaller depth.
    for i, (_own, _cum, depth, module) in enumerate(rows):
        if module.split(".")[0] != package:
            continue
        chain = []
        want = depth
        for _o, _c, d, m in rows[i + 1 :]:
            if d < want:
                chain.append(m)
                want = d
            if d == 0:
                break
        ours = [m for m in chain if m.startswith("xl_ni179")]
        return ours[:1] + ([chain[-1]] if chain and chain[-1] not in ours[:1] else [])
    return []


# The consolidate command's steps, timed inside one fresh interpreter (what the CLI does, in order).
_STEPS = r"""
import sys, time, json
t = [time.perf_counter()]
import xl_ni179.cli  # the command line, as the ni179 script imports it (registers every command)
t.append(time.perf_counter())
from xl_ni179.store.workspace import Workspace
t.append(time.perf_counter())
ws = Workspace(sys.argv[1])  # opens the store: configuration, engine, migrations check
t.append(time.perf_counter())
import xl_ni179.consolidate  # the summary and the master-workbook writers
t.append(time.perf_counter())
from xl_ni179.consolidate.run import consolidate_round
consolidate_round(ws, sys.argv[2], __import__("pathlib").Path(sys.argv[3]))
t.append(time.perf_counter())
print(json.dumps([b - a for a, b in zip(t, t[1:])]))
"""
# What `ni179 consolidate` would cost if the command line imported only what consolidating needs
# (click, the workspace, the consolidation), not every command group: a measured estimate.
_MINIMAL = r"""
import sys
from pathlib import Path
import click  # noqa: F401
from xl_ni179.store.workspace import Workspace
from xl_ni179.consolidate.run import consolidate_round
summary = consolidate_round(Workspace(sys.argv[1]), "2008-09-review", Path(sys.argv[2]))
print(f"Wrote {sys.argv[2]}: {len(summary.received)} return(s) received, {len(summary.missing)} missing.")
"""
STEP_NAMES = (
    "import xl_ni179.cli (click, every command group)",
    "import xl_ni179.store.workspace (SQLAlchemy, store)",
    "Workspace(path): config, engine, migrations",
    "import xl_ni179.consolidate (summary, workbook writers)",
    "consolidate_round: summary and master workbook",
)


def steps(ws: Path, out: Path, runs: int, env: dict[str, str]) -> list[float]:
    """Median seconds of each step of the consolidate command, each run in a fresh interpreter."""
    samples = []
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, "-c", _STEPS, str(ws), ROUND_ID, str(out)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        samples.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    return [common.median(column) for column in zip(*samples, strict=True)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=int, default=7, help="measured runs of each command (default 7)"
    )
    parser.add_argument(
        "--top", type=int, default=15, help="packages listed from -X importtime (default 15)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    common.print_machine()
    from xl_ni179.demo.run import run_demo

    with tempfile.TemporaryDirectory(prefix="ni179-startup-") as tmp:
        work = Path(tmp)
        ws = work / "ws"
        run_demo(ws, work / "demo")
        consolidate = [
            *cli(),
            "--workspace",
            str(ws),
            "consolidate",
            "--round",
            ROUND_ID,
            "--out",
            str(work / "X.xlsx"),
        ]
        commands = {
            "ni179 consolidate (13 orgs, 7 returns)": consolidate,
            "python -c 'import pandas, openpyxl'": [
                sys.executable,
                "-c",
                "import pandas, openpyxl",
            ],
            "same work, only the modules it needs (estimate)": [
                sys.executable,
                "-c",
                _MINIMAL,
                str(ws),
                str(work / "Z.xlsx"),
            ],
            "ni179 --version": [*cli(), "--version"],
            "python -c pass": [sys.executable, "-c", "pass"],
        }
        envs = environments(work)
        bytecode = os.environ.get("PYTHONDONTWRITEBYTECODE")
        print(
            f"PYTHONDONTWRITEBYTECODE={bytecode or '(unset)'} in this shell"
            + (
                "; the editable install's own modules are then compiled from source by every process"
                if bytecode
                else ""
            )
        )
        results: dict[str, Any] = {}
        for label, env in envs.items():
            for cmd in commands.values():
                timed(cmd, env)  # unmeasured: page cache, .pyc files
            times: dict[str, list[float]] = {k: [] for k in commands}
            for _ in range(args.runs):
                for name, cmd in commands.items():
                    times[name].append(timed(cmd, env))
            medians = {k: common.median(v) for k, v in times.items()}
            base = medians["python -c 'import pandas, openpyxl'"]
            print(
                f"\n[{label}] wall time of the whole process, median of {args.runs} runs (min-max):"
            )
            for name, values in times.items():
                print(
                    f"  {medians[name] * 1000:7.0f} ms  ({min(values) * 1000:.0f}-{max(values) * 1000:.0f})  "
                    f"{medians[name] / base:5.2f}x baseline  {name}"
                )
            ratio = medians["ni179 consolidate (13 orgs, 7 returns)"] / base
            print(
                f"[{label}] TARGET consolidate <= {TARGET_RATIO:g}x the bare import of pandas and openpyxl: "
                f"{ratio:.2f}x -> " + ("met" if ratio <= TARGET_RATIO else "NOT met")
            )
            parts = steps(ws, work / "Y.xlsx", args.runs, env)
            print(
                f"[{label}] inside the consolidate process (median of {args.runs} fresh interpreters; "
                f"+{medians['python -c pass'] * 1000:.0f} ms interpreter start, + exit):"
            )
            for name, seconds in zip(STEP_NAMES, parts, strict=True):
                print(f"  {seconds * 1000:7.0f} ms  {name}")
            results[label] = {
                "medians_s": medians,
                "ratio": ratio,
                "steps_s": dict(zip(STEP_NAMES, parts, strict=True)),
            }

        cached = envs["bytecode cached"]
        rows = import_times(consolidate, cached)
        baseline_rows = import_times(["-c", "import pandas, openpyxl"], cached)
    ours = by_package(rows)
    theirs = by_package(baseline_rows)
    total_ms = sum(r[0] for r in rows) / 1000
    base_ms = sum(r[0] for r in baseline_rows) / 1000
    print(
        f"\n-X importtime (bytecode cached): consolidate imports {len(rows)} modules in {total_ms:.0f} ms "
        f"of import time; 'import pandas, openpyxl' imports {len(baseline_rows)} in {base_ms:.0f} ms."
    )
    extra = sorted(
        (
            (ms - theirs.get(pkg, (0.0, 0))[0], pkg, n - theirs.get(pkg, (0.0, 0))[1])
            for pkg, (ms, n) in ours.items()
        ),
        reverse=True,
    )
    print(
        f"Top {args.top} packages by import time beyond the baseline (own time summed over the package's modules):"
    )
    for ms, pkg, n in extra[: args.top]:
        if ms < 0.5:
            break
        chain = importers(rows, pkg) if pkg not in theirs else []
        via = f"  first imported via {' <- '.join(chain)}" if chain else ""
        new = "" if pkg in theirs else " [not imported by the baseline]"
        print(f"  {ms:7.1f} ms  {n:4d} modules  {pkg}{new}{via}")
    mine = sorted(
        ((cum, module) for _own, cum, depth, module in rows if module.startswith("xl_ni179")),
        reverse=True,
    )
    print(
        "Our modules imported by the consolidate process, by cumulative import time (includes what they import):"
    )
    for cum, module in mine[: args.top]:
        print(f"  {cum / 1000:7.1f} ms  {module}")
    print(f"  ({len(mine)} xl_ni179 modules in all: {', '.join(sorted(m for _, m in mine))})")
    print(f"Top {args.top} single modules by own import time in the consolidate process:")
    for own, cum, _depth, module in sorted(rows, reverse=True)[: args.top]:
        print(f"  {own / 1000:7.1f} ms own, {cum / 1000:7.1f} ms cumulative  {module}")
    if args.json:
        result: dict[str, Any] = {
            "machine": common.machine(),
            "runs": args.runs,
            "environments": results,
            "import_ms": total_ms,
            "baseline_import_ms": base_ms,
            "extra_packages_ms": {pkg: ms for ms, pkg, _ in extra[: args.top]},
        }
        args.json.write_text(json.dumps(result, indent=2), "utf-8")


if __name__ == "__main__":
    main()
