"""Taking turns on one store: who holds it, how long to wait, and per-job locks.

- ``try_lock``: a lock on one job (one mailbox message), held for a block and released
  when the block ends or the process dies, even by SIGKILL. PostgreSQL: a session advisory
  lock. SQLite: an OS lock (``flock``) on a small file beside the store, so two intake runs
  on one Maildir and one SQLite file never work on the same message at once.
- The store's own lock (SQLite's write lock, PostgreSQL's row and advisory locks) is waited
  for at most ``lock_wait()`` seconds (``NI179_LOCK_WAIT``, default 30). Then
  ``StoreBusyError`` says which program holds it and since when: each ni179 process notes
  itself in ``<store>-holder`` while it holds SQLite's write lock; any other program
  holding the file open is found through /proc (Linux).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from xl_ni179 import environment
from xl_ni179.errors import StoreBusyError
from xl_ni179.store.activity import activity, set_activity

__all__ = [
    "StoreBusyError",
    "activity",
    "busy_error",
    "lock_receiving",
    "lock_wait",
    "set_activity",
    "try_lock",
]

DEFAULT_WAIT = (
    30.0  # seconds: long enough for any one write (they take milliseconds), short for a person
)
HOLDER_SUFFIX = "-holder"
LOCKS_DIR = "locks"  # beside a SQLite store: one empty file per lock slot
SLOTS = 4096  # lock files are named by slot, so there are never more than this many


def lock_wait() -> float:
    """Seconds to wait for a store another process is writing to (``NI179_LOCK_WAIT``)."""
    raw = (environment.get(environment.LOCK_WAIT) or "").strip()
    try:
        value = float(raw) if raw else DEFAULT_WAIT
    except ValueError:
        value = DEFAULT_WAIT
    return min(max(value, 0.0), 24 * 3600.0)


# -- SQLite: who holds the write lock ------------------------------------------------------------


def _holder_file(database: str) -> Path:
    return Path(database + HOLDER_SUFFIX)


def note_holding(database: str) -> None:
    """Called once this process holds SQLite's write lock: say who we are, for a waiter."""
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "activity": activity(),
        "since": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    _write_holder(database, json.dumps(record).encode())


def note_released(database: str) -> None:
    _write_holder(database, b"")


def _write_holder(database: str, data: bytes) -> None:
    # Only the process holding the write lock writes here, so writers never interleave.
    try:
        fd = os.open(
            _holder_file(database), os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644
        )
    except OSError:
        return  # a read-only folder: a waiter is then told less, nothing worse
    try:
        os.ftruncate(fd, 0)
        if data:
            os.pwrite(fd, data, 0) if hasattr(os, "pwrite") else os.write(fd, data)
    except OSError:
        pass
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _recorded_holder(database: str) -> str | None:
    try:
        record = json.loads(_holder_file(database).read_bytes() or b"null")
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("pid"), int):
        return None
    pid, host = record["pid"], str(record.get("host") or "")
    if pid == os.getpid() and host == socket.gethostname():
        return None
    if host == socket.gethostname() and not _alive(pid):
        return None  # it died holding nothing: SQLite released its lock with it
    since = _when(str(record.get("since") or ""))
    where = f"process {pid}" + (f" on {host}" if host and host != socket.gethostname() else "")
    return f"{_shown(str(record.get('activity') or 'an ni179 program'))} ({where}, since {since})"


