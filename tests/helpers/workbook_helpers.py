"""Reading what LibreOffice computed in a partner workbook's Checks sheet."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

from openpyxl import load_workbook

from helpers.libreoffice import convert
from xl_ni179.spec.schema import CHECK_DETAILS, COVER


def recalculate(files: list[Path], out_dir: Path) -> dict[Path, dict[str, dict[str, object]]]:
    """Recalculate every file in one LibreOffice run; {original: {sheet: {cell: value}}}."""
    # A subfolder, so LibreOffice never writes over the file it is reading.
    converted = convert(files, out_dir / "recalculated")
    out = {}
    for original, path in zip(files, converted, strict=True):
        with warnings.catch_warnings():
            # A case that types an impossible date (1e12 in the sign-off date) is recalculated
            # too: openpyxl warns that it reads that cell as an error, which is what we compare.
            warnings.filterwarnings(
                "ignore", r"Cell \w+ is marked as a date but the serial value", UserWarning
            )
            wb = load_workbook(path, data_only=True)
        out[original] = {
            ws.title: {
                c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None
            }
            for ws in wb.worksheets
        }
    return out


def failing_checks(values: dict[str, dict[str, object]]) -> set[tuple[str, str, str]]:
    """(code, sheet, cell) of every per-cell check the workbook shows as failing."""
    checks = values[CHECK_DETAILS]
    header = next(int(k[1:]) for k, v in checks.items() if k.startswith("B") and v == "Where")
    out = set()
    row = header + 1
    while f"A{row}" in checks:
        if checks.get(f"D{row}") == 1:
            where = re.fullmatch(r"sheet (.+), cell ([A-Z]+[0-9]+)", str(checks[f"B{row}"]))
            assert where, f"Check details B{row}: {checks[f'B{row}']!r} names no cell"
            sheet, cell = where.groups()
            out.add((str(checks[f"A{row}"]), sheet, cell))
        row += 1
    return out


def status(values: dict[str, dict[str, object]]) -> str:
    return str(values[COVER]["B13"])
