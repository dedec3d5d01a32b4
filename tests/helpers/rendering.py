"""What a workbook looks like in LibreOffice: its printed pages (PDF) and any text cut off.

``printed_pages`` reads a PDF LibreOffice printed: per page its size, its text in reading
order, and where its text sits (to tell how far right it reaches and how small it was
scaled). ``clipped_in_calc`` runs ``calc_clipped.py`` under the system Python (the one with
python3-uno), which asks Calc itself to measure each cell's text.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from helpers.realprograms import CALC_TIMEOUT, SYSTEM_PYTHON, ProgramError

CLIPPED = Path(__file__).with_name("calc_clipped.py")


@dataclass
class Page:
    width: float  # points, as the page is read (landscape: wider than tall)
    height: float
    text: str
    right: float  # the furthest right any text reaches, in points from the left edge
    smallest: float  # the smallest text on the page, in points as printed

    @property
    def sheet_line(self) -> str:
        """The footer, which LibreOffice puts first: '<sheet> Page n of N'."""
        return self.text.split("\n", 1)[0]


def printed_pages(pdf: Path) -> list[Page]:
    pages = []
    for page in PdfReader(pdf).pages:
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        if (page.get("/Rotate") or 0) % 180:
            width, height = height, width
        spans: list[tuple[float, float]] = []

        def visit(text, cm, tm, font_dict, font_size, spans=spans):
            if text.strip():
                scale = abs(cm[0] * tm[0]) or abs(tm[0]) or 1.0
                x = cm[0] * tm[4] + cm[4]
                size = font_size * scale
                # how far right this piece reaches: its start plus about half an em a character
                spans.append((x + 0.5 * size * len(text.rstrip()), size))

        text = page.extract_text(visitor_text=visit)
        pages.append(
            Page(
                width,
                height,
                text,
                max((r for r, _ in spans), default=0.0),
                min((s for _, s in spans), default=0.0),
            )
        )
    return pages


def clipped_in_calc(
    files: list[Path], work: Path, timeout: float = CALC_TIMEOUT
) -> dict[Path, list[list[str]]]:
    """Each file opened in LibreOffice Calc: {file: [[sheet, cell, text, why], ...]} of the text
    Calc shows cut off (see calc_clipped.py)."""
    work.mkdir(parents=True, exist_ok=True)
    spec, result = work / "clipped-in.json", work / "clipped-out.json"
    spec.write_text(json.dumps([str(f) for f in files]), "utf-8")
    proc = subprocess.Popen(
        [SYSTEM_PYTHON, str(CLIPPED), str(spec), str(result)],
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
            f"LibreOffice Calc did not measure {len(files)} workbooks in {timeout:.0f}s"
        ) from None
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # anything the driver left behind
        except ProcessLookupError:
            pass
    if proc.returncode != 0 or not result.exists():
        raise ProgramError(f"Calc measuring failed (exit {proc.returncode}): {err.strip()[-2000:]}")
    found = json.loads(result.read_text("utf-8"))
    return {f: found[str(f)] for f in files}
