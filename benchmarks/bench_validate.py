"""How long validation takes, against the floor for reading .xlsx in Python (python-calamine).

    .venv/bin/python benchmarks/bench_validate.py --n 1000

Generates (once, cached) ``--n`` returns from as many organisations, then in one run:

1. calamine: read every sheet's values of every file (``CalamineWorkbook.from_path`` and
   ``get_sheet_by_name(name).to_python()``), in this one process: the practical floor;
2. the library on all cores: ``validate_files(p, paths, pool=BoundedPool(--workers))``, the
   safety layer's bounded worker pool, a file per task (the headline figure);
3. the same work in ``--workers`` plain processes (``ProcessPoolExecutor``, chunks of
   ``--chunk`` files, each checked with ``validate_in_process``): what the cores give with no
   per-file dispatch and no worker recycling;
4. ``validate_in_process`` in this one process: cold (each organisation seen for the first
   time, as in a round) and then warm (the same files again, the validator's
   per-organisation template cache filled);
5. (``--breakdown K``) where one file's time goes, stage by stage, on K files;
6. (``--profile K``) cProfile of the in-process check on K files, cold then warm.

Everything is warmed up first on another data set (a 13-organisation partnership), so the
timed runs start with imports done and workers running but nothing cached for their own
files; the files are read once beforehand so every pass reads from the page cache. Only
counts are kept: no workbook or report outlives its file.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import generate

TARGET_RATIO = 4.0
TARGET_MB = 300


def calamine_pass(paths: list[str]) -> tuple[float, int]:
    from python_calamine import CalamineWorkbook

    cells = 0
    started = time.perf_counter()
    for path in paths:
        wb = CalamineWorkbook.from_path(path)
        for name in wb.sheet_names:
            rows = wb.get_sheet_by_name(name).to_python()
            cells += sum(len(row) for row in rows)
    return time.perf_counter() - started, cells


def single_pass(p: Any, paths: list[str]) -> tuple[float, common.Tally]:
    validate = common.in_process_validator()
    tally = common.Tally()
    started = time.perf_counter()
    for path in paths:
        tally.add(*common.counts(validate(p, path, sender=common.sender_for(p, path))))
    return time.perf_counter() - started, tally


def library_pass(
    config: str, paths: list[str], warm_config: str, warm: list[str], workers: int
) -> dict[str, Any] | None:
    """``validate_files`` over a BoundedPool: how the library itself uses the cores."""
    import importlib

    from xl_ni179.intake.safety import BoundedPool

    try:  # intake.batch from the batch split on; intake.validate before it
        validate: Any = importlib.import_module("xl_ni179.intake.batch")
    except ImportError:
        validate = importlib.import_module("xl_ni179.intake.validate")
    if not hasattr(validate, "validate_files"):
        return None
    tally = common.Tally()
    with BoundedPool(workers, preload=["xl_ni179.intake.validate"]) as pool:
        throwaway = common.partnership(warm_config, fresh=True)
        for _ in validate.validate_files(throwaway, warm * workers, pool=pool):
            pass
        p = common.partnership(config, fresh=True)
        with common.TreeSampler() as sampler:
            started = time.perf_counter()
            for report in validate.validate_files(p, paths, pool=pool):
                tally.add(*common.counts(report))
            seconds = time.perf_counter() - started
            sampler.final()
    return {
        "seconds": seconds,
        "tally": tally,
        "tree_peak_mb": sampler.peak / common.MB,
        "processes": sampler.per_process(),
        "cpu": sampler.cpu_line(),
    }


def executor_pass(
    config: str, paths: list[str], warm_config: str, warm: list[str], workers: int, chunk: int
) -> dict[str, Any]:
    """The in-process check in ``workers`` processes, chunks of files per task."""
    ctx = multiprocessing.get_context("forkserver")
    tally = common.Tally()
    with ProcessPoolExecutor(
        workers,
        mp_context=ctx,
        initializer=common.init_validator,
        initargs=(warm_config, warm, config),
    ) as pool:
        started_pool = time.perf_counter()
        pids = {f.result() for f in [pool.submit(common.ready, 0.5) for _ in range(workers)]}
        startup = time.perf_counter() - started_pool
        with common.TreeSampler() as sampler:
            started = time.perf_counter()
            futures = [
                pool.submit(common.validate_chunk, config, paths[i : i + chunk])
                for i in range(0, len(paths), chunk)
            ]
            for future in as_completed(futures):
                tally.merge(future.result())
            seconds = time.perf_counter() - started
            sampler.final()
    return {
        "seconds": seconds,
        "tally": tally,
        "workers_started": len(pids),
        "startup": startup,
        "tree_peak_mb": sampler.peak / common.MB,
        "processes": sampler.per_process(),
        "cpu": sampler.cpu_line(),
    }


def breakdown(config: str, paths: list[str]) -> dict[str, float]:
    """Mean ms per file of each stage of the in-process check, timed separately."""

    from python_calamine import CalamineWorkbook

    from xl_ni179.intake.compiled import return_spec
    from xl_ni179.intake.reader import read_package
    from xl_ni179.intake.screen import file_sha256
    from xl_ni179.intake.validate import validate_workbook
    from xl_ni179.rules.findings import Report

    p = common.partnership(config, fresh=True)
    rnd = p.round(generate.ROUND_ID)
    stages = {
        "calamine read (for scale)": 0.0,
        "file_sha256": 0.0,
        "read_package (the package and its cells, one pass)": 0.0,
        "expected_locked, first time for the org (builds the template in openpyxl)": 0.0,
        "validate_workbook, template cache warm (rules, names, locked cells)": 0.0,
    }
    keys = list(stages)
    for path in paths:
        t0 = time.perf_counter()
        wb = CalamineWorkbook.from_path(path)
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
        t1 = time.perf_counter()
        file_sha256(Path(path))
        t2 = time.perf_counter()
        raw = read_package(path).workbook
        assert raw is not None, path
        t4 = time.perf_counter()
        org = raw.value("_meta", "B4")
        return_spec(p, rnd.id).expected_locked(str(org))
        t5 = time.perf_counter()
        validate_workbook(p, raw, Report(file=path), sender=common.sender_for(p, path))
        t6 = time.perf_counter()
        for key, seconds in zip(keys, (t1 - t0, t2 - t1, t4 - t2, t5 - t4, t6 - t5), strict=True):
            stages[key] += seconds
    return {k: v / len(paths) * 1000 for k, v in stages.items()}


def profile(config: str, paths: list[str], limit: int) -> None:
    import cProfile

    validate = common.in_process_validator()
    p = common.partnership(config, fresh=True)
    for label in ("cold (each organisation's first file)", "warm (template cache filled)"):
        prof = cProfile.Profile()
        prof.enable()
        for path in paths:
            validate(p, path, sender=common.sender_for(p, path))
        prof.disable()
        common.print_profile(prof, limit, f"{validate.__name__} x{len(paths)}, {label}:")


def memory_line(processes: list[tuple[int, str, float]]) -> str:
    return "per process VmHWM: " + ", ".join(
        f"{name} {mb:.0f} MB" for _, name, mb in sorted(processes, key=lambda x: (x[1], x[0]))
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="returns to validate (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--data", type=Path, help="a folder written by generate.py (default: generated and cached)"
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 2, help="processes (default: all cores)"
    )
    parser.add_argument(
        "--chunk", type=int, default=10, help="files per task in the executor pass (default 10)"
    )
    parser.add_argument(
        "--no-executor", action="store_true", help="skip the ProcessPoolExecutor pass"
    )
    parser.add_argument(
        "--no-warm-pass", action="store_true", help="skip the second (warm cache) single pass"
    )
    parser.add_argument(
        "--breakdown", type=int, default=50, metavar="K", help="time each stage on K files (0: off)"
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="K", help="cProfile the check of K files"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    data = args.data or generate.ensure_returns(args.n, args.seed)
    warm_data = generate.ensure_returns(13, args.seed + 1000)  # another partnership: nothing shared
    rows = generate.manifest(data)[: args.n]
    paths = [str(data / row["file"]) for row in rows]
    config = str(data / "config.toml")
    warm_config = str(warm_data / "config.toml")
    warm = [str(warm_data / row["file"]) for row in generate.manifest(warm_data)]
    n = len(paths)
    common.print_machine()
    size = common.warm_page_cache(Path(x) for x in paths + warm)
    scenarios: dict[str, int] = {}
    for row in rows:
        key = row["scenario"] + (" (explained)" if row["explained"] else "")
        scenarios[key] = scenarios.get(key, 0) + 1
    print(
        f"Data: {n} returns ({size / common.MB:.1f} MB read, {size / n / 1024:.0f} kB each) in {data}"
    )
    print("  generated scenarios: " + ", ".join(f"{k} {v}" for k, v in sorted(scenarios.items())))
    print(
        f"Workers: {args.workers}. Memory from /proc: VmHWM = a process's own peak RSS; 'tree peak' = the "
        "largest sum of RSS over this process and its descendants, sampled every 0.1 s"
    )
    print()

    calamine_pass(warm)
    with common.TreeSampler(None) as cal_cpu:
        cal_s, cells = calamine_pass(paths)
    print(
        f"calamine read, 1 process          {cal_s:8.2f} s {n / cal_s:8.1f} files/s {cal_s / n * 1000:7.2f} ms/file"
        f"   ({cells / n:.0f} cells a file)  [baseline 1.0x]"
    )
    print(f"  {cal_cpu.cpu_line()}")

    lib = library_pass(config, paths, warm_config, warm, args.workers)
    headline = None
    if lib:
        l_s = lib["seconds"]
        headline = ("validate_files, BoundedPool", l_s, lib)
        print(
            f"validate_files, BoundedPool({args.workers})   {l_s:8.2f} s {n / l_s:8.1f} files/s "
            f"{l_s / n * 1000:7.2f} ms/file   ratio {l_s / cal_s:5.1f}x calamine   (sender check off: "
            "validate_files takes one sender for all files)"
        )
        print(f"  found: {lib['tally'].line()}")
        print(f"  {lib['cpu']}")
        print(f"  memory: tree peak {lib['tree_peak_mb']:.0f} MB; {memory_line(lib['processes'])}")
    else:
        print("validate_files: not in this version of the library (skipped)")

    multi = None
    if not args.no_executor:
        multi = executor_pass(config, paths, warm_config, warm, args.workers, args.chunk)
        m_s = multi["seconds"]
        headline = headline or ("ProcessPoolExecutor", m_s, multi)
        print(
            f"ProcessPoolExecutor({args.workers}), chunks  {m_s:8.2f} s {n / m_s:8.1f} files/s "
            f"{m_s / n * 1000:7.2f} ms/file   ratio {m_s / cal_s:5.1f}x calamine   ({args.chunk} files a task)"
        )
        print(f"  found: {multi['tally'].line()}")
        print(f"  {multi['cpu']}")
        print(
            f"  memory: tree peak {multi['tree_peak_mb']:.0f} MB; {memory_line(multi['processes'])}"
        )
    parent_before_single = common.hwm() / common.MB

    common.init_validator(warm_config, warm, config)  # warm this process on the other data set
    p = common.partnership(config, fresh=True)
    before = common.rss() / common.MB
    with common.TreeSampler(None) as single_cpu:
        s_s, s_tally = single_pass(p, paths)
    after_cold = common.rss() / common.MB
    print(
        f"in-process check, 1 process, cold {s_s:8.2f} s {n / s_s:8.1f} files/s {s_s / n * 1000:7.2f} ms/file   "
        f"ratio {s_s / cal_s:5.1f}x calamine   ({common.in_process_validator().__name__})"
    )
    print(f"  found: {s_tally.line()}")
    print(f"  {single_cpu.cpu_line()}")
    print(
        f"  memory: RSS {before:.0f} MB before, {after_cold:.0f} MB after "
        f"(+{after_cold - before:.0f} MB kept by the validator's per-organisation template cache)"
    )
    w_s = None
    if not args.no_warm_pass:
        with common.TreeSampler(None) as warm_cpu:
            w_s, _ = single_pass(p, paths)
        print(
            f"in-process check, 1 process, warm {w_s:8.2f} s {n / w_s:8.1f} files/s {w_s / n * 1000:7.2f} ms/file"
            f"   ratio {w_s / cal_s:5.1f}x calamine   (the same files again: template cache filled)"
        )
        print(f"  {warm_cpu.cpu_line()}")
    self_mb, children_mb = common.maxrss_mb()
    print(
        f"peak RSS (getrusage ru_maxrss): this process {self_mb:.0f} MB over the whole run "
        f"({parent_before_single:.0f} MB before the single-process passes); largest waited-for child "
        f"{children_mb:.0f} MB"
    )

    print()
    name, h_s, h = headline if headline else ("single process", s_s, None)
    ratio = h_s / cal_s
    print(
        f"TARGET ratio <= {TARGET_RATIO:g} with {args.workers} cores ({name}): {ratio:.1f}x -> "
        + ("met" if ratio <= TARGET_RATIO else "NOT met")
    )
    if h:
        print(
            f"TARGET peak memory < {TARGET_MB} MB ({name}, tree peak): {h['tree_peak_mb']:.0f} MB -> "
            + ("met" if h["tree_peak_mb"] < TARGET_MB else "NOT met")
        )
    if w_s:
        print(
            f"  for scale: a perfectly parallel warm-cache run would be {w_s / args.workers / cal_s:.1f}x calamine"
        )

    stages = None
    if args.breakdown:
        k = min(args.breakdown, n)
        stages = breakdown(config, paths[-k:])
        total = sum(v for key, v in stages.items() if not key.startswith("calamine"))
        print()
        print(
            f"Where one file's time goes (mean over {k} files, 1 process; stages timed separately):"
        )
        for key, ms in stages.items():
            share = "" if key.startswith("calamine") else f"{ms / total:6.1%}"
            print(f"  {ms:8.2f} ms  {share:>6}  {key}")
        print(f"  {total:8.2f} ms          total of the validator's stages")
    if args.profile:
        print()
        profile(config, paths[: min(args.profile, n)], 25)
    if args.json:
        result = {
            "machine": common.machine(),
            "n": n,
            "calamine_s": cal_s,
            "library_s": lib["seconds"] if lib else None,
            "library_tree_peak_mb": lib["tree_peak_mb"] if lib else None,
            "executor_s": multi["seconds"] if multi else None,
            "executor_tree_peak_mb": multi["tree_peak_mb"] if multi else None,
            "single_cold_s": s_s,
            "single_warm_s": w_s,
            "ratio": ratio,
            "parent_peak_mb": self_mb,
            "stages_ms": stages,
        }
        args.json.write_text(json.dumps(result, indent=2), "utf-8")


if __name__ == "__main__":
    main()
