"""The mail the intake quarantined, for the consolidator to see: ``ni179 status``, the ribbon's
Returns status sheet read it from the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy import func, select

from xl_ni179.store.mail_ledger import MailMessage
from xl_ni179.store.outcomes import FILE_OUTCOMES, Folder
from xl_ni179.store.workspace import Workspace

MISCONFIGURED_KIND = (
    "server-misconfigured"  # xl_ni179.mail.trust.MISCONFIGURED (store imports no mail)
)


@dataclass(frozen=True)
class QuarantinedMail:
    """One message the intake would not believe: shown to the consolidator, never answered."""

    received_at: dt.datetime
    sender: str  # the From header as it came, control characters shown as escapes
    subject: str
    kind: str  # e.g. forged-results, not-authenticated, stranger, server-misconfigured
    label: str  # the kind in words
    reason: str

    @property
    def misconfigured(self) -> bool:
        return self.kind == MISCONFIGURED_KIND

    def to_dict(self) -> dict:
        data = asdict(self)
        data["received_at"] = self.received_at.isoformat(timespec="seconds")
        data["misconfigured"] = self.misconfigured
        return data


def quarantined_mail(workspace: Workspace) -> list[QuarantinedMail]:
    """Every message the intake put in Quarantine, the latest first."""
    with workspace.reading() as s:
        rows = s.scalars(
            select(MailMessage)
            .where(MailMessage.folder == Folder.QUARANTINE)
            .order_by(MailMessage.claimed_at.desc(), MailMessage.id.desc())
        ).all()
    out = []
    for row in rows:
        d = row.detail or {}
        out.append(
            QuarantinedMail(
                received_at=row.claimed_at,
                sender=str(d.get("from") or row.sender or "(unknown)"),
                subject=row.subject or "",
                kind=str(d.get("kind") or row.outcome or ""),
                label=str(d.get("label") or d.get("kind") or row.outcome or ""),
                reason=str(d.get("reason") or ""),
            )
        )
    return out


def misconfiguration(
    workspace: Workspace, quarantined: list[QuarantinedMail]
) -> QuarantinedMail | None:
    """The latest quarantine blamed on our mail server's setup, unless a return has come
    through the intake since (then the server has been fixed)."""
    latest = next((q for q in quarantined if q.misconfigured), None)
    if latest is None:
        return None
    with workspace.reading() as s:
        stored = s.scalar(
            select(func.max(MailMessage.claimed_at)).where(MailMessage.outcome.in_(FILE_OUTCOMES))
        )
    return latest if stored is None or stored <= latest.received_at else None
