"""What became of a received file or a mailbox message, and how a file came in: each value named once.

Each is a ``StrEnum``: a member *is* its string, so the store keeps (and ``--json`` prints)
the same words it always did, rows written before these names existed compare equal to
them, and a member can be used wherever the plain string was.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """What receiving one file decided (``Submission.outcome``, ``Receipt.outcome``)."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    # The same file from the same sender for the same round, under the same configuration as
    # an earlier receipt: that receipt's verdict again, recorded but never counted twice.
    DUPLICATE = "duplicate"
    REFUSED = "refused"  # receipts only: not an ordinary file, so never read and nothing recorded


class Source(StrEnum):
    """How a file reached the store (``Submission.source``)."""

    CLI = "cli"  # ni179 receive / ni179 demo, or a library call
    RIBBON = "ribbon"  # the ribbon's "Receive returns from a folder"
    MAIL = "mail"  # the mail intake


class State(StrEnum):
    """Where a partner's return stands in a round (``OrgStatus.state``)."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"  # its latest return was rejected: awaiting a fix
    MISSING = "missing"


class MailOutcome(StrEnum):
    """What the mail intake did with one message (``MailMessage.outcome``).

    A message with one workbook takes the workbook's receipt (accepted, rejected or
    duplicate); every other outcome is the message's own."""

    ACCEPTED = Outcome.ACCEPTED.value
    REJECTED = Outcome.REJECTED.value
    DUPLICATE = Outcome.DUPLICATE.value
    QUARANTINE = "quarantine"  # not believed (or not read): not stored, its sender not answered
    REPEAT = "repeat"  # this sender's same message or workbook was answered before: no reply
    OWN_REPLY = "own-reply"  # one of our own replies come back
    AUTOMATIC = "automatic"  # an out-of-office or other robot
    OVERSIZE = "oversize"
    SEVERAL_WORKBOOKS = "several-workbooks"
    ZIPPED = "zipped"
    WRONG_FORMAT = "wrong-format"
    NO_WORKBOOK = "no-workbook"


# The outcomes that come from a stored workbook: their reply quotes its report.
FILE_OUTCOMES = (MailOutcome.ACCEPTED, MailOutcome.REJECTED, MailOutcome.DUPLICATE)


class Folder(StrEnum):
    """Where the intake files a message it has finished with (``MailMessage.folder``)."""

    PROCESSED = "Processed"
    REJECTED = "Rejected"  # its workbook was rejected
    QUARANTINE = "Quarantine"  # not believed, or not read: for the consolidator to look at


class Step(StrEnum):
    """The mail ledger's steps, in order; a row only ever moves forward through them.

    READING is written before the message is read at all: a run that dies reading it
    leaves the row there (a message built to exhaust the intake must not stop every later run)."""

    READING = "reading"
    CLAIMED = "claimed"  # read, and holds one workbook to store
    RECEIVED = "received"  # its workbook stored, or nothing to store: a reply may be due
    SENDING = "sending"  # the reply is being handed to the mail server
    REPLIED = "replied"
    MOVED = "moved"  # filed out of the inbox: done
