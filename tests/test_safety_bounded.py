"""The bounded runner: a parser that crashes, hangs or eats memory costs one finding, and
the next file in the same pool is read as usual."""

from __future__ import annotations

import functools
import os
import pickle
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import base_package, hostile_corpus, misbehaving_parsers

from xl_ni179.intake.safety import (
    BoundedPool,
    PoolError,
    inspect_package,
    run_bounded,
)
from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.screen import finding_of


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return base_package.make_base(tmp_path_factory.mktemp("base") / "base.xlsx")


@pytest.fixture(scope="module")
def pool() -> BoundedPool:
    with BoundedPool(workers=2, timeout=20.0, memory_limit=L.MEMORY_LIMIT_BYTES) as pool:
        yield pool


def test_parse_returns_its_value(pool: BoundedPool, base: Path) -> None:
    outcome = pool.run(misbehaving_parsers.sheet_names, base)
    assert outcome.ok and outcome.problems == []
    assert outcome.value == ["Savings", "Notes"]
    assert outcome.path == str(base)


@pytest.mark.parametrize(
    "fn, code",
    [
        (misbehaving_parsers.segfault, "parse-crashed"),
        (misbehaving_parsers.abort, "parse-crashed"),
        (misbehaving_parsers.exit_at_once, "parse-crashed"),
        (misbehaving_parsers.raise_error, "parse-crashed"),
        (misbehaving_parsers.allocate_5gb, "parse-memory"),
        (misbehaving_parsers.allocate_gradually, "parse-memory"),
    ],
)
def test_misbehaving_parser_becomes_a_finding(pool: BoundedPool, base: Path, fn, code) -> None:
    started = time.perf_counter()
    outcome = pool.run(fn, base)
    assert not outcome.ok
    assert outcome.problem.code == code, outcome.detail
    assert time.perf_counter() - started < 10
    assert outcome.detail  # something for the log
    assert pool.run(misbehaving_parsers.sheet_names, base).value == ["Savings", "Notes"]


def test_memory_finding_names_the_limit(pool: BoundedPool, base: Path) -> None:
    outcome = pool.run(misbehaving_parsers.allocate_5gb, base)
    assert f"{L.MEMORY_LIMIT_BYTES // L.MB} MB" in finding_of(outcome.problem).message


def test_worker_killed_while_idle_does_not_blame_the_next_file(base: Path) -> None:
    with BoundedPool(workers=1) as pool:
        pid = pool.run(misbehaving_parsers.worker_pid, base).value
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
        outcome = pool.run(misbehaving_parsers.sheet_names, base)
        assert outcome.ok, outcome.detail
        assert pool.run(misbehaving_parsers.worker_pid, base).value != pid


def test_runs_from_several_threads(pool: BoundedPool, base: Path) -> None:
    with ThreadPoolExecutor(4) as threads:
        outcomes = list(
            threads.map(lambda _: pool.run(misbehaving_parsers.sheet_names, base), range(12))
        )
    assert all(o.value == ["Savings", "Notes"] for o in outcomes)


def test_map_stopped_early_leaves_the_pool_usable(pool: BoundedPool, base: Path) -> None:
    checked = functools.partial(misbehaving_parsers.pause_unless, "first")
    outcomes = pool.map(checked, ["first", "second", "third"], timeout=30)
    assert next(outcomes).value == "first"
    outcomes.close()  # the others are still running: their workers are stopped
    started = time.perf_counter()
    assert [o.ok for o in pool.map(misbehaving_parsers.file_size, [base] * 4)] == [True] * 4
    assert time.perf_counter() - started < 5


def test_segfault_detail_has_the_python_traceback(pool: BoundedPool, base: Path) -> None:
    outcome = pool.run(misbehaving_parsers.segfault, base)
    assert "SIGSEGV" in outcome.detail and "segfault" in outcome.detail


@pytest.mark.slow
def test_hang_is_stopped_at_the_timeout(pool: BoundedPool, base: Path) -> None:
    before = {pool.run(misbehaving_parsers.worker_pid, base).value for _ in range(4)}
    started = time.perf_counter()
    outcome = pool.run(misbehaving_parsers.hang, base, timeout=1.0)
    assert outcome.problem.code == "parse-timeout"
    assert "1 seconds" in finding_of(outcome.problem).message
    assert 1.0 <= time.perf_counter() - started < 5
    after = {pool.run(misbehaving_parsers.worker_pid, base).value for _ in range(4)}
    assert after - before  # the hung worker was replaced
    assert pool.run(misbehaving_parsers.sheet_names, base).ok


@pytest.mark.slow
def test_calamine_abort_on_a_far_cell_is_contained(
    pool: BoundedPool, base: Path, tmp_path: Path
) -> None:
    """python-calamine sizes its grid from the cells: XFD1048576 makes it abort the process."""
    cases = {p.name: p for p, _ in hostile_corpus.build_corpus(base, tmp_path)}
    outcome = pool.run(misbehaving_parsers.calamine_rows, cases["xfd-honest-dimension.xlsx"])
    assert outcome.problem.code == "parse-memory", outcome.detail
    assert pool.run(misbehaving_parsers.calamine_rows, base).value == [8, 1]


def test_workers_are_recycled_after_max_tasks(base: Path) -> None:
    with BoundedPool(workers=1, max_tasks=2) as pool:
        pids = [pool.run(misbehaving_parsers.worker_pid, base).value for _ in range(4)]
    assert pids[0] == pids[1] != pids[2] == pids[3]


@pytest.mark.slow
def test_map_keeps_order_and_runs_inspection_in_workers(
    pool: BoundedPool, base: Path, tmp_path: Path
) -> None:
    # The cases whose problem is in the package (the reader finds the others, in the cells).
    built = [
        (p, code)
        for p, code in hostile_corpus.build_corpus(base, tmp_path)
        if p.name not in hostile_corpus.IN_CELLS
    ]
    outcomes = list(pool.map(inspect_package, [p for p, _ in built]))
    assert [o.path for o in outcomes] == [str(p) for p, _ in built]
    for outcome, (_, code) in zip(outcomes, built, strict=True):
        assert outcome.ok, outcome.detail
        assert code in [f.code for f in outcome.value]


@pytest.mark.slow
def test_one_shot(base: Path) -> None:
    assert run_bounded(misbehaving_parsers.file_size, base).value == os.path.getsize(base)
    assert run_bounded(misbehaving_parsers.hang, base, timeout=0.5).problem.code == "parse-timeout"


def test_function_must_be_importable(pool: BoundedPool, base: Path) -> None:
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pool.run(lambda path: path, base)


def test_function_a_worker_cannot_import_is_an_error_not_a_finding(
    pool: BoundedPool, base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A running worker, started before the module exists.
    pool.run(misbehaving_parsers.file_size, base)
    (tmp_path / "only_in_parent.py").write_text("def size(path):\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import only_in_parent

    with pytest.raises(PoolError, match="cannot load"):
        pool.run(only_in_parent.size, base)
    assert pool.run(misbehaving_parsers.file_size, base).ok


def test_overhead_per_file_is_small(pool: BoundedPool, base: Path) -> None:
    pool.run(misbehaving_parsers.file_size, base)  # warm both workers' imports
    paths = [base] * 400
    started = time.perf_counter()
    outcomes = list(pool.map(misbehaving_parsers.file_size, paths))
    per_file = (time.perf_counter() - started) / len(paths)
    assert all(o.ok for o in outcomes)
    assert per_file < 0.005, f"{per_file * 1000:.2f} ms per file"
