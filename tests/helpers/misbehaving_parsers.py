"""Parse functions that misbehave on purpose, for the bounded-runner tests: they crash,
abort, hang, exhaust memory or raise, and a few behave, to show the pool recovers.

They live in a module of their own because the worker process must import each by name.
"""

from __future__ import annotations

import os
import time

from helpers.raw_files import MB


def file_size(path: str) -> int:
    return os.path.getsize(path)


def sheet_names(path: str) -> list[str]:
    import openpyxl

    return openpyxl.load_workbook(path, read_only=True).sheetnames


def calamine_rows(path: str) -> list[int]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(path)
    return [len(book.get_sheet_by_index(i).to_python()) for i in range(len(book.sheet_names))]


def segfault(path: str) -> None:
    import ctypes

    ctypes.string_at(0)


def abort(path: str) -> None:
    os.abort()


def exit_at_once(path: str) -> None:
    os._exit(3)


def hang(path: str) -> None:
    time.sleep(3600)


def pause_unless(quick: str, path: str) -> str:
    if path != quick:
        time.sleep(3600)
    return path


def allocate_5gb(path: str) -> int:
    return len(bytearray(5 * 1024 * MB))


def allocate_gradually(path: str) -> int:
    held = []
    while True:
        held.append(bytes(64 * MB))  # calloc'd: address space grows, pages stay untouched


def raise_error(path: str) -> None:
    raise ValueError(f"cannot read {path}")


def worker_pid(path: str) -> int:
    return os.getpid()
