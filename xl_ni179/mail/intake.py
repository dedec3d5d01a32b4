"""Process the intake mailbox: each message is stored, answered and filed exactly once.

Order of steps for one message, each recorded in the ledger (``mail_messages``) before
the next begins:

    claim (ledger row) -> store (ws.receive) -> reply (SMTP) -> move (folder)

A restart after a crash resumes each message from its ledger row: a claimed message whose
workbook was already stored adopts that submission instead of storing it again; a stored
one that was not answered is answered; an answered one still in the inbox is just moved.
The only step that cannot be made atomic is the SMTP hand-over: a crash after the server
took the reply but before the ledger said so sends it again - with the same Message-ID,
so it is the same message to every mail client.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from xl_ni179.mail.answers import build_reply
from xl_ni179.mail.classify import automatic_reason, clean_text, contents, raw_message_id
from xl_ni179.mail.outgoing import SmtpSender, stable_message_id
from xl_ni179.mail.sources import PROCESSED, QUARANTINE, REJECTED, MailSource, MailSourceError, MessageRef
from xl_ni179.mail.trust import check_sender, require_authserv_id
from xl_ni179.store.locks import try_lock
from xl_ni179.store.mail_ledger import CLAIMED, MOVED, RECEIVED, REPLIED, SENDING, MailMessage
from xl_ni179.store.models import Submission
from xl_ni179.store.workspace import Incoming, Workspace
from xl_ni179.text import quote

MAX_BYTES = 15 * 1024 * 1024
# Messages taken in hand at once: their workbooks are validated together on every worker.
# Each holds a database lock (a PostgreSQL connection) until the batch is done, so keep it
# well under the engine's pool of 15 connections.
BATCH = 8
LOCK_PREFIX = "ni179-mail:"
STEP_DELAY_ENV = "NI179_INTAKE_STEP_DELAY"
ERROR_CHARS = 1_000  # of an error's text, shown and stored  # test-only: seconds to sleep between steps


@dataclass
class IntakeResult:
    outcomes: Counter = field(default_factory=Counter)  # outcome -> messages finished this run
    errors: list[str] = field(default_factory=list)  # messages left in the inbox for next time

    @property
    def handled(self) -> int:
        return sum(self.outcomes.values())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _pause() -> None:
    # Lets the kill test land a SIGKILL between any two steps; never set in production.
    delay = float(os.environ.get(STEP_DELAY_ENV) or 0)
    if delay > 0:
        time.sleep(delay)


def _parse(data: bytes) -> EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


def process(ws: Workspace, source: MailSource, smtp: SmtpSender | str, *, authserv_id: str | None,
            max_bytes: int = MAX_BYTES) -> IntakeResult:
    """Handle every message in the inbox once; safe to run again at any time.

    ``authserv_id`` names the receiving mail server whose Authentication-Results header is
    believed (xl_ni179.mail.trust); without it nothing proves who sent a message, so it is
    required for every mailbox.
    """
    authserv_id = require_authserv_id(authserv_id)
    sender = smtp if isinstance(smtp, SmtpSender) else SmtpSender(smtp)
    _clear_temp(ws)
    intake = _Intake(ws, source, sender, max_bytes, authserv_id)
    result = IntakeResult()
    refs = source.messages()
    intake.reconcile({ref.key for ref in refs}, result)
    for start in range(0, len(refs), BATCH):
        intake.handle_batch(refs[start:start + BATCH], result)
    return result


@contextmanager
def _one_message(ws: Workspace, ref: MessageRef, result: IntakeResult) -> Iterator[None]:
    """Whatever goes wrong with one message is noted and the message left for the next run;
    the code after the ``with`` block runs only then."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - one bad message must not stop the others
        _note_error(ws, ref, exc, result)


def _note_error(ws: Workspace, ref: MessageRef, exc: Exception, result: IntakeResult) -> None:
    # An error's text may carry the sender's (a server's answer quoting it): bounded, as stored.
    if isinstance(exc, MailSourceError):  # SMTP or IMAP trouble: the message stays for the next run
        result.errors.append(f"{ref.key}: {quote(str(exc), ERROR_CHARS)}")
        ws.audit("mail-error", {"message": ref.key, "error": quote(str(exc), ERROR_CHARS)})
        return
    result.errors.append(f"{ref.key}: could not be handled ({type(exc).__name__}: {quote(str(exc), ERROR_CHARS)}); "
                         "it stays in the inbox - please forward it to IT support")
    ws.audit("mail-error", {"message": ref.key, "error": quote(repr(exc), ERROR_CHARS)})


NAMES_KEPT = 20  # attachment names kept in the ledger and the audit log; a message may carry thousands


def _names(names: list[str]) -> dict[str, object]:
    """The attachments' names as the ledger keeps them: the first few, and how many there were."""
    return {"names": names[:NAMES_KEPT], "count": len(names)}


def _temp_dir(ws: Workspace) -> Path:
    folder = ws.path / "mail-tmp"
    folder.mkdir(exist_ok=True)
    return folder


