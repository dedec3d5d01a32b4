"""One worker process of the bounded pool (``xl_ni179.intake.safety.bounded``): the loop it
runs, and the parent's handle on it.

The loop (``_worker_main``, started by multiprocessing by reference) sets the worker's limits
and answers each task it is sent over its pipe: ``(fn, path, with_context)`` pickled, and
the context (a message that starts with ``CONTEXT``) once. The handle (``Worker``) starts
the process without re-running the caller's ``__main__``, tells how it died (from its exit
status and the end of its log) and stops it.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import pickle
import resource
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from typing import Any

_STOP = b"stop"
_READY = b"ready"
CONTEXT = b"context:"  # a message that starts so carries the pickled context; no reply
_START_SECONDS = 60.0  # a worker that cannot start in this time never will
_STDERR_READ = 256 * 1024  # of the worker's log, from its end
_STDERR_SHOWN = 2000
# What allocators print when they give up; a worker that dies after printing one of these
# ran out of memory rather than hitting a bug.
_MEMORY_MARKERS = (
    b"MemoryError",
    b"memory allocation of",
    b"Cannot allocate memory",
    b"std::bad_alloc",
    b"out of memory",
)


class PoolError(RuntimeError):
    """A worker could not start, or could not load the function it was sent: a problem
    with this machine or program, not with any file, so it is raised rather than
    reported as a finding for the file."""


def _worker_main(conn: Any, memory_limit: int | None, stderr_path: str) -> None:
    """A worker's loop: receive (fn, path), send back ("ok" | "memory" | "error", payload)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle
    fd = os.open(stderr_path, os.O_WRONLY | os.O_APPEND)
    os.dup2(fd, 2)
    os.close(fd)
    faulthandler.enable()  # a segfault leaves a Python traceback in the log for `detail`
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash should not write a core file
    if memory_limit:
        # The limit is headroom above what the worker already maps: the imported modules
        # (numpy's thread buffers grow with the number of cores) must not eat into it.
        try:
            with open("/proc/self/statm") as statm:
                baseline = int(statm.read().split()[0]) * resource.getpagesize()
        except (OSError, ValueError, IndexError):
            baseline = 0
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = baseline + memory_limit
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    conn.send_bytes(_READY)
    context: Any = None
    pending: bytes | None = None  # a context received and not yet unpickled
    while True:
        try:
            task = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if task == _STOP:
            return
        if task.startswith(CONTEXT):
            pending = task[len(CONTEXT) :]  # unpickled by the first task that uses it
            continue
        if os.fstat(2).st_size:
            os.ftruncate(2, 0)  # keep only this file's messages
        try:
            fn, path, with_context = pickle.loads(task)
            if with_context and pending is not None:
                context, pending = pickle.loads(pending), None
        except BaseException as exc:  # noqa: BLE001 - fn's module cannot be imported here, say
            conn.send_bytes(pickle.dumps(("unloadable", "".join(traceback.format_exception(exc)))))
            continue
        try:
            reply: tuple[str, Any] = ("ok", fn(context, path) if with_context else fn(path))
        except MemoryError:
            reply = ("memory", "MemoryError")
        except BaseException as exc:  # noqa: BLE001 - whatever fn raises is reported, not fatal
            reply = ("error", "".join(traceback.format_exception(exc)))
        try:
            data = pickle.dumps(reply, pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 - a result that cannot be pickled is an error reply
            data = pickle.dumps(("error", f"the result could not be sent back: {exc!r}"))
        conn.send_bytes(data)
        if reply[0] == "memory":
            return  # a heap that just failed is not worth trusting with the next file


_MAIN_LOCK = threading.Lock()


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start workers without re-running the caller's __main__.

    multiprocessing re-runs the parent's main script in each worker, so a script without
    an ``if __name__ == "__main__"`` guard would run again there, and code from stdin or
    an embedding host (Excel's xlwings runner) names a main file that does not exist.
    Workers only run importable functions of ours, so the main module is hidden from
    multiprocessing while a worker starts.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    with _MAIN_LOCK:
        saved = {
            key: main.__dict__[key] for key in ("__file__", "__spec__") if key in main.__dict__
        }
        main.__dict__.pop("__file__", None)
        main.__spec__ = None
        try:
            yield
        finally:
            main.__dict__.update(saved)


class Worker:
    """A worker process as its pool sees it: started on creation (``PoolError`` when it cannot
    start), with its pipe, its log and the files it has read."""

    def __init__(self, ctx: Any, memory_limit: int | None, log_dir: str) -> None:
        fd, self.stderr_path = tempfile.mkstemp(prefix="worker-", suffix=".log", dir=log_dir)
        os.close(fd)
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main,
            name="ni179-bounded-worker",
            args=(child, memory_limit, self.stderr_path),
            daemon=True,
        )
        with _main_module_hidden():
            self.process.start()
        child.close()
        self.tasks = 0
        self.context: bytes | None = None  # the context message last sent to it
        try:
            ready = self.conn.poll(_START_SECONDS) and self.conn.recv_bytes() == _READY
        except (EOFError, OSError):
            ready = False
        if not ready:
            detail, _ = self.death()
            self.stop(kill=True)
            raise PoolError(f"a parse worker failed to start: {detail}")

    def alive(self) -> bool:
        return self.process.is_alive()

    def death(self) -> tuple[str, bool]:
        """How the worker died, and whether it looks like running out of memory."""
        self.process.join(1.0)
        code = self.process.exitcode
        if code is None:  # closed its pipe but lives on
            self.process.kill()
            self.process.join()
        try:
            with open(self.stderr_path, "rb") as log:
                log.seek(max(0, os.fstat(log.fileno()).st_size - _STDERR_READ))
                text = log.read()
        except OSError:
            text = b""
        if len(text) > 2 * _STDERR_SHOWN:  # the first lines say what, the last ones where
            tail = text[:_STDERR_SHOWN] + b"\n[...]\n" + text[-_STDERR_SHOWN:]
        else:
            tail = text
        # Nobody but the OOM killer sends SIGKILL to a worker we did not kill ourselves.
        memory = code == -signal.SIGKILL or any(m in text for m in _MEMORY_MARKERS)
        if code is None:
            how = "worker closed its pipe and was killed"
        elif code < 0:
            how = f"worker killed by signal {signal.Signals(-code).name}"
        else:
            how = f"worker exited with status {code}"
        return how + ("\n" + tail.decode("utf-8", "replace") if tail else ""), memory

    def stop(self, kill: bool = False) -> None:
        if not kill and self.alive():
            try:
                self.conn.send_bytes(_STOP)
                self.process.join(2.0)
            except OSError:
                pass
        if self.process.exitcode is None:
            self.process.kill()
        self.process.join()
        self.conn.close()
        try:
            os.unlink(self.stderr_path)
        except OSError:
            pass
