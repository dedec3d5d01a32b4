"""The user's commands as whole processes, each beside its floor, timed in one run.

    .venv/bin/python benchmarks/bench_commands.py --runs 5

Targets (issue 12; validate's tightened by issue 17):

* ``ni179 validate`` of 420 returns from a 420-organisation partnership <= 3 x a
  ``python -c`` script that reads every sheet of the same files with python-calamine;
* ``ni179 consolidate`` of a 420-organisation round with every return received <= 3 x
  ``python -c "import pandas, openpyxl"`` (issue 20), and of the demo round <= 2 x the same;
* the peak memory of ``ni179 validate`` of 1,000 returns (the process tree: the command,
  its fork server and workers) < 300 MB.

Each command is run ``--runs`` times, interleaved with its floor (command, floor,
command, floor...) after one unmeasured run of each, so a change in the machine's load
touches both; the ratio is quoted per pair and for the medians. ``--compare DIR`` also
runs the commands from another checkout of the code (``git worktree add DIR main``, or
``git archive``), interleaved with the rest: before and after in one run.

The commands run as a user runs them: output to a file (no terminal, so no progress
bar), bytecode cached in a private folder as an installed package has it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import generate

ROUND_ID = generate.ROUND_ID
VALIDATE_RATIO, CONSOLIDATE_RATIO, CONSOLIDATE_ROUND_RATIO, MEMORY_MB = 3.0, 2.0, 3.0, 300
CALAMINE = r"""
import sys
from python_calamine import CalamineWorkbook
cells = 0
for path in open(sys.argv[1], encoding="utf-8").read().split("\n"):
    wb = CalamineWorkbook.from_path(path)
    for name in wb.sheet_names:
        cells += sum(len(row) for row in wb.get_sheet_by_name(name).to_python())
print(cells)
"""
CONSOLIDATE_IMPORTS = (
    "import xl_ni179.cli, xl_ni179.store.workspace, xl_ni179.consolidate.master, "
    "xl_ni179.consolidate.xlsxwriting"
)
# Every return of a generated data set received into a new workspace, as the consolidator's
# store holds them by the end of a round (run once, in its own process, not timed).
RECEIVE_ALL = r"""
import datetime as dt, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
import generate
from xl_ni179.store.workspace import Workspace
data, folder = Path(sys.argv[1]), Path(sys.argv[2])
ws = Workspace.init(folder, data / "config.toml")
at = dt.datetime(2009, 5, 1, 9)
for i, row in enumerate(generate.manifest(data)):
    ws.receive(data / row["file"], sender=row["sender"], round_id=generate.ROUND_ID,
               received_at=at + dt.timedelta(minutes=i))
"""


def ni179(code: Path | None) -> list[str]:
    """The ``ni179`` command (``python -m xl_ni179``, what the installed script runs), of this
    checkout or of ``code`` (put first on the path by ``environment``)."""
    return [sys.executable, "-m", "xl_ni179"]


def environment(tmp: Path, code: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / ("pycache-" + (code.name if code else "this")))
    # Started outside any checkout: the folder a command starts in comes first on its path.
    env["NI179_BENCH_CWD"] = str(tmp)
    if code is not None:
        env["PYTHONPATH"] = str(code)
    return env


def wall(cmd: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    started = time.perf_counter()
    proc = subprocess.run(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=env["NI179_BENCH_CWD"]
    )
    seconds = time.perf_counter() - started
    if proc.returncode not in ok:
        raise SystemExit(
            f"{' '.join(cmd[:6])}... exited {proc.returncode}:\n{proc.stderr.decode()[-2000:]}"
        )
    return seconds


def tree_peak(cmd: list[str], env: dict[str, str], interval: float = 0.05) -> dict[str, Any]:
    """Run ``cmd``; the largest summed RSS of it and its descendants, and each one's own peak."""
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=env["NI179_BENCH_CWD"],
    )
    peak, hwm, names = 0, {}, {}
    started = time.perf_counter()
    while proc.poll() is None:
        pids = [proc.pid, *common.descendants(proc.pid)]
        peak = max(peak, sum(common.rss(pid) for pid in pids))
        for pid in pids:
            hwm[pid] = max(hwm.get(pid, 0), common.hwm(pid))
            names.setdefault(pid, "command" if pid == proc.pid else _role(pid))
        time.sleep(interval)
    return {
        "seconds": time.perf_counter() - started,
        "exit": proc.returncode,
        "tree_peak_mb": peak / common.MB,
        "processes": sorted(
            ((names[pid], mb / common.MB) for pid, mb in hwm.items() if mb), key=lambda x: -x[1]
        ),
    }


