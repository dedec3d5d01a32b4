"""Tables of the returns store (SQLAlchemy, so SQLite or a shared PostgreSQL by URL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from xl_ni179.store.outcomes import Outcome, Source

# Rows that are a file's own verdict (not "duplicate", which repeats an earlier one's).
ORIGINALS = sql_text(f"outcome <> '{Outcome.DUPLICATE}'")


class Base(DeclarativeBase):
    pass


def _one_per_original(name: str, *columns: str) -> Index:
    """A unique index over the rows that are a verdict of their own (``ORIGINALS``).

    The condition is declared here for SQLite only; ``for_postgresql`` adds PostgreSQL's.
    Declaring it for PostgreSQL at import would load SQLAlchemy's PostgreSQL dialect into
    every command on a SQLite store: some 50 ms, an eighth of what ``consolidate`` imports."""
    return Index(name, *columns, unique=True, sqlite_where=ORIGINALS)


def for_postgresql() -> None:
    """Give the partial indexes their PostgreSQL condition: the same ``ORIGINALS``. Called
    where PostgreSQL's dialect is loaded anyway (an engine on a PostgreSQL store) and by
    ``schema_models``, the tables as the migrations describe them."""
    for index in Base.metadata.tables[Submission.__tablename__].indexes:
        if index.dialect_kwargs.get("sqlite_where") is ORIGINALS:
            index.dialect_kwargs["postgresql_where"] = ORIGINALS


class StoredFile(Base):
    """A received file's bytes, kept once by content hash (never by the sender's name)."""

    __tablename__ = "files"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)  # relative to the workspace
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime)


class Submission(Base):
    """One receipt of one file: accepted, rejected or a duplicate of an earlier one."""

    __tablename__ = "submissions"
    # What makes two receipts at once impossible rather than rare (store.receiving records
    # each in one write transaction; these stop whatever gets past that): one verdict per
    # verdict key, and one of each version number per organisation and round.
    __table_args__ = (
        _one_per_original("uq_submissions_verdict", "verdict_key"),
        _one_per_original("uq_submissions_version", "org_code", "round_id", "version"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # The organisation the receipt is filed under: the one in the file, unless the sender is
    # not registered for it (then the sender's own organisation, or none).
    org_code: Mapped[str | None] = mapped_column(String(32), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("files.sha256"))
    # What decided the verdict: file, sender, round asked for, configuration (see Workspace.receive).
    verdict_key: Mapped[str | None] = mapped_column(String(64), index=True)
    sender: Mapped[str | None] = mapped_column(String(320))
    original_name: Mapped[str | None] = mapped_column(Text)  # shown to people, never used as a path
    source: Mapped[str] = mapped_column(String(32), default=Source.CLI.value)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # accepted, rejected, duplicate
    version: Mapped[int | None] = mapped_column(Integer)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict] = mapped_column(JSON)


class Figure(Base):
    """One input value extracted from a return (accepted or rejected; only accepted ones are
    consolidated, a rejected one's fill the checked copy sent back)."""

    __tablename__ = "figures"
    __table_args__ = (UniqueConstraint("submission_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    number: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str | None] = mapped_column(Text)


class Chaser(Base):
    """A reminder drafted or sent to a partner."""

    __tablename__ = "chasers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[str] = mapped_column(String(64), index=True)
    org_code: Mapped[str] = mapped_column(String(32), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    mode: Mapped[str] = mapped_column(String(16))  # draft or sent
    detail: Mapped[str | None] = mapped_column(Text)


class AuditEntry(Base):
    """Every action on the store, in order."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON)