def _when(iso: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return "a moment ago"
    today = dt.datetime.now(moment.tzinfo).date()
    return f"{moment:%H:%M:%S}" if moment.date() == today else f"{moment:%d %B %Y %H:%M}"


def _shown(value: str) -> str:
    return "".join(ch if ch.isprintable() else "?" for ch in value)[:80]


def _openers(database: str) -> list[str]:
    """Other processes that have the store's file open (Linux /proc; empty elsewhere)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    targets = {os.path.realpath(database + suffix) for suffix in ("", "-journal", "-wal", "-shm")}
    found = []
    boot = _boot_time()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            links = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except OSError:
            continue
        if not links & targets:
            continue
        name, since = "a program", "unknown"
        try:
            name = (entry / "comm").read_text().strip() or name
            # field 22 of stat, counted after the ")" that ends the command name
            ticks = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[19])
            started = dt.datetime.fromtimestamp(
                boot + ticks / os.sysconf("SC_CLK_TCK")
            ).astimezone()
            since = _when(started.isoformat())
        except (OSError, ValueError, IndexError):
            pass
        found.append(f"{_shown(name)} (process {entry.name}, running since {since})")
    return found[:5]


def _boot_time() -> float:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except (OSError, ValueError):
        pass
    return time.time()


def busy_error(database: str, waited: float) -> StoreBusyError:
    """The error for a SQLite store whose write lock stayed held for ``waited`` seconds."""
    holder = _recorded_holder(database)
    if holder:
        who = f"{holder} is writing to it"
    else:
        openers = _openers(database)
        who = (
            "it is held by another program that has the file open: " + "; ".join(openers)
            if openers
            else "another program has it open and is writing to it (for example a database browser "
            "with unsaved changes, or an ni179 command on another computer)"
        )
    return StoreBusyError(
        f"The returns store ({database}) is busy: {who}. Waited {waited:g} seconds, so this command stopped "
        f"and recorded nothing more: run it again once that program has finished (if it has stopped "
        f"responding, end it). To wait longer, set {environment.LOCK_WAIT} to a number of seconds."
    )


def busy_error_postgresql(engine: Engine, waited: float) -> StoreBusyError:
    """The error for a PostgreSQL store whose lock stayed held: the ni179 sessions in a transaction."""
    holders: list[str] = []
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT pid, application_name, xact_start FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL "
                    "ORDER BY xact_start LIMIT 5"
                )
            ).all()
        for pid, name, start in rows:
            since = _when(start.isoformat()) if isinstance(start, dt.datetime) else "unknown"
            holders.append(
                f"{_shown(str(name or 'a program'))} (database session {pid}, since {since})"
            )
    except Exception:  # noqa: BLE001 - the message must be given whatever the server says to this query
        holders = []
    who = ("held by " + "; ".join(holders)) if holders else "held by another session"
    return StoreBusyError(
        f"The returns store (the shared database) is busy: {who}. Waited {waited:g} seconds, so this command "
        f"stopped and recorded nothing more: run it again once that has finished. To wait longer, set "
        f"{environment.LOCK_WAIT} to a number of seconds."
    )


# -- locks on one job -----------------------------------------------------------------------------


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class _FileSlots:
    """This process's held slots: a slot's file lock is taken once, however many of our
    names share it, and released with the last of them."""

    def __init__(self) -> None:
        self.held: dict[Path, tuple[int, int]] = {}  # lock file -> (fd, names holding it)

    def acquire(self, path: Path) -> bool:
        if path in self.held:
            fd, count = self.held[path]
            self.held[path] = (fd, count + 1)
            return True
        import fcntl

        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self.held[path] = (fd, 1)
        return True

    def release(self, path: Path) -> None:
        fd, count = self.held[path]
        if count > 1:
            self.held[path] = (fd, count - 1)
            return
        del self.held[path]
        os.close(fd)  # closing the last descriptor releases the flock


_SLOTS = _FileSlots()


def lock_folder(engine: Engine) -> Path | None:
    """Where a SQLite store's job locks live (None for other databases)."""
    if (
        engine.dialect.name != "sqlite"
        or not engine.url.database
        or engine.url.database == ":memory:"
    ):
        return None
    db = Path(engine.url.database)
    return db.parent / f"{db.name}-{LOCKS_DIR}"


@contextmanager
def try_lock(engine: Engine, name: str) -> Iterator[bool]:
    """Yield True while this process holds the lock ``name``, False if another holds it.

    PostgreSQL: a session advisory lock on a connection kept for the block. SQLite: an OS
    file lock on one of ``SLOTS`` files beside the store. Either way a process that dies
    (even by SIGKILL) releases its locks with it. Two names may share a slot: then another
    process cannot have either while this one holds one, which only delays it.
    """
    if engine.dialect.name == "postgresql":
        key = _key(name)
        with engine.connect() as conn:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        return
    folder = lock_folder(engine)
    if folder is None or sys.platform == "win32":
        yield True  # one process at a time (docs/store.md)
        return
    path = folder / f"{_key(name) % SLOTS:04d}.lock"
    got = _SLOTS.acquire(path)
    try:
        yield got
    finally:
        if got:
            _SLOTS.release(path)


def lock_receiving(session: Any) -> None:
    """Make this write transaction the only one recording a receipt (PostgreSQL; SQLite's
    ``BEGIN IMMEDIATE`` has done it already): versions are counted and duplicates found
    inside it, so two receipts never both see the same state."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _key("ni179-receive")})