def _clear_temp(ws: Workspace) -> None:
    # Workbooks are written here (a folder per batch) only while ws.receive_many reads them;
    # what a killed run left is removed once it is clearly stale.
    for path in _temp_dir(ws).iterdir():
        try:
            if time.time() - path.stat().st_mtime > 600:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
        except OSError:
            pass


class _Intake:
    def __init__(self, ws: Workspace, source: MailSource, smtp: SmtpSender, max_bytes: int,
                 authserv_id: str) -> None:
        self.ws, self.source, self.smtp = ws, source, smtp
        self.max_bytes, self.authserv_id = max_bytes, authserv_id

    def _row(self, key: str) -> MailMessage | None:
        with self.ws.session() as s:
            return s.scalars(select(MailMessage).where(MailMessage.mailbox_key == key)).first()

    def _update(self, row: MailMessage, **changes: object) -> None:
        with self.ws.session() as s:
            live = s.get(MailMessage, row.id)
            for name, value in {**changes, "updated_at": _now()}.items():
                setattr(live, name, value)
                setattr(row, name, value)

    def reconcile(self, present: set[str], result: IntakeResult) -> None:
        """Finish rows whose message has left the inbox: a run killed after the move but
        before recording it, or a message a person moved. Answer it if that is still due."""
        with self.ws.session() as s:
            rows = s.scalars(select(MailMessage).where(
                MailMessage.step.in_((RECEIVED, SENDING, REPLIED)),
                MailMessage.mailbox_key.startswith(self.source.prefix, autoescape=True))).all()
        for stale in rows:
            if stale.mailbox_key in present:
                continue
            with try_lock(self.ws.engine, LOCK_PREFIX + stale.mailbox_key) as mine:
                row = self._row(stale.mailbox_key) if mine else None  # re-read under the lock
                if row is None or row.step not in (RECEIVED, SENDING, REPLIED):
                    continue
                try:
                    if row.step != REPLIED and row.reply_message_id:
                        self._reply(row)
                except MailSourceError as exc:
                    result.errors.append(f"{row.mailbox_key}: {exc}")
                    continue
                self._update(row, step=MOVED)

    def handle_batch(self, refs: list[MessageRef], result: IntakeResult) -> None:
        """Claim each message, store the batch's workbooks (validated together on every
        worker, recorded one by one), then answer and file each message."""
        # With a shared (PostgreSQL) store several workers may read one mailbox: the database
        # lock gives each message to one of them; a worker killed mid-batch releases them.
        with ExitStack() as locks:
            rows: list[tuple[MessageRef, MailMessage]] = []
            for ref in refs:
                with _one_message(self.ws, ref, result):
                    if not locks.enter_context(try_lock(self.ws.engine, LOCK_PREFIX + ref.key)):
                        continue
                    row = self._row(ref.key)
                    if row is None:
                        row = self._claim(ref)
                        if row is None:
                            continue  # another intake claimed it first
                        _pause()
                    rows.append((ref, row))
            failed = self._store([(ref, row) for ref, row in rows if row.step == CLAIMED], result)
            for ref, row in rows:
                if ref.key in failed:
                    continue
                with _one_message(self.ws, ref, result):
                    if row.step in (RECEIVED, SENDING) and row.reply_message_id:
                        self._reply(row)
                        _pause()
                    if row.step != MOVED:
                        self.source.move(ref, row.folder or PROCESSED)
                        self._update(row, step=MOVED)
                    if row.outcome:
                        result.outcomes[row.outcome] += 1

    # -- claim: decide what the message is, before anything with a side effect --------------

    def _claim(self, ref: MessageRef) -> MailMessage | None:
        oversize = ref.size > self.max_bytes
        msg = _parse(self.source.headers(ref) if oversize else self.source.fetch(ref))
        # Everything taken from the message into the ledger is cleaned here, once: it is
        # shown in replies and copied into our headers (Subject, In-Reply-To, References).
        sender = check_sender(msg, self.authserv_id)
        addr = sender.address
        message_id = raw_message_id(msg)
        row = MailMessage(mailbox_key=ref.key, message_id=message_id, sender=addr,
                          subject=clean_text(str(msg.get("Subject") or "")), hashes=[], claimed_at=_now(),
                          step=RECEIVED, folder=PROCESSED, submission_ids=[], detail={},
                          updated_at=_now())
        org = self.ws.partnership.organisation_for_email(addr) if addr else None
        reason = automatic_reason(msg)
        reply = True
        if reason:
            # a partner's out-of-office is harmless; robots we do not know may be worth a look
            # our header on a message not From our address is someone copying it: a robot
            own = reason == "our own message" and addr == self.ws.partnership.consolidator_email.lower()
            row.outcome, row.detail, reply = "own-reply" if own else "automatic", {"reason": reason}, False
            row.folder = PROCESSED if own or (org is not None and not sender.problem) else QUARANTINE
        elif sender.problem or org is None:
            # A stranger or a spoofer: nothing is stored, nothing is sent (a reply could carry a
            # partner's findings to whoever forged the From), and no status changes.
            why = sender.problem or f"{addr} is not registered for any partner"
            row.outcome, row.folder, row.detail, reply = "quarantine", QUARANTINE, {"reason": why}, False
        elif message_id and self._seen(addr, message_id=message_id):
            row.outcome, row.detail, reply = "repeat", {"reason": "same Message-ID already handled"}, False
        elif oversize:
            row.outcome, row.detail = "oversize", {"size": ref.size, "limit": self.max_bytes}
        else:
            found = contents(msg)
            if len(found.workbooks) == 1:
                row.hashes = [found.workbooks[0].sha256]
                if self._seen(addr, sha=row.hashes[0]):
                    row.outcome, row.detail, reply = "repeat", {"reason": "same workbook already handled"}, False
                else:
                    row.step, row.outcome = CLAIMED, None
            elif found.workbooks:
                row.outcome, row.detail = "several-workbooks", _names([w.name for w in found.workbooks])
            elif found.archives:
                row.outcome, row.detail = "zipped", _names(found.archives)
            elif found.wrong_format:
                row.outcome, row.detail = "wrong-format", _names(found.wrong_format)
            else:
                row.outcome = "no-workbook"
        if reply:
            row.reply_message_id = stable_message_id(ref.key, self.ws.partnership.consolidator_email)
        try:
            with self.ws.session() as s:
                s.add(row)
        except IntegrityError:
            return None
        self.ws.audit("mail", {"message": ref.key, "message_id": message_id, "sender": addr,
                               "outcome": row.outcome or "workbook", "detail": row.detail})
        return row

    def _seen(self, addr: str | None, *, message_id: str | None = None, sha: str | None = None) -> bool:
        """Has this sender's message (by Message-ID) or workbook (by hash) been handled already?

        A quarantined message was neither stored nor answered: once its sender is registered
        and the message is put back in the inbox, it is handled afresh.
        """
        with self.ws.session() as s:
            rows = [r for r in s.scalars(select(MailMessage).where(MailMessage.sender == addr)).all()
                    if r.outcome != "quarantine"]
        if message_id:
            return any(r.message_id == message_id for r in rows)
        return any(sha in (r.hashes or []) for r in rows)

    # -- store: ws.receive_many, or adopt what a killed run already stored --------------------

    def _store(self, claimed: list[tuple[MessageRef, MailMessage]], result: IntakeResult) -> set[str]:
        """Store the claimed messages' workbooks; the keys of those that failed."""
        failed: set[str] = set()
        pending: list[tuple[MessageRef, MailMessage, Incoming]] = []
        with tempfile.TemporaryDirectory(dir=_temp_dir(self.ws)) as folder:
            for ref, row in claimed:
                with _one_message(self.ws, ref, result):
                    sub_id = self._stored_already(row)
                    if sub_id is not None:
                        self._stored(row, sub_id)
                        continue
                    sha = row.hashes[0]
                    workbook = next(w for w in contents(_parse(self.source.fetch(ref))).workbooks if w.sha256 == sha)
                    # a generated name: the sender's file name is only ever shown, never used as a path
                    path = Path(folder) / f"{len(pending)}.xlsx"
                    path.write_bytes(workbook.data)
                    pending.append((ref, row, Incoming(path, row.sender, row.claimed_at, workbook.name)))
                    continue
                failed.add(ref.key)
            while pending:  # after a failure the rest go on in a new batch
                try:
                    for receipt in self.ws.receive_many([item for _, _, item in pending], source="mail"):
                        _pause()
                        self._stored(pending[0][1], receipt.submission_id)
                        pending.pop(0)
                        _pause()
                except Exception as exc:  # noqa: BLE001 - one bad message must not stop the others
                    ref = pending.pop(0)[0]
                    _note_error(self.ws, ref, exc, result)
                    failed.add(ref.key)
        return failed

    def _stored_already(self, row: MailMessage) -> int | None:
        # A submission with this hash, sender and our claim time was made for this very
        # message by a run that died before recording it: adopt it, don't receive twice.
        with self.ws.session() as s:
            return s.scalar(select(Submission.id).where(
                Submission.sha256 == row.hashes[0], Submission.sender == row.sender, Submission.source == "mail",
                Submission.received_at == row.claimed_at).order_by(Submission.id).limit(1))

    def _stored(self, row: MailMessage, sub_id: int) -> None:
        with self.ws.session() as s:
            outcome = s.get_one(Submission, sub_id).outcome
        self._update(row, step=RECEIVED, outcome=outcome, submission_ids=[sub_id],
                     folder=REJECTED if outcome == "rejected" else PROCESSED)

    # -- reply -------------------------------------------------------------------------------

    def _reply(self, row: MailMessage) -> None:
        resend = row.step == SENDING  # a run died mid-send: same Message-ID, so the same message
        message = build_reply(self.ws, row)
        self._update(row, step=SENDING)
        self.smtp.send(message)
        self._update(row, step=REPLIED)
        self.ws.audit("mail-reply", {"message": row.mailbox_key, "reply": row.reply_message_id,
                                     "to": row.sender, "outcome": row.outcome, "resend": resend})
