"""What one message in the intake mailbox is, and what is due for it: decided before
anything with a side effect, then written to its ledger row (``mail.ledger``).

A message is parsed only once ``mail.bounds`` has measured its raw bytes; one too costly to
read is quarantined unread, with what its From header claims shown and marked so.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage

from xl_ni179.mail import bounds
from xl_ni179.mail.classify import automatic_reason, clean_text, contents, raw_message_id
from xl_ni179.mail.notices import AMBIGUOUS, STRANGER, notice_due, quarantine_detail
from xl_ni179.mail.outgoing import stable_message_id
from xl_ni179.mail.sources import MailSource, MessageRef
from xl_ni179.mail.trust import Sender, Trust, check_sender
from xl_ni179.partnership import Partnership
from xl_ni179.store.outcomes import Folder, MailOutcome, Step

UNREAD = "not-read"  # quarantined on its raw bytes, before anything parsed it (bounds.py)
NAMES_KEPT = (
    20  # attachment names kept in the ledger and the audit log; a message may carry thousands
)


@dataclass
class Decision:
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


def parse(data: bytes) -> EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


def decide(
    source: MailSource,
    ref: MessageRef,
    requeued: int | None,
    *,
    max_bytes: int,
    trust: Trust,
    partnership: Partnership,
) -> Decision:
    """What the message is and what is due for it; it is parsed only within ``bounds``.

    ``requeued``: the ledger row of its earlier handling when the message was put back in
    the inbox (its reply is then a new message too).
    """
    reply = reply_id(ref, requeued, partnership.consolidator_email)
    oversize = ref.size > max_bytes
    data = source.headers(ref) if oversize else source.fetch(ref)
    too_big = bounds.problem(data, max_bytes, headers_only=oversize)
    if too_big:
        return _unread(partnership, data, too_big, reply)
    msg = parse(data)
    # Everything taken from the message into the ledger is cleaned here, once: it is
    # shown in replies and copied into our headers (Subject, In-Reply-To, References).
    sender = check_sender(msg, trust)
    d = Decision(
        message_id=raw_message_id(msg),
        sender=sender.address,
        subject=clean_text(str(msg.get("Subject") or "")),
    )
    unbelieved = _unbelieved(partnership, sender)
    reason = automatic_reason(msg)
    if reason:
        return _automatic(partnership, d, msg, reason, believed=unbelieved is None)
    if unbelieved is not None:
        # A stranger or a spoofer: nothing is stored, the sender is not answered (a reply could
        # carry a partner's findings to whoever forged the From), and no status changes; the
        # consolidator is told (notices.py), so a genuine partner is never dropped silently.
        return _quarantine(partnership, d, msg, *unbelieved, reply=reply)
    d.may_repeat = True
    if oversize:
        d.outcome, d.detail = MailOutcome.OVERSIZE, {"size": ref.size, "limit": max_bytes}
    else:
        _what_it_holds(d, msg)
    d.reply_message_id = reply
    return d


def reply_id(ref: MessageRef, requeued: int | None, consolidator_email: str) -> str:
    # A message put back in the inbox is answered anew: its reply must be a new message too.
    seed = f"{ref.key}#{requeued}" if requeued else ref.key
    return stable_message_id(seed, consolidator_email)


def _what_it_holds(d: Decision, msg: EmailMessage) -> None:
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


def _names(names: list[str]) -> dict[str, object]:
    """The attachments' names as the ledger keeps them: the first few, and how many there were."""
    return {"names": names[:NAMES_KEPT], "count": len(names)}


def _claimed_from(data: bytes) -> str:
    """The From header's text as the message gives it (unparsed, cleaned, short)."""
    import re

    found = re.search(rb"(?im)^from[ \t]*:[ \t]*([^\r\n]{0,200})", data[: bounds.MAX_HEADER_BYTES])
    text = found[1].decode("utf-8", "replace") if found else ""
    return f"'{clean_text(text, 80)}'" if text.strip() else "no one"


def _unbelieved(partnership: Partnership, sender: Sender) -> tuple[str, str] | None:
    """Why, and what kind of problem, the message is not believed to come from a partner;
    None when it is."""
    if sender.problem:
        return sender.problem, sender.kind or STRANGER
    match = partnership.sender(sender.address)  # one organisation, or none (partnership.senders)
    if match.problem:
        return match.problem, AMBIGUOUS if match.ambiguous else STRANGER
    return None


def _unread(partnership: Partnership, data: bytes, too_big: str, reply: str) -> Decision:
    """A message too costly to read: nothing of it is parsed, so its sender is unknown, and
    what it claims is shown, marked so."""
    claimed = _claimed_from(data)
    why = f"it was not read, because {too_big} (it says it is from {claimed}; not checked)"
    d = Decision(
        outcome=MailOutcome.QUARANTINE,
        folder=Folder.QUARANTINE,
        detail={"reason": why, "kind": UNREAD, "label": "too costly to read", "from": claimed},
    )
    if notice_due(partnership, None, UNREAD, claimed):  # it may be a partner's
        d.reply_message_id = reply
    return d


def _automatic(
    partnership: Partnership, d: Decision, msg: EmailMessage, reason: str, *, believed: bool
) -> Decision:
    """An out-of-office or other robot: never answered. A partner's (``believed``) is
    harmless; robots we do not know may be worth a look. Our header on a message not From
    our address is someone copying it: a robot."""
    own = reason == "our own message" and d.sender == partnership.consolidator_email.lower()
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
    partnership: Partnership, d: Decision, msg: EmailMessage, why: str, kind: str, *, reply: str
) -> Decision:
    """Held for the consolidator, with a notice when the message may be a partner's."""
    d.outcome, d.folder, d.detail = (
        MailOutcome.QUARANTINE,
        Folder.QUARANTINE,
        quarantine_detail(msg, why, kind),
    )
    if notice_due(partnership, d.sender, kind, d.detail["from"]):
        d.reply_message_id = reply  # the notice to the consolidator
    return d
