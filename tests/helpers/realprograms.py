"""Returns saved by real spreadsheet programs, built from our own templates.

Four ways a return reaches us that our openpyxl-filled returns never show:

- ``calc-typed``: a person types the inputs into the blank template in LibreOffice Calc
  (through UNO, cell by cell) and saves it as .xlsx;
- ``calc-resaved``: a filled return opened and saved again by LibreOffice;
- ``gnumeric``: a filled return converted by Gnumeric's ``ssconvert``;
- ``excel-respelt``: a filled return with every re-spelling Excel is known to make
  (``helpers.excel_respelling``; Excel itself cannot run here).

Also the tampering a partner might do inside such a file, in the file's own spelling.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from helpers.excel_respelling import respell
from helpers.libreoffice import convert
from helpers.ooxml import MAIN, NS, Package
from xl_ni179.spec.schema import DATE, GAINS, Schema

SYSTEM_PYTHON = "/usr/bin/python3"
TYPIST = Path(__file__).with_name("calc_typist.py")
PROGRAMS = ("calc-typed", "calc-resaved", "gnumeric", "excel-respelt")
CALC_TIMEOUT = 240.0
UNO_HINT = (
    "Python UNO for LibreOffice is not installed: run `apt-get install python3-uno` "
    "(scripts/setup.sh does); it must import under /usr/bin/python3."
)
GNUMERIC_HINT = (
    "Gnumeric's ssconvert is not installed: run `apt-get install gnumeric` (scripts/setup.sh does)."
)


class ProgramError(RuntimeError):
    pass


def system_uno() -> bool:
    """True when the system Python can drive LibreOffice through UNO."""
    if not Path(SYSTEM_PYTHON).exists():
        return False
    done = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, timeout=60)
    return done.returncode == 0


def ssconvert() -> str | None:
    return shutil.which("ssconvert")


# -- typing in Calc -------------------------------------------------------------------------


def typed_text(value: Any) -> str:
    """What a person types for ``value``: 63.5, 32 (not 32.0), -4, 2009-05-12, N/A."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        text = repr(float(value))
        if "e" in text:
            raise ValueError(f"{value!r} is not a figure a person would type")
        return text.removesuffix(".0")
    return str(value)


def typed_cells(schema: Schema, data: Mapping[str, Any]) -> list[list[str]]:
    """[sheet, cell, text] for every input a person fills, in the order the form reads."""
    cells = []
    for f in schema.fields:
        value = data.get(f.name)
        if value is None:
            continue  # left blank
        if f.type == DATE and isinstance(value, str):
            # The date cell is a text cell: what a person types there stays text. UNO's setFormula
            # ignores the cell's format, so the quote a person could type makes it text here too.
            cells.append([f.sheet, f.cell, "'" + value])
        else:
            cells.append([f.sheet, f.cell, typed_text(value)])
    return cells


@dataclass
class CalcJob:
    template: Path
    out: Path
    cells: list[list[str]]
    unprotect: list[str] = field(default_factory=list)  # sheets a tamperer unprotects first


