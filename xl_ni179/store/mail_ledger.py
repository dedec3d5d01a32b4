"""The intake ledger: one row per mailbox message, recording which steps are done.

The row is written before any step with a side effect, so a restart after a crash (or a
kill) knows what is left to do for each message: store, reply, move - each exactly once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xl_ni179.store.models import Base

# After MAX_READS runs died reading a message (step READING), it is set aside unread.
MAX_READS = 3


class MailMessage(Base):
    """One message seen in the intake mailbox."""

    __tablename__ = "mail_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Mailbox identity: "imap:<user>@<host>/<folder>:<uidvalidity>:<uid>" or "maildir:<dir>:<key>".
    # A message the consolidator put back in the inbox is handled afresh: the row of the
    # earlier handling keeps its history under "<key>#<row id>" (see mail.intake).
    mailbox_key: Mapped[str] = mapped_column(String(500), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    sender: Mapped[str | None] = mapped_column(String(320), index=True)
    subject: Mapped[str | None] = mapped_column(Text)
    # sha256 of each .xlsx attachment, in message order
    hashes: Mapped[list] = mapped_column(JSON, default=list)
    claimed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    step: Mapped[str] = mapped_column(String(16))
    # accepted, rejected, duplicate, repeat, no-workbook, several-workbooks, wrong-format,
    # oversize, automatic, own-reply, quarantine
    outcome: Mapped[str | None] = mapped_column(String(32))
    folder: Mapped[str | None] = mapped_column(String(64))  # where the message goes at the end
    reply_message_id: Mapped[str | None] = mapped_column(String(998))  # None: no reply is due
    submission_ids: Mapped[list] = mapped_column(JSON, default=list)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)  # what the reply needs to say
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # The configuration the message was checked against (sha256 of the workspace's file):
    # the same message again under another configuration is checked again.
    config_sha: Mapped[str | None] = mapped_column(String(64))
    reads: Mapped[int | None] = mapped_column(Integer)  # runs that began reading it (step READING)