def _role(pid: int) -> str:
    try:
        cmd = (
            Path(f"/proc/{pid}/cmdline")
            .read_bytes()
            .replace(b"\0", b" ")
            .decode("utf-8", "replace")
        )
    except OSError:
        return "?"
    for key in ("resource_tracker", "forkserver"):
        if key in cmd:
            return key.replace("_", " ") if key != "forkserver" else "fork server or worker"
    return "child"


def interleaved(
    commands: dict[str, tuple[list[str], dict[str, str], tuple[int, ...]]], runs: int
) -> dict[str, list[float]]:
    for cmd, env, ok in commands.values():
        wall(cmd, env, ok)  # unmeasured: page cache, bytecode, the fork server's imports
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (cmd, env, ok) in commands.items():
            times[name].append(wall(cmd, env, ok))
    return times


def report(
    title: str, times: dict[str, list[float]], floor: str, target: float, cpu: str
) -> dict[str, Any]:
    base = statistics.median(times[floor])
    print(f"\n{title}")
    print(f"  {cpu}")
    out: dict[str, Any] = {"floor": floor, "floor_s": base, "commands": {}}
    for name, values in times.items():
        med = statistics.median(values)
        pairs = statistics.median(v / f for v, f in zip(values, times[floor], strict=True))
        print(
            f"  {med * 1000:8.0f} ms  ({min(values) * 1000:.0f}-{max(values) * 1000:.0f})  "
            f"{med / base:5.2f}x floor (median of per-run ratios {pairs:5.2f}x)  {name}"
        )
        out["commands"][name] = {
            "median_s": med,
            "runs_s": values,
            "ratio": med / base,
            "pair_ratio": pairs,
        }
    first = next(iter(times))
    ratio = out["commands"][first]["ratio"]
    print(
        f"  TARGET {first} <= {target:g}x {floor}: {ratio:.2f}x -> "
        + ("met" if ratio <= target else "NOT met")
    )
    return out


class CpuWatch:
    """How the machine's CPU was shared over a phase: this benchmark's process tree (sampled
    from /proc every 0.1 s, so the commands' workers count), others, the hypervisor."""

    def __enter__(self) -> CpuWatch:
        self.load = os.getloadavg()[0]
        self.sampler = common.TreeSampler(0.1).__enter__()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.sampler.__exit__(None, None, None)
        self.line = (
            self.sampler.cpu_line()
            + f"; load average {self.load:.2f} before, {os.getloadavg()[0]:.2f} after"
        )


def workspace_for(data: Path, folder: Path, code: Path | None = None) -> Path:
    """A workspace for the data set's organisations from which their templates were issued,
    as the consolidator's is (``ni179 init``, then ``ni179 templates``; not timed)."""
    for step in (
        ["init", "--config", str(data / "config.toml")],
        [
            "templates",
            "--round",
            ROUND_ID,
            "--out",
            str(folder.parent / f"{folder.name}-templates"),
        ],
    ):
        subprocess.run(
            [*ni179(code), "--workspace", str(folder), *step], check=True, capture_output=True
        )
    return folder


