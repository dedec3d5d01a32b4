"""Cross-process locks held in the database itself, so that several workers sharing one
store (two intake services on one mailbox, say) never work on the same thing at once."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def try_lock(engine: Engine, name: str) -> Iterator[bool]:
    """Yield True while this process holds the lock ``name``, False if another holds it.

    PostgreSQL: a session advisory lock on a connection kept for the block, so a worker
    that dies (even by SIGKILL) releases it with its connection. SQLite has no such locks;
    a SQLite store serves one worker at a time, so the lock is always granted.
    """
    if engine.dialect.name != "postgresql":
        yield True
        return
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
