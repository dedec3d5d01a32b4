"""Process the intake mailbox: each message is stored, answered and filed exactly once.

Order of steps for one message, each recorded in the ledger (``mail_messages``) before
the next begins:

    read (ledger row) -> claim -> store (workspace.receive) -> reply (SMTP) -> move (folder)

A restart after a crash resumes each message from its ledger row: a claimed message whose
workbook was already stored adopts that submission instead of storing it again; a stored
one that was not answered is answered; an answered one still in the inbox is just moved.
The only step that cannot be made atomic is the SMTP hand-over: a crash after the server
took the reply but before the ledger said so sends it again - with the same Message-ID,
so it is the same message to every mail client.

Several runs at once (two services on one mailbox, a manual run beside the timer's) take
each message in turn: a run works on a message only while it holds that message's lock
(``store.locks.try_lock``: a PostgreSQL advisory lock, or an OS file lock beside a SQLite
store; either is released when the run ends or dies) and, under the lock, first checks
that the message is still in the inbox and what the ledger says of it now.

A message is read only after ``mail.bounds`` has measured its raw bytes: one too deep, too
many-parted or with headers too long to parse quickly is quarantined unread. A run that
dies while reading a message (the ``reading`` step) leaves that in the ledger; after
``MAX_READS`` such deaths the message is quarantined unread, so no message can stop every
later run.

"Already answered" (outcome ``repeat``, no reply) means: the same sender's message (by
Message-ID) or workbook (by SHA-256) was handled before under the same configuration. A
message the consolidator moves back into the inbox, or one that arrives again after the
configuration changed (a sender added, a round's closing date moved), is checked again.

What a message is and what is due for it is decided in ``mail.decision``; each step is
written to the ledger by ``mail.ledger``; this module takes the messages through the steps.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from xl_ni179 import environment
from xl_ni179.errors import StoreBusyError
from xl_ni179.mail import decision
from xl_ni179.mail.answers import build_reply
from xl_ni179.mail.classify import contents
from xl_ni179.mail.ledger import ANSWERABLE, Ledger
from xl_ni179.mail.outgoing import SmtpSender
from xl_ni179.mail.sources import MailSource, MailSourceError, MessageGone, MessageRef
from xl_ni179.mail.trust import MISCONFIGURED, Trust, require_trust
from xl_ni179.store.locks import try_lock
from xl_ni179.store.mail_ledger import MAX_READS, MailMessage
from xl_ni179.store.outcomes import Folder, MailOutcome, Source, Step
from xl_ni179.store.workspace import Incoming, Workspace
from xl_ni179.text import quote

# Postfix refuses messages over its message_size_limit (10,240,000 bytes by default) itself: our limit
# sits below it, so a message too large for us reaches us and its sender gets our answer.
MAX_BYTES = int(9.5 * 1024 * 1024)
# Messages taken in hand at once: their workbooks are validated together on every worker.
# Each holds a database lock (a PostgreSQL connection) until the batch is done, so keep it
# well under the engine's pool of 15 connections.
BATCH = 8
LOCK_PREFIX = "ni179-mail:"
ERROR_CHARS = 1_000  # of an error's text, shown and stored


@dataclass
class IntakeResult:
    outcomes: Counter[str] = field(
        default_factory=Counter
    )  # MailOutcome -> messages finished this run
    errors: list[str] = field(default_factory=list)  # messages left in the inbox for next time
    # why messages were quarantined because our mail server is set up wrongly (every
    # message would be): reported loudly, apart from ordinary quarantines
    misconfigured: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return sum(self.outcomes.values())


def _pause() -> None:
    # Lets the kill test land a SIGKILL between any two steps; never set in production.
    delay = float(environment.get(environment.INTAKE_STEP_DELAY) or 0)
    if delay > 0:
        time.sleep(delay)


def process(
    workspace: Workspace,
    source: MailSource,
    smtp: SmtpSender | str,
    *,
    authserv_id: str | None,
    max_bytes: int = MAX_BYTES,
    received_by: str | None = None,
) -> IntakeResult:
    """Handle every message in the inbox once; safe to run again at any time.

    ``authserv_id`` names the receiving mail server whose Authentication-Results header is
    believed (xl_ni179.mail.trust); without it nothing proves who sent a message, so it is
    required for every mailbox. ``received_by`` is the name in the ``by`` clause of the
    Received header that server adds (default: the authserv-id): headers above it are the
    server's, everything below came with the message.
    """
    trust = require_trust(authserv_id, received_by)
    sender = smtp if isinstance(smtp, SmtpSender) else SmtpSender(smtp)
    _clear_temp(workspace)
    intake = _Intake(workspace, source, sender, max_bytes, trust)
    result = IntakeResult()
    refs = source.messages()
    intake.reconcile({ref.key for ref in refs}, result)
    for start in range(0, len(refs), BATCH):
        intake.handle_batch(refs[start : start + BATCH], result)
    return result


@contextmanager
def _one_message(workspace: Workspace, ref: MessageRef, result: IntakeResult) -> Iterator[None]:
    """Whatever goes wrong with one message is noted and the message left for the next run;
    the code after the ``with`` block runs only then."""
    try:
        yield
    except StoreBusyError:
        raise  # the store itself cannot be used: no later message could be handled either
    except Exception as exc:  # noqa: BLE001 - one bad message must not stop the others
        _note_error(workspace, ref, exc, result)


def _note_error(
    workspace: Workspace, ref: MessageRef, exc: Exception, result: IntakeResult
) -> None:
    # An error's text may carry the sender's (a server's answer quoting it): bounded, as stored.
    if isinstance(exc, MailSourceError):  # SMTP or IMAP trouble: the message stays for the next run
        result.errors.append(f"{ref.key}: {quote(str(exc), ERROR_CHARS)}")
        workspace.audit("mail-error", {"message": ref.key, "error": quote(str(exc), ERROR_CHARS)})
        return
    result.errors.append(
        f"{ref.key}: could not be handled ({type(exc).__name__}: {quote(str(exc), ERROR_CHARS)}); "
        "it stays in the inbox - please forward it to IT support"
    )
    workspace.audit("mail-error", {"message": ref.key, "error": quote(repr(exc), ERROR_CHARS)})


def _temp_dir(workspace: Workspace) -> Path:
    folder = workspace.path / "mail-tmp"
    folder.mkdir(exist_ok=True)
    return folder


def _clear_temp(workspace: Workspace) -> None:
    # Workbooks are written here (a folder per batch) only while workspace.receive_many reads them;
    # what a killed run left is removed once it is clearly stale.
    for path in _temp_dir(workspace).iterdir():
        try:
            if time.time() - path.stat().st_mtime > 600:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
        except OSError:
            pass


class _Intake:
    def __init__(
        self,
        workspace: Workspace,
        source: MailSource,
        smtp: SmtpSender,
        max_bytes: int,
        trust: Trust,
    ) -> None:
        self.workspace, self.source, self.smtp = workspace, source, smtp
        self.max_bytes, self.trust = max_bytes, trust
        self.ledger = Ledger(workspace)

    def reconcile(self, present: set[str], result: IntakeResult) -> None:
        """Finish rows whose message has left the inbox: a run killed after the move but
        before recording it, or a message a person moved. Answer it if that is still due."""
        for stale in self.ledger.answerable(self.source.prefix):
            if stale.mailbox_key in present:
                continue
            with try_lock(self.workspace.engine, LOCK_PREFIX + stale.mailbox_key) as mine:
                row = self.ledger.row(stale.mailbox_key) if mine else None  # re-read under the lock
                if row is None or row.step not in ANSWERABLE:
                    continue
                try:
                    if row.step != Step.REPLIED and row.reply_message_id:
                        self._reply(row)
                except MailSourceError as exc:
                    result.errors.append(f"{row.mailbox_key}: {exc}")
                    continue
                self.ledger.update(row, step=Step.MOVED)

    def handle_batch(self, refs: list[MessageRef], result: IntakeResult) -> None:
        """Claim each message, store the batch's workbooks (validated together on every
        worker, recorded one by one), then answer and file each message."""
        # Several runs may read one mailbox: the lock gives each message to one of them at a
        # time, and a run killed mid-batch releases its messages with it.
        with ExitStack() as locks:
            rows = [taken for ref in refs if (taken := self._take(ref, locks, result)) is not None]
            failed = self._store(
                [(ref, row) for ref, row in rows if row.step == Step.CLAIMED], result
            )
            for ref, row in rows:
                if ref.key not in failed:
                    with _one_message(self.workspace, ref, result):
                        self._finish(ref, row, result)

    def _take(
        self, ref: MessageRef, locks: ExitStack, result: IntakeResult
    ) -> tuple[MessageRef, MailMessage] | None:
        """The message and its ledger row, claimed if it was not yet; None when it is not ours
        to handle now."""
        with _one_message(self.workspace, ref, result):
            if not locks.enter_context(try_lock(self.workspace.engine, LOCK_PREFIX + ref.key)):
                return None  # another run is handling it now
            # Under the lock, as things are now: the inbox was listed before it was taken.
            if not self.source.present(ref):
                return None  # another run finished it (or a person moved it) meanwhile
            row = self.ledger.row(ref.key)
            if row is None or row.step in (Step.READING, Step.MOVED):
                row = self._claim(ref, row)
                if row is None:
                    return None
                _pause()
            return ref, row
        return None

    def _finish(self, ref: MessageRef, row: MailMessage, result: IntakeResult) -> None:
        """Answer the message if that is due, then file it; count what became of it."""
        if row.step in (Step.RECEIVED, Step.SENDING) and row.reply_message_id:
            self._reply(row)
            _pause()
        if row.step != Step.MOVED:
            try:
                self.source.move(ref, row.folder or Folder.PROCESSED)
            except MessageGone:
                pass  # a person moved it out of the inbox first: it is filed all the same
            self.ledger.update(row, step=Step.MOVED)
        if row.outcome:
            result.outcomes[row.outcome] += 1
        if (
            row.outcome == MailOutcome.QUARANTINE
            and (row.detail or {}).get("kind") == MISCONFIGURED
        ):
            result.misconfigured.append(str(row.detail.get("reason", "")))

    # -- claim: decide what the message is, before anything with a side effect --------------

    def _claim(self, ref: MessageRef, earlier: MailMessage | None) -> MailMessage | None:
        """Note that the message is being read, then read it and decide what it is.

        ``earlier``: the row a run that died while reading this message left (step READING),
        or the row of its earlier handling (step MOVED) when the message is back in the inbox:
        the consolidator put it back (as docs/mail-intake.md says to, after registering a
        sender), so it is handled afresh, and the earlier row keeps its history under another key.
        """
        if earlier is None or earlier.step == Step.MOVED:
            requeued = earlier.id if earlier is not None else None
            reading = self.ledger.start_reading(ref, earlier)
            if reading is None:
                return None  # another run read it first
        else:
            reading, requeued = earlier, (earlier.detail or {}).get("requeued")
            reads = (reading.reads or 0) + 1
            if reads > MAX_READS:
                return self.ledger.set_aside(ref, reading)
            self.ledger.update(reading, reads=reads)
        _pause()
        decided = decision.decide(
            self.source,
            ref,
            requeued,
            max_bytes=self.max_bytes,
            trust=self.trust,
            partnership=self.workspace.partnership,
        )
        return self.ledger.record_decision(ref, reading.id, decided, requeued)

    # -- store: workspace.receive_many, or adopt what a killed run already stored --------------------

    def _store(
        self, claimed: list[tuple[MessageRef, MailMessage]], result: IntakeResult
    ) -> set[str]:
        """Store the claimed messages' workbooks; the keys of those that failed."""
        failed: set[str] = set()
        pending: list[tuple[MessageRef, MailMessage, Incoming]] = []
        with tempfile.TemporaryDirectory(dir=_temp_dir(self.workspace)) as folder:
            for ref, row in claimed:
                with _one_message(self.workspace, ref, result):
                    sub_id = self.ledger.stored_already(row)
                    if sub_id is not None:
                        self.ledger.stored(row, sub_id)
                        continue
                    sha = row.hashes[0]
                    workbook = next(
                        w
                        for w in contents(decision.parse(self.source.fetch(ref))).workbooks
                        if w.sha256 == sha
                    )
                    # a generated name: the sender's file name is only ever shown, never used as a path
                    path = Path(folder) / f"{len(pending)}.xlsx"
                    path.write_bytes(workbook.data)
                    pending.append(
                        (ref, row, Incoming(path, row.sender, row.claimed_at, workbook.name))
                    )
                    continue
                failed.add(ref.key)
            while pending:  # after a failure the rest go on in a new batch
                try:
                    for receipt in self.workspace.receive_many(
                        [item for _, _, item in pending], source=Source.MAIL
                    ):
                        _pause()
                        if (
                            receipt.submission_id is None
                        ):  # our own temporary file, refused: never "stored"
                            raise RuntimeError(
                                f"the workbook could not be kept ({receipt.outcome})"
                            )
                        self.ledger.stored(pending[0][1], receipt.submission_id)
                        pending.pop(0)
                        _pause()
                except Exception as exc:  # noqa: BLE001 - one bad message must not stop the others
                    ref = pending.pop(0)[0]
                    _note_error(self.workspace, ref, exc, result)
                    failed.add(ref.key)
        return failed

    # -- reply -------------------------------------------------------------------------------

    def _reply(self, row: MailMessage) -> None:
        resend = (
            row.step == Step.SENDING
        )  # a run died mid-send: same Message-ID, so the same message
        message = build_reply(self.workspace, row)
        self.ledger.update(row, step=Step.SENDING)
        self.smtp.send(message)
        self.ledger.update(row, step=Step.REPLIED)
        self.workspace.audit(
            "mail-reply",
            {
                "message": row.mailbox_key,
                "reply": row.reply_message_id,
                "to": row.sender,
                "outcome": row.outcome,
                "resend": resend,
            },
        )
