"""Bring a store's database up to the current schema with Alembic.

Every process that opens a store calls ``upgrade``. When the database is already current
(nearly always) that costs one query and Alembic is never imported, which keeps a
ribbon click or a command quick; otherwise the migrations run, and on PostgreSQL an
advisory lock makes concurrent starts (an intake worker and a consolidator) take turns.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "0003"  # the newest migration; a test checks it against the scripts
LOCK_KEY = 179_0001  # arbitrary, fixed: the advisory lock all ni179 processes share


def alembic_config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str | None:
    """The newest migration, as Alembic reads it from the scripts."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The database's revision; None for an empty database."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from xl_ni179.store.database import BEGIN_OPTION

    try:  # a read: it need not wait for a writer's turn on SQLite
        with engine.execution_options(**{BEGIN_OPTION: "DEFERRED"}).connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:  # no version table yet
        return None


def upgrade(engine: Engine) -> None:
    """Apply any migrations the database lacks (one query when it is current)."""
    if current_revision(engine) == HEAD:
        return
    from alembic import command
    from sqlalchemy import text

    cfg = alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
