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
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
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
from sqlalchemy.orm import Session

from xl_ni179 import environment
from xl_ni179.errors import StoreBusyError
from xl_ni179.mail import bounds
from xl_ni179.mail.answers import build_reply
from xl_ni179.mail.classify import automatic_reason, clean_text, contents, raw_message_id
from xl_ni179.mail.notices import AMBIGUOUS, STRANGER, notice_due, quarantine_detail
from xl_ni179.mail.outgoing import SmtpSender, stable_message_id
from xl_ni179.mail.sources import MailSource, MailSourceError, MessageGone, MessageRef
from xl_ni179.mail.trust import MISCONFIGURED, Sender, Trust, check_sender, require_trust
from xl_ni179.store.locks import try_lock
from xl_ni179.store.mail_ledger import MAX_READS, MailMessage
from xl_ni179.store.models import Submission
from xl_ni179.store.outcomes import Folder, MailOutcome, Outcome, Source, Step
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


@dataclass
class _Decision:
    """What reading a message decided, before it is written to its ledger row."""

    message_id: str | None = None
    sender: str | None = None
    subject: str = ""
    hashes: list[str] = field(default_factory=list)
    step: Step = Step.RECEIVED  # CLAIMED: a workbook to store
    outcome: MailOutcome | None = None
    folder: Folder = Folder.PROCESSED
    detail: dict = field(default_factory=dict)
    reply_message_id: str | None = None  # None: no reply is due
    may_repeat: bool = False  # a partner's message: answered once per configuration


UNREAD = "not-read"  # quarantined on its raw bytes, before anything parsed it (bounds.py)
ANSWERABLE = (
    Step.RECEIVED,
    Step.SENDING,
    Step.REPLIED,
)  # decided, so a reply may be due: not yet moved


def _what_it_holds(d: _Decision, msg: EmailMessage) -> None:
    """A partner's message: one workbook to store (step CLAIMED), or the outcome that says
    what is wrong with its attachments."""
    found = contents(msg)
    if len(found.workbooks) == 1:
        d.hashes = [found.workbooks[0].sha256]
        d.step, d.outcome = Step.CLAIMED, None
    elif found.workbooks:
        d.outcome, d.detail = (
            MailOutcome.SEVERAL_WORKBOOKS,
            _names([w.name for w in found.workbooks]),
        )
    elif found.archives:
        d.outcome, d.detail = MailOutcome.ZIPPED, _names(found.archives)
    elif found.wrong_format:
        d.outcome, d.detail = MailOutcome.WRONG_FORMAT, _names(found.wrong_format)
    else:
        d.outcome = MailOutcome.NO_WORKBOOK


def _claimed_from(data: bytes) -> str:
    """The From header's text as the message gives it (unparsed, cleaned, short)."""
    import re

    found = re.search(rb"(?im)^from[ \t]*:[ \t]*([^\r\n]{0,200})", data[: bounds.MAX_HEADER_BYTES])
    text = found[1].decode("utf-8", "replace") if found else ""
    return f"'{clean_text(text, 80)}'" if text.strip() else "no one"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def _pause() -> None:
    # Lets the kill test land a SIGKILL between any two steps; never set in production.
    delay = float(environment.get(environment.INTAKE_STEP_DELAY) or 0)
    if delay > 0:
        time.sleep(delay)


def _parse(data: bytes) -> EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


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


NAMES_KEPT = (
    20  # attachment names kept in the ledger and the audit log; a message may carry thousands
)


