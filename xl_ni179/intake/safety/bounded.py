"""Run a parse function on one file in a worker process, bounded in time and memory.

A reader fed a hostile file can crash the interpreter (python-calamine aborts the whole
process when a sheet claims XFD1048576), hang, or allocate without end. Running it in a
worker turns each of those into a finding for that file, and the next file is read by a
healthy worker:

* ``parse-timeout``: no result within the wall-clock timeout; the worker is killed.
* ``parse-memory``: MemoryError under the worker's address-space limit (RLIMIT_AS), a
  native "memory allocation failed" abort, or a kill by the kernel's OOM killer.
* ``parse-crashed``: any other death (segfault, abort, ``os._exit``) or exception.

Workers are long-lived, so a file costs one pipe round trip (a fraction of a
millisecond), not a process start. ``fn`` is sent by reference: it must be an importable
top-level callable (or a ``functools.partial`` of one), and its result must pickle.
``memory_limit`` is headroom on top of what a worker maps once its modules are imported.
What every file of a call needs (a partnership, say) goes as ``context``: pickled once by
the caller, sent to each worker once, and passed to ``fn(context, path)``.

Workers come from the "forkserver" start method: each is forked from a small server
process that never ran our threads, so it inherits no lock held by another thread
(plain fork from a threaded parent can deadlock), yet starting one costs a fork, not a
new interpreter. Modules named in ``preload`` are imported once in that server. As with
any non-fork start method, a worker re-imports the parent's ``__main__`` module (guarded
by ``if __name__ == "__main__"``); when that is impossible (code piped to ``python -``)
workers cannot start and ``PoolError`` is raised rather than blaming the file.

The pool is here; the loop each worker runs, and the pool's handle on one worker, are in
``worker``. The worker's result is unpickled in the parent: a worker is a fault boundary, not a
security sandbox (it runs as the same user and can read what the parent can).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import pickle
import queue
import select
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from xl_ni179.intake.safety import limits as L
from xl_ni179.intake.safety import problems as P
from xl_ni179.intake.safety.problems import Problem
from xl_ni179.intake.safety.worker import CONTEXT, PoolError, Worker


@dataclass(frozen=True)
class Outcome:
    """What running ``fn`` on one file gave: a value, or a problem saying why not."""

    path: str
    value: Any = None
    problem: Problem | None = None
    detail: str = ""  # for logs, not users: traceback, signal, the worker's last stderr
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def problems(self) -> list[Problem]:
        return [] if self.problem is None else [self.problem]


@dataclass
class _Job:
    index: int
    path: str
    task: bytes
    context: bytes | None = None  # the context message this job needs its worker to hold
    fresh: bool = False  # must go to a newly started worker (a retry)
    warm: bool = False  # the worker it went to had read other files before
    started: float = 0.0


class BoundedPool:
    """A few long-lived worker processes that run ``fn(path)`` each under limits.

    ``map`` keeps every worker busy from one thread, which waits on all of them at once;
    ``run`` is ``map`` of one path. Both are thread-safe (each call holds the workers it
    is using until it finishes, so do not call ``run`` from inside a ``map`` loop on a
    pool with one worker). A worker that dies or times out is replaced; each is also
    replaced after ``max_tasks`` files so that slow growth of its heap never adds up to a
    false parse-memory. A failure on a worker that had read other files is retried once
    on a fresh worker before the file is blamed.
    """

    def __init__(
        self,
        workers: int = 2,
        *,
        timeout: float = L.PARSE_TIMEOUT_SECONDS,
        memory_limit: int | None = L.MEMORY_LIMIT_BYTES,
        preload: Sequence[str] = (),
        max_tasks: int = 250,
        start_method: str = "forkserver",
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.timeout = timeout
        self.memory_limit = memory_limit
        self.max_tasks = max_tasks
        self._ctx = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            # Only takes effect if the fork server is not running yet.
            self._ctx.set_forkserver_preload(["xl_ni179.intake.safety.bounded", *preload])
        self._logs = tempfile.TemporaryDirectory(prefix="ni179-workers-")
        self._idle: queue.LifoQueue[Worker | None] = queue.LifoQueue()  # LIFO: warm first
        for _ in range(workers):
            self._idle.put(None)  # started on first use
        self._closed = False

    def start_server(self) -> None:
        """Start the fork server now (it imports the ``preload`` modules), so that its start-up
        overlaps the caller's own; otherwise it starts with the first worker."""
        if self._ctx.get_start_method() == "forkserver":
            from multiprocessing import forkserver

            forkserver.ensure_running()

    def __enter__(self) -> BoundedPool:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def run(
        self,
        fn: Callable[..., Any],
        path: str | os.PathLike[str],
        *,
        timeout: float | None = None,
        context: bytes | None = None,
    ) -> Outcome:
        """``fn(path)`` in a worker; a crash, timeout or memory blow-up becomes a finding."""
        return next(self.map(fn, [path], timeout=timeout, context=context))

    def map(
        self,
        fn: Callable[..., Any],
        paths: Iterable[str | os.PathLike[str]],
        *,
        timeout: float | None = None,
        context: bytes | None = None,
    ) -> Iterator[Outcome]:
        """``fn`` on every path, on as many workers as are free; outcomes come in order.

        With ``context`` (an object pickled by the caller), ``fn(unpickled context, path)``
        is called instead. A worker is sent the context once, and again only when a call
        brings different bytes; it keeps the unpickled object (and what the object caches)
        from one call to the next.
        """
        if self._closed:
            raise RuntimeError("the pool is closed")
        limit = self.timeout if timeout is None else timeout
        message = CONTEXT + context if context is not None else None
        # Pickling here makes a lambda or a closure fail in the caller, not in a worker.
        jobs = (
            _Job(
                i,
                os.fspath(p),
                pickle.dumps((fn, os.fspath(p), message is not None), pickle.HIGHEST_PROTOCOL),
                message,
            )
            for i, p in enumerate(paths)
        )
        retries: deque[_Job] = deque()
        free: list[Worker | None] = []  # workers this call holds that are not busy
        busy: dict[int, tuple[Worker, _Job]] = {}  # by the file descriptor of its pipe
        # One poll object for the whole call: multiprocessing.connection.wait would build
        # a selector on every wait, a large part of the cost of a small file.
        poller = select.poll()
        done: dict[int, Outcome] = {}
        next_out, exhausted = 0, False
        try:
            while True:
                while retries or (not exhausted and len(done) + len(busy) < 4 * self.workers):
                    if not free:
                        try:
                            free.append(self._idle.get(block=not busy))
                        except queue.Empty:
                            break
                    job = retries.popleft() if retries else next(jobs, None)
                    if job is None:
                        exhausted = True
                        break
                    worker = self._dispatch(free.pop(), job, free)
                    busy[worker.conn.fileno()] = (worker, job)
                    poller.register(worker.conn.fileno(), select.POLLIN)
                if not busy:
                    return
                deadline = min(job.started for _, job in busy.values()) + limit
                wait_ms = max(0, math.ceil((deadline - time.monotonic()) * 1000))
                ready = {fd for fd, _ in poller.poll(wait_ms)}  # data, or a hang-up on death
                now = time.monotonic()
                for fd, (worker, job) in list(busy.items()):
                    if fd in ready or now >= job.started + limit:
                        del busy[fd]
                        poller.unregister(fd)
                        try:
                            outcome, keep = self._collect(worker, job, fd in ready, limit)
                        except PoolError:
                            free.append(worker)
                            raise
                        free.append(worker if keep else None)
                        lost = (
                            not keep
                            and outcome.problem is not None
                            and outcome.problem.code != P.PARSE_TIMEOUT.code
                        )
                        if lost and job.warm and not job.fresh:
                            retries.append(
                                _Job(job.index, job.path, job.task, job.context, fresh=True)
                            )
                        else:
                            done[job.index] = outcome
                while next_out in done:
                    yield done.pop(next_out)
                    next_out += 1
        finally:
            for worker, _ in busy.values():  # the caller stopped early: nobody wants these
                worker.stop(kill=True)
                free.append(None)
            for slot in free:
                self._idle.put(slot)

    def close(self) -> None:
        """Stop every worker. Call when no ``run`` or ``map`` is in progress."""
        if self._closed:
            return
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            if worker is not None:
                worker.stop()
        self._logs.cleanup()

    def _dispatch(self, worker: Worker | None, job: _Job, free: list[Worker | None]) -> Worker:
        # A worker that died while idle is not looked for here (that costs a system call
        # or two per file): the job sent to it fails as a death on a warm worker, which
        # is retried on a fresh one.
        if worker is not None and (job.fresh or worker.tasks >= self.max_tasks):
            worker.stop()
            worker = None
        if worker is None:
            try:
                worker = Worker(self._ctx, self.memory_limit, self._logs.name)
            except PoolError:
                free.append(None)  # keep the slot for the next attempt
                raise
        job.warm = worker.tasks > 0
        worker.tasks += 1
        job.started = time.monotonic()
        try:
            if job.context is not None and job.context != worker.context:
                worker.conn.send_bytes(job.context)
                worker.context = job.context
            worker.conn.send_bytes(job.task)
        except OSError:
            pass  # it died while idle; the wait sees the closed pipe and reports it
        return worker

    def _collect(
        self, worker: Worker, job: _Job, answered: bool, limit: float
    ) -> tuple[Outcome, bool]:
        """The outcome of a finished or timed-out job, and whether its worker can go on."""
        if not answered:
            worker.stop(kill=True)
            return self._failed(
                job, P.PARSE_TIMEOUT, f"no result after {limit:g} s; worker killed", seconds=limit
            ), False
        try:
            data = worker.conn.recv_bytes()
        except (EOFError, OSError):
            detail, memory = worker.death()
            worker.stop(kill=True)
            return self._failed(job, P.PARSE_MEMORY if memory else P.PARSE_CRASHED, detail), False
        try:
            kind, payload = pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - a result type the parent cannot import, say
            return self._failed(job, P.PARSE_CRASHED, f"result unreadable: {exc!r}"), True
        if kind == "ok":
            return Outcome(job.path, value=payload, seconds=time.monotonic() - job.started), True
        if kind == "memory":
            worker.stop()  # it is exiting by itself
            return self._failed(job, P.PARSE_MEMORY, payload), False
        if kind == "unloadable":
            raise PoolError(f"a parse worker cannot load the function it was sent:\n{payload}")
        return self._failed(job, P.PARSE_CRASHED, payload), True  # fn raised

    def _failed(self, job: _Job, rule: Any, detail: str, seconds: float = 0.0) -> Outcome:
        params: dict[str, Any] = {}
        if rule is P.PARSE_TIMEOUT:
            params["seconds"] = seconds
        elif rule is P.PARSE_MEMORY:
            params["megabytes"] = (self.memory_limit or 0) // L.MB
        return Outcome(
            job.path,
            problem=rule.problem(**params),
            detail=detail,
            seconds=time.monotonic() - job.started,
        )


def run_bounded(
    fn: Callable[[str], Any],
    path: str | os.PathLike[str],
    *,
    timeout: float = L.PARSE_TIMEOUT_SECONDS,
    memory_limit: int | None = L.MEMORY_LIMIT_BYTES,
) -> Outcome:
    """One file, one fresh worker: for a script or a one-off check. Use a pool for many."""
    with BoundedPool(1, timeout=timeout, memory_limit=memory_limit) as pool:
        return pool.run(fn, path)