def received_workspace(data: Path, folder: Path) -> Path:
    """A workspace holding every return of ``data``, each received (not timed)."""
    subprocess.run(
        [
            sys.executable,
            "-c",
            RECEIVE_ALL,
            str(data),
            str(folder),
            str(Path(__file__).resolve().parent),
        ],
        check=True,
        capture_output=True,
    )
    return folder


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=int, default=5, help="measured runs of each command (default 5)"
    )
    parser.add_argument("--n", type=int, default=420, help="returns validated (default 420)")
    parser.add_argument(
        "--memory-n", type=int, default=1000, help="returns for the memory figure (default 1000)"
    )
    parser.add_argument(
        "--consolidate-n",
        type=int,
        default=420,
        help="organisations in the round consolidated beside the demo (default 420)",
    )
    parser.add_argument(
        "--compare", type=Path, help="another checkout of the code, timed beside this one"
    )
    parser.add_argument(
        "--only",
        choices=("validate", "consolidate", "memory"),
        action="append",
        help="run only these parts (repeatable)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    parts = set(args.only or ("validate", "consolidate", "memory"))
    codes: dict[str, Path | None] = {"": None}
    if args.compare:
        codes[f" [{args.compare}]"] = args.compare.resolve()

    common.print_machine()
    print(f"nproc {os.cpu_count()}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    result: dict[str, Any] = {"machine": common.machine(), "runs": args.runs}
    with tempfile.TemporaryDirectory(prefix="ni179-commands-") as tmp_name:
        tmp = Path(tmp_name)
        envs = {label: environment(tmp, code) for label, code in codes.items()}
        floor_env = environment(tmp, None)
        if "validate" in parts:
            data = generate.ensure_returns(args.n)
            paths = [str(data / row["file"]) for row in generate.manifest(data)][: args.n]
            listing = tmp / "files.txt"
            listing.write_text("\n".join(paths), "utf-8")
            ws = workspace_for(data, tmp / "ws-validate")
            common.warm_page_cache(Path(x) for x in paths)
            commands = {
                f"ni179 validate ({len(paths)} returns){label}": (
                    [
                        *ni179(codes[label]),
                        "--workspace",
                        str(ws),
                        "validate",
                        "--round",
                        ROUND_ID,
                        *paths,
                    ],
                    envs[label],
                    (0, 1),
                )
                for label in codes
            }
            commands["python -c: calamine reads every sheet"] = (
                [sys.executable, "-c", CALAMINE, str(listing)],
                floor_env,
                (0,),
            )
            with CpuWatch() as cpu:
                times = interleaved(commands, args.runs)
            result["validate"] = report(
                f"ni179 validate of {len(paths)} returns, {len(paths)}-organisation "
                f"partnership (median of {args.runs})",
                times,
                "python -c: calamine reads every sheet",
                VALIDATE_RATIO,
                cpu.line,
            )
        if "consolidate" in parts:
            from xl_ni179.demo.run import run_demo

            demo = tmp / "demo" / "workspace"
            run_demo(demo, tmp / "demo")
            data = generate.ensure_returns(args.consolidate_n)
            big = received_workspace(data, tmp / "ws-consolidate")
            n = args.consolidate_n
            commands = {}
            for label in codes:
                commands[f"ni179 consolidate ({n}-organisation round){label}"] = (
                    [
                        *ni179(codes[label]),
                        "--workspace",
                        str(big),
                        "consolidate",
                        "--round",
                        ROUND_ID,
                        "--out",
                        str(tmp / "master-big.xlsx"),
                    ],
                    envs[label],
                    (0,),
                )
            for label in codes:
                commands[f"ni179 consolidate (demo round){label}"] = (
                    [
                        *ni179(codes[label]),
                        "--workspace",
                        str(demo),
                        "consolidate",
                        "--round",
                        ROUND_ID,
                        "--out",
                        str(tmp / "master.xlsx"),
                    ],
                    envs[label],
                    (0,),
                )
            floor = "python -c 'import pandas, openpyxl'"
            commands[floor] = ([sys.executable, "-c", "import pandas, openpyxl"], floor_env, (0,))
            commands["python -c pass (for scale)"] = (
                [sys.executable, "-c", "pass"],
                floor_env,
                (0,),
            )
            # What the command imports before it does any work: how much of the target the
            # libraries it stands on leave for the work.
            commands["python -c: import what consolidate imports (for scale)"] = (
                [sys.executable, "-c", CONSOLIDATE_IMPORTS],
                envs[""],
                (0,),
            )
            with CpuWatch() as cpu:
                times = interleaved(commands, args.runs)
            big_times = {k: v for k, v in times.items() if "demo round" not in k}
            demo_times = {k: v for k, v in times.items() if "-organisation round" not in k}
            result["consolidate_round"] = report(
                f"ni179 consolidate of a {n}-organisation round, every return received (median of {args.runs})",
                big_times,
                floor,
                CONSOLIDATE_ROUND_RATIO,
                cpu.line,
            )
            result["consolidate"] = report(
                f"ni179 consolidate of the demo round (median of {args.runs}, the same runs)",
                demo_times,
                floor,
                CONSOLIDATE_RATIO,
                cpu.line,
            )
        if "memory" in parts:
            data = generate.ensure_returns(args.memory_n)
            paths = [str(data / row["file"]) for row in generate.manifest(data)][: args.memory_n]
            ws = workspace_for(data, tmp / "ws-memory")
            result["memory"] = {}
            print(
                f"\nPeak memory of ni179 validate of {len(paths)} returns (sum of RSS of the command and its "
                "descendants, sampled every 0.05 s; each process's own peak VmHWM)"
            )
            for label in codes:
                with CpuWatch() as cpu:
                    peak = tree_peak(
                        [
                            *ni179(codes[label]),
                            "--workspace",
                            str(ws),
                            "validate",
                            "--round",
                            ROUND_ID,
                            *paths,
                        ],
                        envs[label],
                    )
                ok = peak["tree_peak_mb"] < MEMORY_MB
                print(
                    f"  {peak['tree_peak_mb']:6.0f} MB tree peak in {peak['seconds']:.1f} s (exit {peak['exit']})"
                    f"{label}: " + ", ".join(f"{name} {mb:.0f}" for name, mb in peak["processes"])
                )
                print(f"  {cpu.line}")
                print(f"  TARGET < {MEMORY_MB} MB{label}: " + ("met" if ok else "NOT met"))
                result["memory"][label or "this"] = peak
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str), "utf-8")


if __name__ == "__main__":
    main()