def _names(names: list[str]) -> dict[str, object]:
    """The attachments' names as the ledger keeps them: the first few, and how many there were."""
    return {"names": names[:NAMES_KEPT], "count": len(names)}


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

    def _row(self, key: str) -> MailMessage | None:
        with self.workspace.reading() as s:
            return s.scalars(select(MailMessage).where(MailMessage.mailbox_key == key)).first()

    def _update(self, row: MailMessage, **changes: object) -> None:
        with self.workspace.session() as s:
            live = s.get(MailMessage, row.id)
            for name, value in {**changes, "updated_at": _now()}.items():
                setattr(live, name, value)
                setattr(row, name, value)

    def reconcile(self, present: set[str], result: IntakeResult) -> None:
        """Finish rows whose message has left the inbox: a run killed after the move but
        before recording it, or a message a person moved. Answer it if that is still due."""
        with self.workspace.reading() as s:
            rows = s.scalars(
                select(MailMessage).where(
                    MailMessage.step.in_(ANSWERABLE),
                    MailMessage.mailbox_key.startswith(self.source.prefix, autoescape=True),
                )
            ).all()
        for stale in rows:
            if stale.mailbox_key in present:
                continue
            with try_lock(self.workspace.engine, LOCK_PREFIX + stale.mailbox_key) as mine:
                row = self._row(stale.mailbox_key) if mine else None  # re-read under the lock
                if row is None or row.step not in ANSWERABLE:
                    continue
                try:
                    if row.step != Step.REPLIED and row.reply_message_id:
                        self._reply(row)
                except MailSourceError as exc:
                    result.errors.append(f"{row.mailbox_key}: {exc}")
                    continue
                self._update(row, step=Step.MOVED)

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
            row = self._row(ref.key)
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
            self._update(row, step=Step.MOVED)
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
            reading = self._start_reading(ref, earlier)
            if reading is None:
                return None  # another run read it first
        else:
            reading, requeued = earlier, (earlier.detail or {}).get("requeued")
            reads = (reading.reads or 0) + 1
            if reads > MAX_READS:
                return self._set_aside(ref, reading)
            self._update(reading, reads=reads)
        _pause()
        return self._record_decision(ref, reading.id, self._decide(ref, requeued), requeued)

    def _start_reading(self, ref: MessageRef, earlier: MailMessage | None) -> MailMessage | None:
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

    def _record_decision(
        self, ref: MessageRef, row_id: int, d: _Decision, requeued: int | None
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

    def _set_aside(self, ref: MessageRef, row: MailMessage) -> MailMessage:
        why = (
            f"the intake stopped {MAX_READS} times while reading this message, so it was set aside "
            "unread (a message can be built to exhaust the program reading it)"
        )
        detail = {"reason": why, "kind": UNREAD, "label": "set aside unread", "from": "(not read)"}
        self._update(
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

    def _decide(self, ref: MessageRef, requeued: int | None) -> _Decision:
        """What the message is and what is due for it; it is parsed only within ``bounds``."""
        oversize = ref.size > self.max_bytes
        data = self.source.headers(ref) if oversize else self.source.fetch(ref)
        too_big = bounds.problem(data, self.max_bytes, headers_only=oversize)
        if too_big:
            return self._unread(ref, requeued, data, too_big)
        msg = _parse(data)
        # Everything taken from the message into the ledger is cleaned here, once: it is
        # shown in replies and copied into our headers (Subject, In-Reply-To, References).
        sender = check_sender(msg, self.trust)
        d = _Decision(
            message_id=raw_message_id(msg),
            sender=sender.address,
            subject=clean_text(str(msg.get("Subject") or "")),
        )
        unbelieved = self._unbelieved(sender)
        reason = automatic_reason(msg)
        if reason:
            return self._automatic(d, msg, reason, believed=unbelieved is None)
        if unbelieved is not None:
            # A stranger or a spoofer: nothing is stored, the sender is not answered (a reply could
            # carry a partner's findings to whoever forged the From), and no status changes; the
            # consolidator is told (notices.py), so a genuine partner is never dropped silently.
            return self._quarantine(ref, requeued, d, msg, *unbelieved)
        d.may_repeat = True
        if oversize:
            d.outcome, d.detail = MailOutcome.OVERSIZE, {"size": ref.size, "limit": self.max_bytes}
        else:
            _what_it_holds(d, msg)
        d.reply_message_id = self._reply_id(ref, requeued)
        return d

    def _unbelieved(self, sender: Sender) -> tuple[str, str] | None:
        """Why, and what kind of problem, the message is not believed to come from a partner;
        None when it is."""
        if sender.problem:
            return sender.problem, sender.kind or STRANGER
        match = self.workspace.partnership.sender(
            sender.address
        )  # one organisation, or none (partnership.senders)
        if match.problem:
            return match.problem, AMBIGUOUS if match.ambiguous else STRANGER
        return None

    def _unread(
        self, ref: MessageRef, requeued: int | None, data: bytes, too_big: str
    ) -> _Decision:
        """A message too costly to read: nothing of it is parsed, so its sender is unknown, and
        what it claims is shown, marked so."""
        claimed = _claimed_from(data)
        why = f"it was not read, because {too_big} (it says it is from {claimed}; not checked)"
        d = _Decision(
            outcome=MailOutcome.QUARANTINE,
            folder=Folder.QUARANTINE,
            detail={"reason": why, "kind": UNREAD, "label": "too costly to read", "from": claimed},
        )
        if notice_due(self.workspace.partnership, None, UNREAD, claimed):  # it may be a partner's
            d.reply_message_id = self._reply_id(ref, requeued)
        return d

    def _automatic(
        self, d: _Decision, msg: EmailMessage, reason: str, *, believed: bool
    ) -> _Decision:
        """An out-of-office or other robot: never answered. A partner's (``believed``) is
        harmless; robots we do not know may be worth a look. Our header on a message not From
        our address is someone copying it: a robot."""
        own = (
            reason == "our own message"
            and d.sender == self.workspace.partnership.consolidator_email.lower()
        )
        d.outcome, d.detail = (
            MailOutcome.OWN_REPLY if own else MailOutcome.AUTOMATIC,
            {"reason": reason},
        )
        d.folder = Folder.PROCESSED if own or believed else Folder.QUARANTINE
        if d.folder == Folder.QUARANTINE:  # listed for the consolidator, never notified (robots)
            d.detail = quarantine_detail(
                msg,
                f"automatic mail ({reason}) from a sender not proven to be a partner",
                "automatic",
            )
        return d

    def _quarantine(
        self,
        ref: MessageRef,
        requeued: int | None,
        d: _Decision,
        msg: EmailMessage,
        why: str,
        kind: str,
    ) -> _Decision:
        """Held for the consolidator, with a notice when the message may be a partner's."""
        d.outcome, d.folder, d.detail = (
            MailOutcome.QUARANTINE,
            Folder.QUARANTINE,
            quarantine_detail(msg, why, kind),
        )
        if notice_due(self.workspace.partnership, d.sender, kind, d.detail["from"]):
            d.reply_message_id = self._reply_id(ref, requeued)  # the notice to the consolidator
        return d

    def _reply_id(self, ref: MessageRef, requeued: int | None) -> str:
        # A message put back in the inbox is answered anew: its reply must be a new message too.
        seed = f"{ref.key}#{requeued}" if requeued else ref.key
        return stable_message_id(seed, self.workspace.partnership.consolidator_email)

    def _repeat(self, s: Session, own_id: int, d: _Decision) -> str | None:
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
                    sub_id = self._stored_already(row)
                    if sub_id is not None:
                        self._stored(row, sub_id)
                        continue
                    sha = row.hashes[0]
                    workbook = next(
                        w
                        for w in contents(_parse(self.source.fetch(ref))).workbooks
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
                        self._stored(pending[0][1], receipt.submission_id)
                        pending.pop(0)
                        _pause()
                except Exception as exc:  # noqa: BLE001 - one bad message must not stop the others
                    ref = pending.pop(0)[0]
                    _note_error(self.workspace, ref, exc, result)
                    failed.add(ref.key)
        return failed

    def _stored_already(self, row: MailMessage) -> int | None:
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

    def _stored(self, row: MailMessage, sub_id: int) -> None:
        with self.workspace.reading() as s:
            outcome = s.get_one(Submission, sub_id).outcome
        self._update(
            row,
            step=Step.RECEIVED,
            outcome=outcome,
            submission_ids=[sub_id],
            folder=Folder.REJECTED if outcome == Outcome.REJECTED else Folder.PROCESSED,
        )

    # -- reply -------------------------------------------------------------------------------

    def _reply(self, row: MailMessage) -> None:
        resend = (
            row.step == Step.SENDING
        )  # a run died mid-send: same Message-ID, so the same message
        message = build_reply(self.workspace, row)
        self._update(row, step=Step.SENDING)
        self.smtp.send(message)
        self._update(row, step=Step.REPLIED)
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
