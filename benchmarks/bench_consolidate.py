"""How receiving returns into a store and building the master workbook grow with the round's size.

    .venv/bin/python benchmarks/bench_consolidate.py --sizes 13 100 1000

For each size N: a synthetic partnership of N organisations and one valid return from each
(generated once and cached, see generate.py), then, in a fresh process per size so that
each peak memory is its own:

1. ``Workspace.init`` of a fresh store with that configuration;
2. ``ws.receive(file, sender=..., round_id=...)`` for every return, one after another, as
   ``ni179 receive`` or the mail intake do (each timed: the first and last tenth are
   compared, to show whether a receipt slows down as the store fills);
3. ``consolidate_round(ws, round, master.xlsx, summary.json)``, timed whole and, in a
   separate pass, step by step (status, accepted returns, summary, master workbook).

``--profile`` runs each size under cProfile and prints the top functions of the receive
loop and of the consolidation (the times printed are then inflated by the profiler).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import generate

RESULT = "RESULT "


def write_sheets(summary: Any, out: Path) -> dict[str, float]:
    """write_consolidation, one sheet writer at a time (as it composes them): seconds per sheet."""
    from xl_ni179.consolidate import master

    writers = getattr(master, "SHEET_WRITERS", None)
    if writers is None:  # another layout of the module: time it whole
        started = time.perf_counter()
        master.write_consolidation(summary, out)
        return {"write_consolidation": time.perf_counter() - started}
    if not hasattr(master, "record_sheet"):  # before issue 20: the writers filled openpyxl sheets
        return _write_openpyxl_sheets(master, writers, summary, out)
    import datetime as dt

    from xl_ni179.consolidate.sheet import Sheet, fit_columns, print_ready
    from xl_ni179.consolidate.xlsxwriting import write_workbook

    seconds: dict[str, float] = {}
    printing = "print set-up (row heights, column widths, page breaks)"
    sheets = []
    for name, writer in writers.items():
        started = time.perf_counter()
        sheet = Sheet(name)
        writer(sheet, summary)
        seconds[name] = time.perf_counter() - started
        started = time.perf_counter()
        fit_columns(sheet)
        print_ready(sheet, master.PAGES[name])
        seconds[printing] = seconds.get(printing, 0.0) + time.perf_counter() - started
        sheets.append(sheet)
    started = time.perf_counter()
    write_workbook(sheets, out, title="", author="", created=dt.datetime(2009, 4, 1))
    seconds["write (XlsxWriter streams every sheet)"] = time.perf_counter() - started
    return seconds


def _write_openpyxl_sheets(
    master: Any, writers: dict[str, Any], summary: Any, out: Path
) -> dict[str, float]:
    from openpyxl import Workbook

    seconds: dict[str, float] = {}
    wb = Workbook()
    wb.remove(wb.active)
    pages = getattr(master, "PAGES", None)  # the print set-up, where the module has one
    printing = "print set-up (row heights, column widths, page breaks)"
    for name, writer in writers.items():
        started = time.perf_counter()
        ws = wb.create_sheet(name)
        writer(ws, summary)
        seconds[name] = time.perf_counter() - started
        if pages is not None:
            started = time.perf_counter()
            master.fit_columns(ws)
            master.print_ready(ws, pages[name])
            seconds[printing] = seconds.get(printing, 0.0) + time.perf_counter() - started
    started = time.perf_counter()
    wb.save(out)
    seconds["save (openpyxl serialises every sheet)"] = time.perf_counter() - started
    return seconds


def run_one(data: Path, work: Path, profile: bool, top: int) -> dict[str, Any]:
    """Everything for one size, in this (fresh) process."""
    import cProfile

    from xl_ni179.consolidate.run import consolidate_round
    from xl_ni179.store.workspace import Workspace

    rows = generate.manifest(data)
    started = time.perf_counter()
    ws = Workspace.init(work / "ws", data / "config.toml")
    init_s = time.perf_counter() - started
    hwm_init = common.hwm() / common.MB
    rnd = ws.partnership.round(generate.ROUND_ID)
    received_at = dt.datetime(2009, 5, 1, 9)
    prof = cProfile.Profile() if profile else None
    per_return: list[float] = []
    outcomes: dict[str, int] = {}
    if prof:
        prof.enable()
    with common.TreeSampler() as sampler:  # receive may validate in worker processes
        started = time.perf_counter()
        for i, row in enumerate(rows):
            t0 = time.perf_counter()
            receipt = ws.receive(
                data / row["file"],
                sender=row["sender"],
                round_id=rnd.id,
                received_at=received_at + dt.timedelta(minutes=i),
            )
            per_return.append(time.perf_counter() - t0)
            outcomes[receipt.outcome] = outcomes.get(receipt.outcome, 0) + 1
        receive_s = time.perf_counter() - started
        sampler.final()
    if prof:
        prof.disable()
        common.print_profile(prof, top, f"receive x{len(rows)}:")
    hwm_receive = common.hwm() / common.MB
    rss_receive = common.rss() / common.MB

    now = dt.datetime(2009, 5, 20, 9)
    out = work / "out"
    # Consolidation imports its modules on first use: timed on its own so the per-return figures are not
    # skewed by a constant (bench_startup.py measures start-up).
    started = time.perf_counter()
    import xl_ni179.consolidate  # noqa: F401

    import_s = time.perf_counter() - started
    prof = cProfile.Profile() if profile else None
    if prof:
        prof.enable()
    with common.TreeSampler(None) as consolidate_cpu:
        started = time.perf_counter()
        summary = consolidate_round(ws, rnd.id, out / "master.xlsx", out / "summary.json", now=now)
        consolidate_s = time.perf_counter() - started
    if prof:
        prof.disable()
        common.print_profile(prof, top, "consolidate_round:")
    hwm_consolidate = common.hwm() / common.MB
    received = len(summary.to_json()["received"])

    # The same work again, step by step (as consolidate_round composes it), to see which step grows.
    from xl_ni179.consolidate import build_summary

    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    statuses = ws.status(rnd.id, now=now)
    t1 = time.perf_counter()
    returns = ws.accepted_returns(rnd.id)
    t2 = time.perf_counter()
    summary = build_summary(ws.partnership, rnd, statuses, returns)
    t3 = time.perf_counter()
    sheets = write_sheets(summary, out / "master-again.xlsx")
    t4 = time.perf_counter()
    json.dumps(summary.to_json(), default=str)
    t5 = time.perf_counter()
    steps = {
        "ws.status": t1 - t0,
        "ws.accepted_returns": t2 - t1,
        "build_summary": t3 - t2,
        "write_consolidation": t4 - t3,
        "summary.to_json": t5 - t4,
    }
    tenth = max(1, len(per_return) // 10)
    return {
        "n": len(rows),
        "init_s": init_s,
        "import_s": import_s,
        "receive_s": receive_s,
        "consolidate_s": consolidate_s,
        "first_tenth_ms": sum(per_return[:tenth]) / tenth * 1000,
        "last_tenth_ms": sum(per_return[-tenth:]) / tenth * 1000,
        "outcomes": outcomes,
        "received_in_summary": received,
        "steps": steps,
        "hwm_init_mb": hwm_init,
        "hwm_receive_mb": hwm_receive,
        "rss_after_receive_mb": rss_receive,
        "receive_tree_peak_mb": sampler.peak / common.MB,
        "receive_processes": sampler.per_process(),
        "receive_cpu": sampler.cpu_line(),
        "consolidate_cpu": consolidate_cpu.cpu_line(),
        "hwm_consolidate_mb": hwm_consolidate,
        "peak_mb": common.maxrss_mb()[0],
        "master_kb": (out / "master.xlsx").stat().st_size / 1024,
        "store_kb": sum(f.stat().st_size for f in (work / "ws").rglob("*") if f.is_file()) / 1024,
        "profiled": profile,
        "sheets": sheets,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[13, 100, 1000],
        metavar="N",
        help="round sizes: organisations = returns (default 13 100 1000)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--laa-size",
        type=int,
        default=generate.AREA_SIZE,
        help=f"organisations per LAA (default {generate.AREA_SIZE}: one per area, so the number "
        "of agreements, and the master's Savings sheet width, grow with N)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the receive loop and the consolidation"
    )
    parser.add_argument(
        "--top", type=int, default=20, help="functions shown per profile (default 20)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # internal: run one data set
    args = parser.parse_args(argv)

    if args.one:
        with tempfile.TemporaryDirectory(prefix="ni179-bench-") as work:
            result = run_one(args.one, Path(work), args.profile, args.top)
        print(RESULT + json.dumps(result), flush=True)
        return

    common.print_machine()
    folders = {n: generate.ensure_returns(n, args.seed, laa_size=args.laa_size) for n in args.sizes}
    results = []
    for n in args.sizes:
        agreements = (folders[n] / "config.toml").read_text("utf-8").count("[[agreements]]")
        print(
            f"\n== N = {n} ({agreements} agreements): receive {n} returns into a fresh store, then consolidate ==",
            flush=True,
        )
        cmd = [sys.executable, __file__, "--one", str(folders[n]), "--top", str(args.top)]
        if args.profile:
            cmd.append("--profile")
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - started
        lines = proc.stdout.splitlines()
        for line in lines:
            if not line.startswith(RESULT):
                print(line)
        if proc.returncode or not lines or not lines[-1].startswith(RESULT):
            print(proc.stderr, file=sys.stderr)
            raise SystemExit(f"the run for N={n} failed (exit {proc.returncode})")
        r = json.loads(lines[-1][len(RESULT) :])
        r["process_wall_s"] = wall
        results.append(r)
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in r["steps"].items())
        print(
            f"init {r['init_s']:.2f} s | receive {r['receive_s']:.1f} s = {r['receive_s'] / n * 1000:.0f} ms a "
            f"return (first tenth {r['first_tenth_ms']:.0f} ms, last tenth {r['last_tenth_ms']:.0f} ms) "
            f"| outcomes {r['outcomes']}"
        )
        print(f"import of the consolidation modules {r['import_s']:.2f} s, not counted below")
        print(
            f"consolidate_round {r['consolidate_s']:.2f} s = {r['consolidate_s'] / n * 1000:.1f} ms a return "
            f"({r['received_in_summary']} received in the summary); master {r['master_kb']:.0f} kB, "
            f"store {r['store_kb'] / 1024:.1f} MB"
        )
        print(f"  step by step: {steps}")
        print(
            "  write_consolidation by sheet: "
            + ", ".join(f"{k} {v:.2f} s" for k, v in r["sheets"].items())
        )
        print(f"  receive: {r['receive_cpu']}")
        print(f"  consolidate: {r['consolidate_cpu']}")
        print(
            f"peak RSS (VmHWM of the run's process): after init {r['hwm_init_mb']:.0f} MB, after receiving "
            f"{r['hwm_receive_mb']:.0f} MB (RSS then {r['rss_after_receive_mb']:.0f} MB), after consolidating "
            f"{r['hwm_consolidate_mb']:.0f} MB"
        )
        others = [
            f"{name} {mb:.0f} MB" for pid, name, mb in r["receive_processes"] if name != "parent"
        ]
        print(
            f"  while receiving, tree peak (this process and its workers, sampled) {r['receive_tree_peak_mb']:.0f} MB"
            + (f"; children's VmHWM: {', '.join(others)}" if others else "; no child processes"),
            flush=True,
        )

    print("\nHow it grows (per-return cost; 'x' columns compare with the previous size):")
    print(
        f"{'N':>6} {'receive s':>10} {'ms/return':>10} {'x time':>7} {'consol. s':>10} {'ms/return':>10} "
        f"{'x time':>7} {'peak MB':>8} {'MB/return':>10} {'tree MB':>8}"
    )
    previous = None
    for r in results:
        n = r["n"]
        grow_r = f"{r['receive_s'] / previous['receive_s']:.1f}" if previous else "-"
        grow_c = f"{r['consolidate_s'] / previous['consolidate_s']:.1f}" if previous else "-"
        per_mb = (r["peak_mb"] - r["hwm_init_mb"]) / n
        print(
            f"{n:>6} {r['receive_s']:>10.1f} {r['receive_s'] / n * 1000:>10.1f} {grow_r:>7} "
            f"{r['consolidate_s']:>10.2f} {r['consolidate_s'] / n * 1000:>10.2f} {grow_c:>7} "
            f"{r['peak_mb']:>8.0f} {per_mb:>10.2f} {max(r['receive_tree_peak_mb'], r['peak_mb']):>8.0f}"
        )
        if previous:
            print(f"{'':>6} (N grew {n / previous['n']:.1f}x)")
        previous = r
    if args.json:
        args.json.write_text(
            json.dumps({"machine": common.machine(), "results": results}, indent=2), "utf-8"
        )


if __name__ == "__main__":
    main()
