"""The differential test's harness: our verdict on each file against what LibreOffice Calc shows.

For each file: our validator runs on it through the library's batch API, in the bounded
worker pool, as ``ni179 validate`` runs it. Then:

- a file we **accept** is opened in Calc (one Calc for all files, through UNO:
  ``calc_inputs.py``) and every input of the return is compared with what we recorded:
  its kind (number, text, blank, formula), its value, and the string Calc shows for it (a
  number format can show a date, a percentage or other words for the figure). Any
  difference is a failure. So is accepting a file whose mutation put a live formula in it,
  and accepting a file Calc cannot open;
- a file we **reject** must be rejected with a named finding: no crash (``parse-crashed``),
  no hang (``parse-timeout``), no code that is not a rule, and no bare "damaged and cannot
  be read" (``corrupt-file``) for a file Calc opens with the return's sheets (that file is
  not damaged: the finding must say what is wrong with it).

Run by hand on a folder of files (a folder ``mutations.generate`` wrote names each file's
mutation in ``mutants.json``)::

    .venv/bin/python tests/helpers/differential.py FOLDER [--workspace WS]
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import selectors
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (
    None,
    "",
):  # run as a script: the test helpers' own imports need tests/ on the path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers.mutations import Mutant, load_manifest
from helpers.realprograms import SYSTEM_PYTHON, ProgramError
from xl_ni179.partnership import Partnership
from xl_ni179.rules import RULES
from xl_ni179.rules.findings import Report
from xl_ni179.spec.schema import DATE, SHEETS, Field, build_schema

DRIVER = Path(__file__).with_name("calc_inputs.py")
OPEN_TIMEOUT = 60.0  # seconds Calc may take over one file
START_TIMEOUT = 120.0  # to start and open the first
GENERIC = "corrupt-file"
CRASH, HANG = "parse-crashed", "parse-timeout"


@dataclass
class Verdict:
    mutant: Mutant
    report: Report
    outcome: str  # agreed, rejected, damaged | failures: disagreed, accepted-live, calc-refused, crash, hang,
    #               unnamed, generic
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome not in ("agreed", "rejected", "damaged")

    def line(self) -> str:
        return f"{self.outcome}: {self.mutant.describe()}\n      {self.detail}"


@dataclass
class Result:
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def failures(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.failed]

    def summary(self) -> str:
        n = Counter(v.outcome for v in self.verdicts)
        accepted = n["agreed"] + n["disagreed"] + n["accepted-live"] + n["calc-refused"]
        rejected = len(self.verdicts) - accepted
        named = n["rejected"] + n["damaged"]
        return (
            f"{len(self.verdicts)} mutated files: {accepted} accepted, Calc agreed on {n['agreed']} of {accepted}"
            f" ({n['accepted-live']} accepted with a live formula, {n['calc-refused']} that Calc cannot open); "
            f"{rejected} rejected, {named} with named findings ({n['generic']} only 'damaged' although Calc "
            f"opens them, {n['unnamed']} unnamed), {n['crash']} crashes, {n['hang']} hangs"
        )

    def by_class(self) -> str:
        """The failures, grouped by outcome and mutation class."""
        groups: dict[tuple[str, str], list[Verdict]] = {}
        for v in self.failures:
            groups.setdefault((v.outcome, v.mutant.kind.split(":")[0]), []).append(v)
        lines = []
        for (outcome, kind), items in sorted(groups.items()):
            lines.append(f"{outcome} / {kind}: {len(items)}")
            lines += [f"  {v.mutant.describe()}\n      {v.detail}" for v in items]
        return "\n".join(lines)


# -- Calc, through UNO -----------------------------------------------------------------------


def calc_shows(files: list[Path], cells: list[tuple[str, str]], work: Path) -> dict[Path, dict]:
    """What Calc shows in ``cells`` of each file (see calc_inputs.py); a file that makes Calc
    hang or die gets an ``error`` and Calc is started again for the rest."""
    work.mkdir(parents=True, exist_ok=True)
    remaining = [str(f) for f in files]
    found: dict[str, dict] = {}
    while remaining:
        spec = work / "calc-inputs.json"
        spec.write_text(json.dumps({"cells": cells, "files": remaining}), "utf-8")
        with open(work / "calc-inputs.log", "ab") as log:
            proc = subprocess.Popen(
                [SYSTEM_PYTHON, str(DRIVER), str(spec)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
        opening: str | None = None
        try:
            for message in _lines(proc, first=START_TIMEOUT, rest=OPEN_TIMEOUT):
                if "opening" in message:
                    opening = message["opening"]
                else:
                    found[message["path"]] = message
                    opening = None
        except TimeoutError:
            pass
        finally:
            _end(proc)
        done = [f for f in remaining if f in found]
        if opening is not None and opening not in found:
            found[opening] = {"path": opening, "error": "Calc hung or stopped while opening it"}
        elif not done:
            raise ProgramError(f"LibreOffice Calc did not start: see {work / 'calc-inputs.log'}")
        remaining = [f for f in remaining if f not in found]
    return {Path(k): v for k, v in found.items()}


def _lines(proc: subprocess.Popen, first: float, rest: float):
    """The JSON lines the driver prints, each within its time."""
    assert proc.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    buffer, timeout = b"", first
    while True:
        if not selector.select(timeout):
            raise TimeoutError
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            if line.strip():
                timeout = rest
                yield json.loads(line)


def _end(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # Calc shares the driver's session
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
    if proc.stdout is not None:
        proc.stdout.close()


# -- comparing -------------------------------------------------------------------------------

_EPOCH = dt.date(1899, 12, 30)
_DATE_SHOWN = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%b-%Y", "%d %B %Y", "%d %b %Y")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shown_number(text: str) -> tuple[float, int] | None:
    """A figure as a cell shows it (thousands commas, a £ sign), and its decimals; None if
    what it shows is no plain number (a date, a percentage, words)."""
    plain = text.strip().replace(",", "").replace("£", "").replace("\u00a0", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", plain):
        return None
    return float(plain), len(plain.partition(".")[2])


def _shown_date(text: str) -> dt.date | None:
    for fmt in _DATE_SHOWN:
        try:
            return dt.datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _close(a: float, b: float, tolerance: float = 0.0) -> bool:
    return abs(a - b) <= tolerance + 1e-9 * max(1.0, abs(a), abs(b))


def differences(fields: list[Field], values: dict[str, Any], calc: dict) -> list[str]:
    """Each input where what we recorded is not what Calc shows."""
    out = []
    null = dt.date.fromisoformat(calc.get("null_date", "1899-12-30"))
    for f in fields:
        ours = values.get(f.name)
        shown = calc["cells"].get(f"{f.sheet}!{f.cell}")
        where = f"{f.sheet}!{f.cell} ({f.name})"
        if shown is None:
            out.append(f"{where}: we recorded {ours!r}; Calc has no sheet {f.sheet!r}")
            continue
        kind, string = shown["kind"], shown["string"]
        if kind == "formula":
            out.append(
                f"{where}: we recorded {ours!r}; Calc holds the formula {shown.get('formula')!r} "
                f"showing {string!r}"
            )
        elif ours is None or ours == "":
            if not (
                kind == "empty" or (kind == "text" and shown.get("text") == "" and string == "")
            ):
                out.append(f"{where}: we recorded it blank; Calc shows {string!r} ({kind})")
        elif _number(ours) or isinstance(ours, bool):
            if kind != "value":
                out.append(
                    f"{where}: we recorded the number {ours!r}; Calc holds {kind} {string!r}"
                )
            elif f.type == DATE:
                ours_date = _EPOCH + dt.timedelta(days=math.floor(float(ours)))
                calc_date = null + dt.timedelta(days=math.floor(shown["value"]))
                if ours_date != calc_date or _shown_date(string) != ours_date:
                    out.append(
                        f"{where}: we recorded {ours_date:%d/%m/%Y}; Calc holds {calc_date:%d/%m/%Y} "
                        f"and shows {string!r}"
                    )
            elif not _close(shown["value"], float(ours)):
                out.append(
                    f"{where}: we recorded {ours!r}; Calc holds {shown['value']!r} (shows {string!r})"
                )
            elif not isinstance(ours, bool):
                parsed = _shown_number(string)
                if parsed is None or not _close(parsed[0], float(ours), 0.5 * 10 ** -parsed[1]):
                    out.append(
                        f"{where}: we recorded {ours!r}; Calc shows it as {string!r} "
                        f"(number format {shown.get('format')!r})"
                    )
        elif kind != "text" or shown.get("text") != ours:
            out.append(
                f"{where}: we recorded the text {ours!r}; Calc holds {kind} {shown.get('text', string)!r}"
            )
        elif string != ours:
            out.append(
                f"{where}: we recorded {ours!r}; Calc shows it as {string!r} "
                f"(number format {shown.get('format')!r})"
            )
    return out


def _sound_in_calc(calc: dict | None) -> bool:
    """Calc opened the file and found the return's sheets in it."""
    return bool(calc) and "error" not in calc and set(SHEETS) <= set(calc.get("sheets", []))


