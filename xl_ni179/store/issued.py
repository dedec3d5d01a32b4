"""Which templates a workspace has issued, as ``ni179 validate`` asks before it starts.

The answer is in the store's audit log (``store.issue`` records each issue there). When the
store is a SQLite file already at the current schema, one read-only query through the
standard library answers it: opening the store through SQLAlchemy would cost the command a
third of a second of start-up, more than validating fifty returns. Any other store (a
PostgreSQL URL, a file that needs migrating, one that cannot be read that way) is opened
through SQLAlchemy and brought up to date, as every other command does.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xl_ni179 import environment
from xl_ni179.intake.worker_context import IssuedTemplate, issued_in
from xl_ni179.partnership import Partnership, load_partnership
from xl_ni179.store import migrate
from xl_ni179.store.paths import CONFIG_NAME, DB_NAME, store_url

if TYPE_CHECKING:
    from sqlalchemy.engine import URL
    from sqlalchemy.orm import Session

TEMPLATES_ACTION = "templates"  # the audit action that records an issue of templates
AUDIT_TABLE = "audit"  # store.models.AuditEntry's table; a test keeps the two the same


def issued_at(path: str | Path, p: Partnership | None = None) -> frozenset[IssuedTemplate]:
    """The templates issued from the workspace at ``path``, or none if it is not a workspace.

    ``p`` is the workspace's configuration, when the caller has loaded it already.
    ``ni179 validate`` run in a workspace recognises a return holding one of them unchanged
    by its fingerprint, as receiving does; elsewhere each return is compared with a template
    built for it.
    """
    path = Path(path)
    url = environment.get(environment.DATABASE_URL)
    if not ((path / CONFIG_NAME).exists() and (url or (path / DB_NAME).exists())):
        return frozenset()  # never create a store just to look
    records = None if url else _sqlite_records(path / DB_NAME)
    if records is None:
        records = _stored_records(store_url(path))
    return issued_in(records, p or load_partnership(path / CONFIG_NAME))


def template_issues(session: Session) -> list[dict[str, Any]]:
    """The issue records in the store ``session`` is open on."""
    from sqlalchemy import select

    from xl_ni179.store.models import AuditEntry

    return list(
        session.scalars(select(AuditEntry.detail).where(AuditEntry.action == TEMPLATES_ACTION))
    )


def _stored_records(url: str | URL) -> list[dict[str, Any]]:
    from sqlalchemy.orm import Session

    from xl_ni179.store.database import open_engine

    engine = open_engine(url)
    try:
        migrate.upgrade(engine)
        with Session(engine) as session:
            return template_issues(session)
    finally:
        engine.dispose()


def _sqlite_records(db: Path) -> Iterable[dict[str, Any]] | None:
    """The issue records of a current SQLite store, read only; None when it must be opened."""
    try:
        # A short wait for a writer: if the store stays busy, the full open below waits its turn.
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error:
        return None
    try:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        if revision != [(migrate.HEAD,)]:
            return None
        rows = conn.execute(
            f"SELECT detail FROM {AUDIT_TABLE} WHERE action = ?", (TEMPLATES_ACTION,)
        ).fetchall()
        return [json.loads(detail) for (detail,) in rows]
    except (sqlite3.Error, ValueError, TypeError):
        return None
    finally:
        conn.close()