def type_in_calc(jobs: list[CalcJob], work: Path, timeout: float = CALC_TIMEOUT) -> list[Path]:
    """Run every job in one LibreOffice Calc (driven from the system Python); the saved paths."""
    work.mkdir(parents=True, exist_ok=True)
    spec = work / "calc-jobs.json"
    spec.write_text(
        json.dumps(
            [
                {
                    "template": str(j.template),
                    "out": str(j.out),
                    "cells": j.cells,
                    "unprotect": j.unprotect,
                }
                for j in jobs
            ]
        ),
        "utf-8",
    )
    for job in jobs:
        job.out.parent.mkdir(parents=True, exist_ok=True)
    # Its own session, so a hang is ended with every process it started (Calc too).
    proc = subprocess.Popen(
        [SYSTEM_PYTHON, str(TYPIST), str(spec)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ProgramError(
            f"LibreOffice Calc did not finish typing {len(jobs)} returns in {timeout:.0f}s"
        ) from None
    finally:
        _kill_group(proc.pid)
    missing = [j.out for j in jobs if not j.out.exists()]
    if proc.returncode != 0 or missing:
        raise ProgramError(
            f"Calc typing failed (exit {proc.returncode}, missing {missing}): {err.strip()[-2000:]}"
        )
    return [j.out for j in jobs]


def cells_in_calc(files: list[Path], work: Path, timeout: float = CALC_TIMEOUT) -> dict[Path, dict]:
    """Each file opened and recalculated in LibreOffice Calc: {file: {sheet: {"text": {cell: text},
    "formulas": [cell, ...]}}}, as Calc holds them (see calc_cells.py)."""
    work.mkdir(parents=True, exist_ok=True)
    spec, result = work / "calc-cells-in.json", work / "calc-cells-out.json"
    spec.write_text(json.dumps([str(f) for f in files]), "utf-8")
    proc = subprocess.Popen(
        [SYSTEM_PYTHON, str(TYPIST.with_name("calc_cells.py")), str(spec), str(result)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise ProgramError(
            f"LibreOffice Calc did not read {len(files)} workbooks in {timeout:.0f}s"
        ) from None
    finally:
        _kill_group(proc.pid)
    if proc.returncode != 0 or not result.exists():
        raise ProgramError(f"Calc reading failed (exit {proc.returncode}): {err.strip()[-2000:]}")
    found = json.loads(result.read_text("utf-8"))
    return {f: found[str(f)] for f in files}


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)  # anything the driver left behind
    except ProcessLookupError:
        pass


# -- re-saving ------------------------------------------------------------------------------


def resave_in_calc(files: list[Path], out_dir: Path) -> list[Path]:
    """Each file opened and saved as .xlsx by LibreOffice (one run for all of them)."""
    return convert(files, out_dir)


def convert_with_gnumeric(source: Path, out: Path, timeout: float = 120) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ni179-gnumeric-") as home:
        done = subprocess.run(
            [
                ssconvert() or "ssconvert",
                "--export-type=Gnumeric_Excel:xlsx2",
                str(source),
                str(out),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "HOME": home},
        )
    if done.returncode != 0 or not out.exists():
        raise ProgramError(f"ssconvert could not convert {source.name}: {done.stderr.strip()}")
    return out


def respell_as_excel(source: Path, out: Path, steps: list[str] | None = None) -> Path:
    return respell(source, out, steps)


# -- tampering inside a saved file ----------------------------------------------------------

TOTAL_CELL, LABEL_CELL, REPOINTED_CELL = (
    "B15",
    "A8",
    "C26",
)  # gross total 2008/09, a label, costs total 2009/10
NEW_LABEL = "Procurement (including one-off savings)"

# What each tampering is expected to produce: (code, sheet, cell) of every error.
TAMPERING: dict[str, set[tuple[str, str, str]]] = {
    "total overwritten": {
        ("locked-content-changed", GAINS, TOTAL_CELL),
        ("total-mismatch", GAINS, TOTAL_CELL),
    },
    "label changed": {("locked-content-changed", GAINS, LABEL_CELL)},
    "formula pointed elsewhere": {
        ("locked-content-changed", GAINS, REPOINTED_CELL),
        ("total-mismatch", GAINS, REPOINTED_CELL),
    },
}

# The same tampering as a person does it in Calc: unprotect the sheet and type over a cell.
CALC_TAMPERING: dict[str, list[str]] = {
    "total overwritten": [GAINS, TOTAL_CELL, "9999"],
    "label changed": [GAINS, LABEL_CELL, NEW_LABEL],
    "formula pointed elsewhere": [GAINS, REPOINTED_CELL, "=SUM(C19:C24)"],  # leaves out 'Other'
}


def tamper(source: Path, out: Path, kind: str) -> Path:
    """``source`` with one locked Gains cell changed in its XML, the rest as the program wrote it."""
    pkg = Package(source)
    part = pkg.sheet_parts()[GAINS]
    sheet = pkg.xml(part)
    if kind == "total overwritten":
        _set_number(pkg.cell(sheet, TOTAL_CELL), "9999")
    elif kind == "label changed":
        _set_text(pkg.cell(sheet, LABEL_CELL), NEW_LABEL)
    elif kind == "formula pointed elsewhere":
        f = pkg.cell(sheet, REPOINTED_CELL).find("m:f", NS)
        if f is None or not f.text or f.get("t") == "shared":
            raise ProgramError(
                f"{source.name}: {REPOINTED_CELL} holds no formula of its own to repoint"
            )
        # The last line of the range (row 25, 'Other') is dropped: C25 -> C24 in the file's spelling.
        repointed = re.sub(r"(\$?C\$?)25\b", r"\g<1>24", f.text)
        if repointed == f.text:
            raise ProgramError(f"{source.name}: unexpected formula in {REPOINTED_CELL}: {f.text}")
        f.text = repointed
    else:
        raise ValueError(kind)
    pkg.put(part, sheet)
    return pkg.save(out)


def _clear(c: etree._Element) -> None:
    for child in list(c):
        c.remove(child)
    c.attrib.pop("t", None)


def _set_number(c: etree._Element, number: str) -> None:
    if (f := c.find("m:f", NS)) is not None and f.get("t") == "shared" and f.get("ref"):
        raise ProgramError(f"{c.get('r')} is the master of a shared formula; pick another cell")
    _clear(c)
    etree.SubElement(c, f"{{{MAIN}}}v").text = number


def _set_text(c: etree._Element, text: str) -> None:
    _clear(c)
    c.set("t", "inlineStr")
    etree.SubElement(etree.SubElement(c, f"{{{MAIN}}}is"), f"{{{MAIN}}}t").text = text
