"""The process-wide pool that untrusted returns are validated in.

Started on first use (so a command that validates nothing pays nothing) and closed when
the process exits. Its workers preload the validator, so each fork starts ready.
"""

from __future__ import annotations

import atexit
import os
import threading

from xl_ni179.intake.safety.bounded import BoundedPool

_lock = threading.Lock()
_pool: BoundedPool | None = None


def shared_pool() -> BoundedPool:
    global _pool
    with _lock:
        if _pool is None:
            workers = max(1, min(2, os.cpu_count() or 1))
            # email_validator is imported by the contact email check on first use; in the
            # fork server, every worker has it without importing it again.
            _pool = BoundedPool(
                workers=workers,
                preload=["xl_ni179.intake.batch", "xl_ni179.intake.validate", "email_validator"],
            )
            atexit.register(close_shared_pool)
        return _pool


def close_shared_pool() -> None:
    global _pool
    with _lock:
        if _pool is not None:
            _pool.close()
            _pool = None
