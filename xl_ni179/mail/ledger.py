"""The mail intake's reads and writes of its ledger: one row per mailbox message, saying
which steps are done (the table is ``store.mail_ledger``; the steps, ``mail.intake``).

Each write is its own transaction, made before the step with a side effect that follows
it, so a run that dies anywhere leaves a row the next run resumes from.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xl_ni179.mail.decision import UNREAD, Decision
from xl_ni179.mail.sources import MessageRef
from xl_ni179.store.mail_ledger import MAX_READS, MailMessage
from xl_ni179.store.models import Submission
from xl_ni179.store.outcomes import Folder, MailOutcome, Outcome, Source, Step
from xl_ni179.store.workspace import Workspace

ANSWERABLE = (
    Step.RECEIVED,
    Step.SENDING,
    Step.REPLIED,
)  # decided, so a reply may be due: not yet moved


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class Ledger:
    """The ledger rows of one workspace's intake."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def row(self, key: str) -> MailMessage | None:
        with self.workspace.reading() as s:
            return s.scalars(select(MailMessage).where(MailMessage.mailbox_key == key)).first()

    def update(self, row: MailMessage, **changes: object) -> None:
        with self.workspace.session() as s:
            live = s.get(MailMessage, row.id)
            for name, value in {**changes, "updated_at": _now()}.items():
                setattr(live, name, value)
                setattr(row, name, value)

    def answerable(self, prefix: str) -> list[MailMessage]:
        """The rows of this mailbox (keys starting ``prefix``) decided but not yet moved."""
        with self.workspace.reading() as s:
            return list(
                s.scalars(
                    select(MailMessage).where(
                        MailMessage.step.in_(ANSWERABLE),
                        MailMessage.mailbox_key.startswith(prefix, autoescape=True),
                    )
                ).all()
            )

    # -- claim: a message being read, then what was decided --------------------------------------

    def start_reading(self, ref: MessageRef, earlier: MailMessage | None) -> MailMessage | None:
        """The new row (step READING) of a message seen for the first time, or put back in
        the inbox; None when another run wrote it first."""
        requeued = earlier.id if earlier is not None else None
        reading = MailMessage(
            mailbox_key=ref.key,
            hashes=[],
            claimed_at=_now(),
            step=Step.READING,
            submission_ids=[],
            detail={"requeued": requeued} if requeued else {},
            updated_at=_now(),
            reads=1,
            config_sha=self.workspace.config_sha,
        )
        try:
            with (
                self.workspace.session() as s
            ):  # one transaction: a kill never loses the "put back"
                if earlier is not None:
                    live = s.get_one(MailMessage, earlier.id)
                    live.mailbox_key, live.updated_at = (
                        f"{earlier.mailbox_key}#{earlier.id}",
                        _now(),
                    )
                    self.workspace.audit(
                        "mail-requeued",
                        {
                            "message": ref.key,
                            "earlier": earlier.id,
                            "earlier_outcome": earlier.outcome,
                        },
                        session=s,
                    )
                    s.flush()  # the key is free before the new row takes it
                s.add(reading)
        except IntegrityError:
            return None
        return reading

    def record_decision(
        self, ref: MessageRef, row_id: int, d: Decision, requeued: int | None
    ) -> MailMessage:
        """Write what was decided to the message's row; the repeat check and the claim are one
        write transaction."""
        with self.workspace.session() as s:
            row = s.get_one(MailMessage, row_id)
            if d.may_repeat and requeued is None:
                why = self._repeat(s, row.id, d)
                if why:
                    d.step, d.outcome, d.detail, d.reply_message_id = (
                        Step.RECEIVED,
                        MailOutcome.REPEAT,
                        {"reason": why},
                        None,
                    )
            for name in (
                "message_id",
                "sender",
                "subject",
                "hashes",
                "step",
                "outcome",
                "folder",
                "detail",
                "reply_message_id",
            ):
                setattr(row, name, getattr(d, name))
            row.config_sha, row.updated_at = self.workspace.config_sha, _now()
            self.workspace.audit(
                "mail",
                {
                    "message": ref.key,
                    "message_id": row.message_id,
                    "sender": row.sender,
                    "outcome": row.outcome or "workbook",
                    "detail": row.detail,
                },
                session=s,
            )
        return row

    def set_aside(self, ref: MessageRef, row: MailMessage) -> MailMessage:
        why = (
            f"the intake stopped {MAX_READS} times while reading this message, so it was set aside "
            "unread (a message can be built to exhaust the program reading it)"
        )
        detail = {"reason": why, "kind": UNREAD, "label": "set aside unread", "from": "(not read)"}
        self.update(
            row,
            step=Step.RECEIVED,
            outcome=MailOutcome.QUARANTINE,
            folder=Folder.QUARANTINE,
            detail=detail,
            reply_message_id=None,
        )
        self.workspace.audit(
            "mail", {"message": ref.key, "outcome": MailOutcome.QUARANTINE, "detail": row.detail}
        )
        return row

    def _repeat(self, s: Session, own_id: int, d: Decision) -> str | None:
        """Why this message needs no answer: this sender's same message (by Message-ID) or
        workbook was handled under the same configuration. A quarantined one was neither
        stored nor answered, so it does not count."""
        earlier = [
            r
            for r in s.scalars(
                select(MailMessage).where(
                    MailMessage.sender == d.sender,
                    MailMessage.id != own_id,
                    MailMessage.config_sha == self.workspace.config_sha,
                )
            ).all()
            if r.outcome != MailOutcome.QUARANTINE and r.step != Step.READING
        ]
        if d.message_id and any(r.message_id == d.message_id for r in earlier):
            return "same Message-ID already handled"
        if d.hashes and any(d.hashes[0] in (r.hashes or []) for r in earlier):
            return "same workbook already handled"
        return None

    # -- store: the submission a claimed message's workbook became --------------------------------

    def stored_already(self, row: MailMessage) -> int | None:
        # A submission with this hash, sender and our claim time was made for this very
        # message by a run that died before recording it: adopt it, don't receive twice.
        with self.workspace.reading() as s:
            return s.scalar(
                select(Submission.id)
                .where(
                    Submission.sha256 == row.hashes[0],
                    Submission.sender == row.sender,
                    Submission.source == Source.MAIL,
                    Submission.received_at == row.claimed_at,
                )
                .order_by(Submission.id)
                .limit(1)
            )

    def stored(self, row: MailMessage, sub_id: int) -> None:
        with self.workspace.reading() as s:
            outcome = s.get_one(Submission, sub_id).outcome
        self.update(
            row,
            step=Step.RECEIVED,
            outcome=outcome,
            submission_ids=[sub_id],
            folder=Folder.REJECTED if outcome == Outcome.REJECTED else Folder.PROCESSED,
        )
