"""The safety layer's problems as findings, and the first check on any path we are given.

The safety layer and the reader report a problem by the code of the file rule it breaks
(``xl_ni179.intake.safety.problems``); this is where a problem meets its rule.

Only ordinary files are read. A path is opened without following a final symbolic link
and without waiting (``O_NOFOLLOW | O_NONBLOCK``: opening a FIFO for reading would
otherwise wait for a writer for ever), and the *opened descriptor* is checked, so nothing
can be swapped in between a check and the open. Anything else is refused with the
``not-a-regular-file`` finding, at once.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from xl_ni179.intake.safety.problems import Problem
from xl_ni179.rules import RULES
from xl_ni179.rules.findings import Finding

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class NotRegularFile(OSError):
    """The path is not an ordinary file (``finding`` says what it is); it was not read."""

    def __init__(self, path: str | os.PathLike[str], kind: str) -> None:
        super().__init__(f"{os.fspath(path)} is not an ordinary file but {kind}")
        self.kind = kind

    @property
    def finding(self) -> Finding:
        return RULES["not-a-regular-file"].finding(kind=self.kind)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _link_kind(path: str | os.PathLike[str]) -> str:
    try:
        target = os.readlink(path)
    except OSError:
        return "a link to another file"
    return f"a link (to {shown_path(target)})"


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path as a terminal may show it: control characters made visible, bounded."""
    text = os.fspath(path)
    text = text if isinstance(text, str) else os.fsdecode(text)
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)[:200]


@contextmanager
def open_regular(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """The file at ``path`` opened for reading, if it is an ordinary file.

    Raises ``NotRegularFile`` for a symbolic link, folder, FIFO, socket or device (without
    reading it or waiting on it), or the ``OSError`` of a file that cannot be opened.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        import errno

        if exc.errno == errno.ELOOP or (exc.errno == errno.EMLINK and os.path.islink(path)):
            raise NotRegularFile(path, _link_kind(path)) from None
        if exc.errno == errno.ENXIO:  # a socket (or a FIFO opened for writing) cannot be opened
            raise NotRegularFile(path, "a socket") from None
        if exc.errno == errno.EISDIR:
            raise NotRegularFile(path, "a folder") from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, _kind(mode))
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        yield fh


def regular_file_finding(path: str | os.PathLike[str]) -> Finding | None:
    """The ``not-a-regular-file`` finding for ``path``, or None for an ordinary file (or one
    that cannot be opened at all: reading it reports that)."""
    try:
        with open_regular(path):
            return None
    except NotRegularFile as exc:
        return exc.finding
    except OSError:
        return None


def finding_of(problem: Problem) -> Finding:
    return RULES[problem.code].finding(sheet=problem.sheet, cell=problem.cell, **problem.params)


def findings_of(problems: Iterable[Problem]) -> list[Finding]:
    return [finding_of(p) for p in problems]


def inspect_file(path: str | os.PathLike[str]) -> list[Finding]:
    """Every file-rule finding of reading the file at ``path`` (its package and its cells, in
    one pass), as a user reads them: empty when the file is a workbook we can read."""
    from xl_ni179.intake.reader import read_package

    return findings_of(read_package(path).problems)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The file's SHA-256, read in chunks (its identity in the store and in every reply).
    ``NotRegularFile`` for anything but an ordinary file."""
    digest = hashlib.sha256()
    with open_regular(path) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
