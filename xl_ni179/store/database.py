"""Opening the store's database: SQLite needs nothing more, PostgreSQL needs its driver.

The driver is an extra (``pip install 'xl_ni179[postgres]'``), so a missing one is a
one-line error naming the extra, never a traceback from deep inside SQLAlchemy.
"""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine, make_url

# The extra that installs each driver module a store URL may name.
DRIVER_EXTRAS = {"psycopg": "postgres"}


def open_engine(url: str | URL) -> Engine:
    """An engine for the store at ``url``; WorkspaceError when its driver is not installed."""
    try:
        return create_engine(url)
    except ModuleNotFoundError as exc:
        from xl_ni179.errors import WorkspaceError

        # Only the kind of database is named: the URL itself may hold a password.
        kind = make_url(url).drivername
        module = (exc.name or "").partition(".")[0]
        extra = DRIVER_EXTRAS.get(module)
        how = (f"install it with: pip install 'xl_ni179[{extra}]'" if extra
               else f"install the Python package that provides {module or 'it'}")
        raise WorkspaceError(f"The store's database ({kind}://…, as NI179_DATABASE_URL names it) needs the "
                             f"driver {module or kind}, which is not installed: {how}.") from None
