"""Helpers shared by the benchmarks: timing, memory of a process tree, the machine, worker functions.

Memory is read from Linux's /proc: VmRSS (resident now) and VmHWM (the process's own peak
resident set, the same figure as ``getrusage(RUSAGE_SELF).ru_maxrss``). A sum of RSS over
several processes counts shared pages (forked code, the page cache of mapped files) once
per process, so it is an upper bound of the memory the tree really uses.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import resource
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MB = 1024 * 1024
_FILE_RE = re.compile(r"^NI179_(.+?)_(.+?)(?:_v\d+)?\.xlsx$")


# --- memory ----------------------------------------------------------------------------------------


def _status(pid: int, key: str) -> int | None:
    """A 'kB' line of /proc/<pid>/status, in bytes (None once the process is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


def rss(pid: int | None = None) -> int:
    return _status(pid or os.getpid(), "VmRSS") or 0


def hwm(pid: int | None = None) -> int:
    return _status(pid or os.getpid(), "VmHWM") or 0


def descendants(pid: int | None = None) -> list[int]:
    """Every live process below ``pid`` (default: this one), found from /proc/*/stat."""
    pid = pid or os.getpid()
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        try:
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None = None) -> float | None:
    """User + system CPU seconds a process has used so far (None once it is gone)."""
    try:
        with open(f"/proc/{pid or os.getpid()}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, ValueError, IndexError):
        return None


def machine_cpu() -> dict[str, float]:
    """Core-seconds the whole machine has spent busy, idle and stolen (by the hypervisor), from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as fh:
        values = [int(x) for x in fh.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (values + [0] * 8)[:8]
    return {
        "busy": (user + nice + system + irq + softirq) / _TICK,
        "idle": (idle + iowait) / _TICK,
        "steal": steal / _TICK,
    }


def cpu_share_line(
    ours: float, first: dict[str, float], last: dict[str, float], wall: float
) -> str:
    busy = last["busy"] - first["busy"]
    steal = last["steal"] - first["steal"]
    idle = last["idle"] - first["idle"]
    others = max(0.0, busy - ours)
    return (
        f"CPU over {wall:.1f} s x {os.cpu_count()} cores: this benchmark {ours:.1f} core-s, other processes "
        f"{others:.1f} core-s, stolen by the hypervisor {steal:.1f}, idle {idle:.1f}"
    )


def maxrss_mb() -> tuple[float, float]:
    """(this process, the largest waited-for child) peak RSS in MB, from getrusage (kB on Linux)."""
    return (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    )


class TreeSampler:
    """Samples the summed RSS of this process and its descendants in a thread.

    ``peak`` is the largest sum seen; ``hwm`` holds each process's own peak (VmHWM) as last
    read, so a process's peak between two samples is not lost. Call ``final()`` while the
    processes of interest are still alive.
    """

    def __init__(self, interval: float | None = 0.1) -> None:
        self.interval = interval
        self.peak = 0
        self.hwm: dict[int, int] = {}
        self.names: dict[int, str] = {}
        self.cpu_first: dict[int, float] = {}
        self.cpu_last: dict[int, float] = {}
        self.machine_first: dict[str, float] = {}
        self.machine_last: dict[str, float] = {}
        self.started = self.ended = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-sampler", daemon=True)

    def __enter__(self) -> TreeSampler:
        self.started = time.perf_counter()
        self.machine_first = machine_cpu()
        self.sample(first=True)
        if self.interval:  # None: only a first and a last sample (no thread competing for the GIL)
            self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        if not self.ended:
            self.final()

    def sample(self, first: bool = False) -> None:
        total = 0
        for pid in [os.getpid(), *descendants()]:
            now = rss(pid)
            total += now
            cpu = cpu_seconds(pid)
            if cpu is not None:
                if first:
                    self.cpu_first[pid] = cpu
                self.cpu_last[pid] = max(self.cpu_last.get(pid, 0.0), cpu)
            peak = hwm(pid)
            if peak:
                self.hwm[pid] = max(self.hwm.get(pid, 0), peak)
                if pid not in self.names:
                    self.names[pid] = _process_name(pid)
        self.peak = max(self.peak, total)

    def final(self) -> None:
        """Take the last sample (call while the workers still live) and close the CPU accounts."""
        self.sample()
        self.machine_last = machine_cpu()
        self.ended = time.perf_counter()

    def cpu_line(self) -> str:
        """How the machine's CPU was shared during the sampled phase: us, others, the hypervisor."""
        ours = sum(last - self.cpu_first.get(pid, 0.0) for pid, last in self.cpu_last.items())
        return cpu_share_line(
            ours, self.machine_first, self.machine_last, self.ended - self.started
        )

    def _run(self) -> None:
        while not self._stop.wait(self.interval or 1.0):
            self.sample()

    def per_process(self) -> list[tuple[int, str, float]]:
        return [(pid, self.names.get(pid, "?"), self.hwm[pid] / MB) for pid in self.hwm]


def _process_name(pid: int) -> str:
    if pid == os.getpid():
        return "parent"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return "?"
    if "resource_tracker" in cmd:
        return "resource tracker"
    if "forkserver" in cmd and _parent(pid) == os.getpid():
        return "forkserver"  # its children (the workers) carry the same command line
    return "worker"


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


# --- timing and printing ----------------------------------------------------------------------------


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def warm_page_cache(paths: Iterable[Path]) -> int:
    """Read every file once so that every timed pass reads from memory, not disk."""
    total = 0
    for path in paths:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                total += len(chunk)
    return total


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            memory = int(fh.readline().split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cores": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)),
        "cpu": model,
        "memory_gb": round(memory / 1024**3, 1),
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "platform": platform.platform(),
    }


def print_machine() -> None:
    m = machine()
    print(
        f"Machine: {m['affinity']} of {m['cores']} cores usable, {m['cpu']}, {m['memory_gb']} GB RAM, "
        f"Python {m['python']}, {m['platform']}, {m['date']}"
    )


def print_profile(profile: Any, limit: int = 15, title: str = "", prefix_filter: str = "") -> None:
    """The top functions of a cProfile run, by cumulative and by own time, paths shortened."""
    import io
    import pstats

    for key, label in (("cumulative", "cumulative time"), ("tottime", "own time")):
        stream = io.StringIO()
        stats = pstats.Stats(profile, stream=stream)
        stats.sort_stats(key)
        if prefix_filter:
            stats.print_stats(prefix_filter, limit)
        else:
            stats.print_stats(limit)
        text = stream.getvalue()
        root = str(Path(__file__).resolve().parent.parent) + "/"
        text = text.replace(root, "")
        text = re.sub(r"/\S*/lib/python3\.\d+/(site-packages/)?", "", text)
        body = text[text.find("   ncalls") :] if "   ncalls" in text else text
        print(f"--- {title} top {limit} by {label} ---")
        print(body.rstrip())


# --- worker side: validation -----------------------------------------------------------------------

_PARTNERSHIPS: dict[str, Any] = {}


def partnership(config: str, fresh: bool = False) -> Any:
    """The partnership in ``config``, parsed once per process (``fresh``: a new, uncached instance)."""
    from xl_ni179.partnership import load_partnership

    if fresh:
        return load_partnership(config)
    if config not in _PARTNERSHIPS:
        _PARTNERSHIPS[config] = load_partnership(config)
    return _PARTNERSHIPS[config]


def sender_for(p: Any, path: str) -> str | None:
    """The organisation's own address, read from the generated file name (NI179_<org>_<round>.xlsx)."""
    match = _FILE_RE.match(os.path.basename(path))
    org = p.find_organisation(match.group(1)) if match else None
    return org.emails[0] if org and org.emails else None


def in_process_validator() -> Any:
    """The library's whole check of one file in the calling process.

    ``validate_in_process`` where the library has it (``validate_file`` then hands each file to
    a worker pool); otherwise ``validate_file``, which then still ran in the calling process.
    """
    from xl_ni179.intake import validate

    return getattr(validate, "validate_in_process", None) or validate.validate_file


def counts(report: Any) -> tuple[bool, tuple[str, ...], tuple[str, ...]]:
    """What is kept of a report: (valid, finding codes, unexplained warning codes)."""
    return (
        report.valid,
        tuple(f.code for f in report.findings),
        tuple(f.code for f in report.findings if f.severity == "warning" and not f.explained),
    )


def validate_path(config: str, path: str) -> tuple[bool, tuple[str, ...], tuple[str, ...]]:
    """The whole check of one file in this process; only counts go back."""
    p = partnership(config)
    return counts(in_process_validator()(p, path, sender=sender_for(p, path)))


class Tally:
    """What a validation pass found, as counts only (no report is kept)."""

    def __init__(self) -> None:
        self.files = 0
        self.valid = 0
        self.codes: Counter[str] = Counter()
        self.unexplained: Counter[str] = Counter()

    def add(self, valid: bool, codes: Iterable[str], unexplained: Iterable[str]) -> None:
        self.files += 1
        self.valid += bool(valid)
        self.codes.update(codes)
        self.unexplained.update(unexplained)

    def merge(self, other: Tally) -> None:
        self.files += other.files
        self.valid += other.valid
        self.codes.update(other.codes)
        self.unexplained.update(other.unexplained)

    def line(self) -> str:
        codes = (
            ", ".join(
                f"{code} {n}"
                + (f" ({self.unexplained[code]} unexplained)" if code in self.unexplained else "")
                for code, n in sorted(self.codes.items())
            )
            or "none"
        )
        return f"{self.valid}/{self.files} valid; findings: {codes}"


_WARMED = False


def init_validator(warm_config: str, warm: list[str], config: str) -> None:
    """Pool initializer: import and exercise the validator on ``warm`` files of another
    partnership, then parse ``config``: the measured run starts warm, with nothing cached for
    its own files."""
    global _WARMED
    validate = in_process_validator()
    throwaway = partnership(warm_config, fresh=True)
    for path in warm:
        validate(throwaway, path, sender=sender_for(throwaway, path))
    partnership(config)  # parsed now, not during the measured run
    _WARMED = True


def ready(seconds: float) -> int:
    """A task that holds a worker for a moment: used to make every worker start before timing."""
    time.sleep(seconds)
    return os.getpid()


def validate_chunk(config: str, paths: list[str]) -> Tally:
    tally = Tally()
    for path in paths:
        tally.add(*validate_path(config, path))
    return tally
