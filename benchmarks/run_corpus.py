"""Run ``ni179 validate`` over a folder of odd workbooks and report every file it mishandles.

Public corpora of odd real files (Apache POI's ``test-data/spreadsheet``, calamine's
``tests/``) are not ours to commit: fetch them elsewhere and point this at the folders::

    .venv/bin/python benchmarks/run_corpus.py /work/corpora/poi /work/corpora/calamine

None of those files is a return, so each must be rejected with a named finding. What this
reports, grouped by cause, each with the one-line command that reproduces it:

- crash: the command exited other than 0 or 1, printed a traceback or output that is not
  the JSON it promises, or the bounded worker died on the file (``parse-crashed``);
- hang: the command did not finish within ``--timeout`` seconds per file, or the worker
  was stopped for time (``parse-timeout``);
- accepted: the file was accepted as a return;
- unnamed: a finding whose code is no rule of ours;
- generic: the only reason given is the catch-all ``corrupt-file`` ("damaged and cannot be
  read", with the reader's detail) although the package is sound: its zip reads and every
  XML part is well-formed, so the file opens in Excel and the finding is wrong. The same
  finding on a package that really is damaged is counted as ``damaged`` (correct, listed).

Files are validated in batches (one command per batch, as a consolidator would run it); a
batch that crashes or runs out of time is run again one file at a time to find the file.
Exit status 0 when every file was rejected with a named finding, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERIC = {"corrupt-file"}  # a finding that only says the file could not be read
WORKER_CRASH = {"parse-crashed"}
WORKER_HANG = {"parse-timeout"}
SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xlsb", ".xls", ".ods", ".xlam", ".csv"}


@dataclass
class Outcome:
    file: Path
    cause: str  # ok, damaged, crash, hang, accepted, unnamed, generic
    detail: str = ""
    codes: list[str] = field(default_factory=list)


def rule_codes() -> set[str]:
    sys.path.insert(0, str(ROOT))
    from xl_ni179.rules import RULES

    return set(RULES)


def run(
    command: list[str], files: list[Path], timeout: float
) -> tuple[int | None, str, str, float]:
    """(exit code or None on timeout, stdout, stderr, seconds), the command in its own session
    so a timeout ends everything it started."""
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ni179-corpus-") as cwd:  # no workspace of anyone's
        env = {**os.environ, "NI179_WORKSPACE": str(Path(cwd) / "none")}
        proc = subprocess.Popen(
            [*command, "validate", "--json", *map(str, files)],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            code = None
    return (
        code,
        out.decode("utf-8", "replace"),
        err.decode("utf-8", "replace"),
        time.monotonic() - start,
    )


def judge(
    files: list[Path], code: int | None, out: str, err: str, known: set[str]
) -> list[Outcome] | None:
    """Each file's outcome from one run; None when the run as a whole failed (timeout, crash,
    output that is not JSON) and the files must be tried one by one."""
    if code is None or code not in (0, 1) or "Traceback" in err:
        return None
    try:
        reports = json.loads(out)
    except json.JSONDecodeError:
        return None
    if not isinstance(reports, list) or len(reports) != len(files):
        return None
    outcomes = []
    for file, report in zip(files, reports, strict=True):
        codes = [f["code"] for f in report["findings"]]
        errors = [f for f in report["findings"] if f["severity"] == "error"]
        first = errors[0]["message"] if errors else ""
        if report["valid"]:
            cause, detail = (
                "accepted",
                "; ".join(f"{f['code']}: {f['message']}" for f in report["findings"]),
            )
        elif set(codes) & WORKER_CRASH:
            cause, detail = "crash", first
        elif set(codes) & WORKER_HANG:
            cause, detail = "hang", first
        elif set(codes) - known:
            cause, detail = "unnamed", ", ".join(sorted(set(codes) - known))
        elif {f["code"] for f in errors} <= GENERIC:
            cause, detail = ("damaged" if damaged(file) else "generic"), first
        else:
            cause, detail = "ok", ""
        outcomes.append(Outcome(file, cause, detail, codes))
    return outcomes


def damaged(file: Path) -> bool:
    """Is the package itself broken: a zip that cannot be read (cut short, say), a part whose
    stored checksum fails, or an XML part that is not well-formed; or a compound file (old
    .xls, an encrypted workbook) that olefile cannot follow? Anything else counts as sound."""
    import zipfile

    import olefile
    from lxml import etree

    if olefile.isOleFile(str(file)):
        try:
            olefile.OleFileIO(str(file)).close()
        except Exception:  # noqa: BLE001 - olefile's many ways of saying the file is broken
            return True
        return False

    try:
        with zipfile.ZipFile(file) as zf:
            for info in zf.infolist():
                data = zf.read(info.filename)
                if info.filename.endswith((".xml", ".rels")):
                    etree.fromstring(data, etree.XMLParser(resolve_entities=False, huge_tree=True))
    except zipfile.BadZipFile:
        with open(file, "rb") as f:
            return f.read(4) == b"PK\x03\x04"  # a zip that cannot be read is damaged
    except (OSError, EOFError, ValueError, NotImplementedError, etree.XMLSyntaxError):
        return True
    return False


def failed_alone(file: Path, code: int | None, out: str, err: str, timeout: float) -> Outcome:
    if code is None:
        return Outcome(file, "hang", f"no answer in {timeout:g} s")
    lines = [line for line in err.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else f"output is not the JSON promised: {out[:200]!r}"
    return Outcome(file, "crash", f"exit {code}: {last[:300]}")


def validate_all(
    command: list[str],
    files: list[Path],
    batch: int,
    timeout: float,
    known: set[str],
    progress: bool,
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for start in range(0, len(files), batch):
        chunk = files[start : start + batch]
        code, out, err, _ = run(command, chunk, timeout * len(chunk))
        judged = judge(chunk, code, out, err, known)
        if judged is None:  # find the file: one at a time
            judged = []
            for file in chunk:
                code, out, err, _ = run(command, [file], timeout)
                alone = judge([file], code, out, err, known)
                judged += (
                    alone if alone is not None else [failed_alone(file, code, out, err, timeout)]
                )
        outcomes += judged
        if progress:
            print(f"  {min(start + batch, len(files))}/{len(files)}", file=sys.stderr, flush=True)
    return outcomes


def report(outcomes: list[Outcome], command: list[str], out: list[str]) -> None:
    causes = Counter(o.cause for o in outcomes)
    rejected = sum(1 for o in outcomes if o.cause != "accepted")
    out.append(
        f"{len(outcomes)} files: {rejected} rejected ({causes['ok']} with a named finding, "
        f"{causes['damaged']} damaged, {causes['generic']} only 'could not read' although sound, "
        f"{causes['unnamed']} with an unnamed code), "
        f"{causes['accepted']} accepted, {causes['crash']} crashes, {causes['hang']} hangs"
    )
    codes = Counter(c for o in outcomes if o.cause == "ok" for c in set(o.codes))
    out.append(
        "findings on the files rejected by name: "
        + ", ".join(f"{c} {n}" for c, n in codes.most_common())
    )
    for cause in ("crash", "hang", "accepted", "unnamed", "generic", "damaged"):
        mine = [o for o in outcomes if o.cause == cause]
        if not mine:
            continue
        out.append(f"\n== {cause} ({len(mine)}) ==")
        by_detail: dict[str, list[Outcome]] = defaultdict(list)
        for o in mine:
            by_detail[_shape(o.detail)].append(o)
        for detail, group in sorted(by_detail.items(), key=lambda kv: -len(kv[1])):
            out.append(f"- {detail} ({len(group)} file(s))")
            for o in group:
                out.append(f"    {shlex.join([*command, 'validate', str(o.file)])}")


def _shape(detail: str) -> str:
    """The detail with its file-specific parts taken out, to group files by cause."""
    import re

    shaped = re.sub(r"'[^']*'", "'…'", detail)
    shaped = re.sub(r"\bline \d+, column \d+", "line …, column …", shaped)
    shaped = re.sub(r"\b[A-Z]{1,3}\d+\b", "…", shaped)
    shaped = re.sub(r"\d+", "N", shaped)
    return shaped[:240]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "folders", nargs="+", type=Path, help="Folders of workbooks (searched recursively)."
    )
    ap.add_argument(
        "--ni179", default=str(ROOT / ".venv" / "bin" / "ni179"), help="The command to run."
    )
    ap.add_argument("--timeout", type=float, default=90.0, help="Seconds allowed per file.")
    ap.add_argument("--batch", type=int, default=25, help="Files per command.")
    ap.add_argument(
        "--all-files", action="store_true", help="Every file, not only spreadsheet-like names."
    )
    ap.add_argument("--json-out", type=Path, help="Also write every file's outcome here.")
    ap.add_argument("--quiet", action="store_true", help="No progress on stderr.")
    args = ap.parse_args(argv)
    files = sorted(
        p
        for folder in args.folders
        for p in folder.rglob("*")
        if p.is_file() and (args.all_files or p.suffix.lower() in SUFFIXES)
    )
    command = [args.ni179]
    start = time.monotonic()
    outcomes = validate_all(command, files, args.batch, args.timeout, rule_codes(), not args.quiet)
    lines: list[str] = []
    report(outcomes, command, lines)
    lines.append(f"\n({time.monotonic() - start:.0f} s)")
    print("\n".join(lines))
    if args.json_out:
        args.json_out.write_text(
            json.dumps(
                [
                    {"file": str(o.file), "cause": o.cause, "detail": o.detail, "codes": o.codes}
                    for o in outcomes
                ],
                indent=1,
            ),
            "utf-8",
        )
    return 0 if all(o.cause in ("ok", "damaged") for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
