"""Glue between validation and the safety layer (temporary until the bounded runner lands)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xl_ni179.findings import Finding
from xl_ni179.xlsx_reader import RawWorkbook, XlsxReadError, read_workbook


def inspect_package(path: Path) -> list[Finding]:
    try:
        from xl_ni179.safety import inspect_package as inspect
    except ImportError:
        return []
    return inspect(path)


def read_bounded(path: Path, pool: Any = None) -> RawWorkbook | Finding:
    try:
        return read_workbook(path)
    except XlsxReadError as exc:
        return Finding("parse-crashed", "error", f"The workbook cannot be read: {exc}.",
                       "Save it again from Excel as an Excel Workbook (.xlsx) and resend it.")