# -- the run -------------------------------------------------------------------------------


def judge(p: Partnership, mutants: list[Mutant], work: Path, *, pool: Any = None) -> Result:
    from xl_ni179.intake.batch import validate_files

    reports = list(validate_files(p, [m.path for m in mutants], pool=pool))
    rounds = {r.id: build_schema(p, r).fields for r in p.rounds}
    cells = sorted({(f.sheet, f.cell) for fields in rounds.values() for f in fields})
    to_open = [
        m.path
        for m, r in zip(mutants, reports, strict=True)
        if r.valid or {f.code for f in r.errors} == {GENERIC}
    ]
    calc = calc_shows(to_open, cells, work) if to_open else {}
    result = Result()
    for m, report in zip(mutants, reports, strict=True):
        codes = {f.code for f in report.findings}
        shown = calc.get(m.path)
        if report.valid:
            if m.must_reject:
                verdict = Verdict(m, report, "accepted-live", m.must_reject)
            elif not shown or "error" in shown:
                verdict = Verdict(
                    m, report, "calc-refused", (shown or {}).get("error", "not opened")
                )
            else:
                fields = rounds.get(report.round_id or "", [])
                diffs = differences(list(fields), report.values, shown)
                verdict = Verdict(
                    m, report, "disagreed" if diffs else "agreed", "; ".join(diffs[:4])
                )
        elif CRASH in codes:
            verdict = Verdict(m, report, "crash", _errors(report))
        elif HANG in codes:
            verdict = Verdict(m, report, "hang", _errors(report))
        elif codes - set(RULES):
            verdict = Verdict(m, report, "unnamed", ", ".join(sorted(codes - set(RULES))))
        elif {f.code for f in report.errors} == {GENERIC}:
            verdict = Verdict(
                m, report, "generic" if _sound_in_calc(shown) else "damaged", _errors(report)
            )
        else:
            verdict = Verdict(m, report, "rejected", _errors(report))
        result.verdicts.append(verdict)
    return result


def _errors(report: Report) -> str:
    return "; ".join(f"{f.code}: {f.message}" for f in report.errors[:3])[:600]


def main(argv: list[str] | None = None) -> int:
    import argparse

    from xl_ni179.partnership import load_workspace_partnership

    ap = argparse.ArgumentParser(
        description="Our verdicts on a folder of workbooks against what Calc shows."
    )
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument(
        "--workspace",
        type=Path,
        default=Path("ni179-workspace"),
        help="Its configuration is used (the built-in partnership when it has none).",
    )
    args = ap.parse_args(argv)
    mutants: list[Mutant] = []
    for folder in args.folders:
        known = load_manifest(folder)
        for path in sorted(folder.glob("*.xlsx")):
            mutants.append(known.get(path.name) or Mutant(path, "given", "file", path.name))
    with tempfile.TemporaryDirectory(prefix="ni179-differential-") as work:
        result = judge(load_workspace_partnership(args.workspace), mutants, Path(work))
    print(result.summary())
    if result.failures:
        print(result.by_class())
    return 1 if result.failures else 0


if __name__ == "__main__":
    sys.exit(main())
