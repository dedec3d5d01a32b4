"""Opening the store's database: SQLite needs nothing more, PostgreSQL needs its driver.

The driver is an extra (``pip install 'xl_ni179[postgres]'``), so a missing one is a
one-line error naming the extra, never a traceback from deep inside SQLAlchemy.

Several ni179 processes may use one store at once (two intake runs, a consolidator's
``receive`` and the ribbon). How they take turns:

- **SQLite.** Every transaction that may write starts with ``BEGIN IMMEDIATE``: it takes
  the database's write lock before it reads anything, so two writers never both read a
  state and then both act on it (and SQLite never has to refuse one of them half-way, as
  it must when two deferred transactions both try to upgrade to writing). Read-only work
  (``Workspace.reading``) begins deferred and never waits for a writer to finish its
  transaction. A process that finds the lock held waits up to ``NI179_LOCK_WAIT`` seconds
  (``store.locks.lock_wait``), then stops with ``StoreBusyError``, which names the holder.
  The journal mode is left as the file has it: WAL is not switched on, because a
  workspace on a Windows file share (docs/mail-intake.md shows one) is opened from more
  than one computer, where WAL's shared memory cannot work; see docs/store.md.
- **PostgreSQL.** Row locks and one advisory lock per job (``store.locks``); a lock not
  granted within the same wait raises ``StoreBusyError`` too (``lock_timeout``), naming the
  ni179 sessions that hold transactions open (each connection carries its process's
  ``application_name``).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, ExceptionContext, make_url

# The extra that installs each driver module a store URL may name.
DRIVER_EXTRAS = {"psycopg": "postgres"}
# Execution option a read-only session sets (Workspace.reading): begin deferred, not immediate.
BEGIN_OPTION = "ni179_begin"


def open_engine(url: str | URL) -> Engine:
    """An engine for the store at ``url``; WorkspaceError when its driver is not installed."""
    from xl_ni179.store.locks import activity, lock_wait

    kind = make_url(url).get_backend_name()
    wait = lock_wait()
    connect_args: dict[str, Any] = {}
    if kind == "sqlite":
        connect_args = {"timeout": wait}
    elif kind == "postgresql":
        connect_args = {
            "application_name": activity()[:63],
            "options": f"-c lock_timeout={int(wait * 1000)}",
        }
    try:
        engine = create_engine(url, connect_args=connect_args)
    except ModuleNotFoundError as exc:
        from xl_ni179.errors import WorkspaceError

        # Only the kind of database is named: the URL itself may hold a password.
        kind = make_url(url).drivername
        module = (exc.name or "").partition(".")[0]
        extra = DRIVER_EXTRAS.get(module)
        how = (
            f"install it with: pip install 'xl_ni179[{extra}]'"
            if extra
            else f"install the Python package that provides {module or 'it'}"
        )
        raise WorkspaceError(
            f"The store's database ({kind}://…, as NI179_DATABASE_URL names it) needs the "
            f"driver {module or kind}, which is not installed: {how}."
        ) from None
    if kind == "sqlite":
        _sqlite_turns(engine, wait)
    elif kind == "postgresql":
        from xl_ni179.store.models import for_postgresql

        for_postgresql()
        _postgresql_turns(engine, wait)
    return engine


def _sqlite_turns(engine: Engine, wait: float) -> None:
    from xl_ni179.store import locks

    database = engine.url.database or ""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling would begin deferred, on the first write
        # only: we begin every transaction ourselves (below).
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")
        if mode == "IMMEDIATE":
            locks.note_holding(database)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(conn: Connection) -> None:
        if conn.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE") == "IMMEDIATE":
            locks.note_released(database)

    @event.listens_for(engine, "handle_error")
    def _busy(context: ExceptionContext) -> None:
        original = context.original_exception
        if isinstance(original, sqlite3.OperationalError) and _is_busy(original):
            raise locks.busy_error(database, wait) from None


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return (
        "database is locked" in text
        or "database is busy" in text
        or "database table is locked" in text
    )


def _postgresql_turns(engine: Engine, wait: float) -> None:
    from xl_ni179.store import locks

    @event.listens_for(engine, "handle_error")
    def _busy(context: ExceptionContext) -> None:
        if getattr(context.original_exception, "sqlstate", None) == "55P03":  # lock_not_available
            raise locks.busy_error_postgresql(engine, wait) from None
