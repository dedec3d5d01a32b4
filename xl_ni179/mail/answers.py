"""The words of each reply. Every one says what happened and what, if anything, to do next.

A reply is rebuilt from the ledger row and the store (never from memory), so the reply sent
after a restart is the same one that would have been sent before the crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from xl_ni179.intake import render
from xl_ni179.mail.classify import clean_text
from xl_ni179.mail.notices import build_notice
from xl_ni179.mail.outgoing import compose
from xl_ni179.partnership import Partnership
from xl_ni179.rules.findings import MAX_LISTED, Finding, Report
from xl_ni179.store.mail_ledger import MailMessage
from xl_ni179.store.models import Submission
from xl_ni179.store.outcomes import FILE_OUTCOMES, MailOutcome, Outcome
from xl_ni179.store.workspace import Workspace
from xl_ni179.template.builder import checked_filename

MB = 1024 * 1024


def _report(sub: Submission) -> Report:
    data = sub.report or {}
    return Report(
        file=clean_text(sub.original_name, 120),
        organisation=sub.org_code,
        round_id=sub.round_id,
        findings=[Finding(**f) for f in data.get("findings", [])],
        sha256=sub.sha256,
        omitted=int(data.get("omitted") or 0),
    )


def build_reply(workspace: Workspace, row: MailMessage) -> EmailMessage:
    """The reply to one message, no larger than the configuration's ``reply_limit_mb``.

    A reply lists every finding when it fits; otherwise the first ones (errors first) and how
    many more there are, all of them being on the attached checked copy's results sheet. If
    the checked copy alone would break the limit it is left off, and the reply says so.
    """
    p = workspace.partnership
    files: list[tuple[str, bytes]] = []
    report: Report | None = None
    sub: Submission | None = None
    original: Submission | None = None
    if row.outcome in FILE_OUTCOMES:
        with workspace.session() as s:
            sub = s.get_one(Submission, row.submission_ids[0])
            original = s.get(Submission, sub.duplicate_of) if sub.duplicate_of else None
        report = _report(sub)
        if row.outcome == MailOutcome.REJECTED:
            files = _annotated(
                workspace, sub
            )  # none after a file-level rejection: nothing of it goes back
    budget = p.reply_limit_bytes
    limits = [
        MAX_LISTED,
        *(n for n in LISTED_STEPS if report is not None and n < len(report.findings)),
    ]
    message = None
    for attach in (True, False) if files else (False,):
        for limit in limits:
            message = _compose(
                workspace,
                row,
                sub,
                original,
                report,
                files if attach else [],
                bool(files) and not attach,
                limit,
            )
            if _wire_size(message) <= budget:
                return message
    assert message is not None  # the last try lists nothing and attaches nothing: a few kilobytes
    return message


# How many findings a reply lists when all of them would make it too large.
LISTED_STEPS = (200, 100, 50, 20, 10, 5, 0)


def _wire_size(message: EmailMessage) -> int:
    """The message's size as sent (lines end CRLF on the wire): what a server's limit counts."""
    return len(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))


@dataclass(frozen=True)
class _Facts:
    """What the words of one reply are made from: the ledger row, and the stored file's
    submission and report when the message brought one."""

    p: Partnership
    row: MailMessage
    sub: Submission | None
    original: Submission | None  # the earlier submission a duplicate repeats
    report: Report | None
    files: list[tuple[str, bytes]]  # the checked copy, when it goes back with the reply
    left_off: bool  # a checked copy was due but would have made the reply too large

    @property
    def detail(self) -> dict:
        return self.row.detail or {}

    @property
    def shown(self) -> str:
        return (
            self.report.file if self.report is not None else ""
        )  # the sender's file name, one clean line


@dataclass(frozen=True)
class _Reply:
    """One outcome's reply: the words added to the subject, and the paragraphs of the text."""

    subject: str
    lines: Callable[[_Facts], list[str]]
    # Whether the stored file's findings are listed below the text (not for a duplicate of
    # an accepted return: there is nothing to do).
    lists_findings: Callable[[_Facts], bool] = lambda facts: True


def _accepted(f: _Facts) -> list[str]:
    assert f.sub is not None and f.report is not None
    p, round_id = f.p, f.sub.round_id
    rnd = (
        p.round(round_id).title
        if round_id and any(r.id == round_id for r in p.rounds)
        else "the current round"
    )
    lines = [
        f"Thank you. Your NI 179 return for {rnd} ('{f.shown}') has been accepted as version {f.sub.version}."
    ]
    if f.report.unexplained_warnings:
        lines.append(
            f"It has {len(f.report.unexplained_warnings)} warning(s) listed below. They do "
            "not stop the return being accepted. Please check each one: if the figure is "
            "right, explain it in the Explanation column of the Checks sheet (no need to "
            "change it), and send the workbook again when you can."
        )
    lines.append("If you send a corrected workbook later, the latest accepted version counts.")
    return lines


def _rejected(f: _Facts) -> list[str]:
    assert f.report is not None
    if f.files:
        what = (
            "Each problem is also marked as a comment on its cell in the attached checked copy: "
            "a fresh return template with your figures copied in. Please correct them (there or "
            "in your own workbook) and send the workbook again, attached to an email to this address."
        )
    elif f.left_off:
        what = (
            "The checked copy of your workbook is not attached: with this many problems it would "
            f"make this message larger than the {f.p.reply_limit_bytes / MB:g} MB our mail system "
            "sends. Please correct the problems listed below in your own workbook and send it "
            "again, attached to an email to this address."
        )
    else:
        what = (
            "No workbook is attached: this file could not be opened safely as one of our return "
            "templates, so no copy of it is sent back. Please do what the list below says and send "
            "the workbook again, attached to an email to this address."
        )
    return [
        f"Your NI 179 return ('{f.shown}') could not be accepted: it has {len(f.report.errors)} error(s), "
        "listed below.",
        what,
    ]


def _original_state(f: _Facts) -> str:
    return f.original.outcome if f.original else "received"


def _duplicate(f: _Facts) -> list[str]:
    assert f.report is not None
    when = f.original.received_at.strftime("%d %B %Y %H:%M") if f.original else "earlier"
    if (
        _original_state(f) == Outcome.REJECTED
    ):  # the same file from the same sender: the same verdict
        return [
            f"We already have this exact workbook ('{f.shown}'), received {when}. "
            f"It could not be accepted then, so it cannot be now: it has {len(f.report.errors)} "
            "error(s), listed below.",
            "Please correct them in your workbook and send the corrected workbook again.",
        ]
    return [
        f"We already have this exact workbook ('{f.shown}'), received {when} and {_original_state(f)}. "
        "Nothing more is needed.",
        "If you meant to send a corrected version, please attach the corrected workbook.",
    ]


def _no_workbook(f: _Facts) -> list[str]:
    return [
        "Your message to the NI 179 returns mailbox had no Excel workbook attached, so there was "
        "nothing to record.",
        "Please reply with your completed return workbook attached as an .xlsx file (the file "
        "we sent you, named like NI179_<your code>_<round>.xlsx).",
    ]


def _several(f: _Facts) -> list[str]:
    return [
        f"Your message had {_count(f.detail)} workbooks attached ({_names(f.detail)}). None of them "
        "has been recorded.",
        "Please send one return per message, so that each is checked and acknowledged on its "
        "own: send each workbook in a separate email.",
    ]


def _wrong_format(f: _Facts) -> list[str]:
    return [
        f"{_names(f.detail)} is not an .xlsx workbook, so it could not be checked.",
        "Please open it in Excel, choose File > Save As > 'Excel Workbook (*.xlsx)' (not .xls, "
        "not macro-enabled .xlsm), and send the .xlsx file.",
    ]


def _zipped(f: _Facts) -> list[str]:
    return [
        f"{_names(f.detail)} is a compressed (zip) file. We do not open compressed attachments.",
        "Please attach the .xlsx return workbook itself, not a zip file containing it.",
    ]


def _oversize(f: _Facts) -> list[str]:
    return [
        f"Your message is {f.detail.get('size', 0) / MB:.1f} MB, larger than the "
        f"{f.detail.get('limit', 0) / MB:.3g} MB this mailbox accepts, so it was not opened.",
        "Please send only the return workbook (a completed return is well under 1 MB), without "
        "other attachments or pictures.",
    ]


# Each outcome that is answered, and how. (A quarantined message is never answered: the
# consolidator is sent a notice instead, xl_ni179.mail.notices.)
REPLIES: dict[MailOutcome, _Reply] = {
    MailOutcome.ACCEPTED: _Reply("accepted", _accepted),
    MailOutcome.REJECTED: _Reply("NOT accepted - please correct and resend", _rejected),
    MailOutcome.DUPLICATE: _Reply(
        "already received", _duplicate, lambda f: _original_state(f) == Outcome.REJECTED
    ),
    MailOutcome.NO_WORKBOOK: _Reply("no workbook attached", _no_workbook),
    MailOutcome.SEVERAL_WORKBOOKS: _Reply("please send one return per message", _several),
    MailOutcome.WRONG_FORMAT: _Reply("workbook in the wrong format", _wrong_format),
    MailOutcome.ZIPPED: _Reply("zipped attachment", _zipped),
    MailOutcome.OVERSIZE: _Reply("message too large", _oversize),
}


def _compose(
    workspace: Workspace,
    row: MailMessage,
    sub: Submission | None,
    original: Submission | None,
    report: Report | None,
    files: list[tuple[str, bytes]],
    left_off: bool,
    limit: int,
) -> EmailMessage:
    p = workspace.partnership
    if row.outcome == MailOutcome.QUARANTINE:  # the consolidator is told; the sender never is
        return build_notice(p, row)
    reply = REPLIES.get(row.outcome) if row.outcome else None  # type: ignore[call-overload]
    if reply is None:
        raise ValueError(f"no reply is due for outcome {row.outcome!r}")
    facts = _Facts(p, row, sub, original, report, files, left_off)
    org = p.organisation_for_email(row.sender or "")
    who = org.name if org else "your organisation"
    sign = (
        f"{p.consolidator_name}\n{p.consolidator_email}\n(This is an automatic reply: please do not "
        "reply to it unless you are sending a return.)"
    )
    text_extra, html_extra = (
        _findings(facts, who, limit) if reply.lists_findings(facts) else ("", "")
    )
    cc = (
        [p.consolidator_email] if (row.sender or "").lower() != p.consolidator_email.lower() else []
    )
    return compose(
        to=[row.sender or ""],
        cc=cc,
        from_addr=p.consolidator_email,
        subject=_subject(row, reply),
        paragraphs=[f"Dear colleague at {who},", *reply.lines(facts), sign],
        message_id=row.reply_message_id or "",
        in_reply_to=row.message_id,
        text_extra=text_extra,
        html_extra=html_extra,
        attachments=files,
    )


def _subject(row: MailMessage, reply: _Reply) -> str:
    original = (row.subject or "").strip()
    return f"Re: {original} [{reply.subject}]" if original else f"NI 179 return: {reply.subject}"


def _findings(f: _Facts, who: str, limit: int) -> tuple[str, str]:
    """The stored file's findings as text and as HTML, listed below the reply (none without a file)."""
    if f.report is None or f.sub is None:
        return "", ""
    from xl_ni179.spec.schema import ANNOTATION_SHEET  # the checked copy's results sheet

    listed = (
        f"the first {len(f.report.findings)}"
        if f.report.omitted
        else f"all {len(f.report.findings)}"
    )
    rest = (
        f"{listed} are listed on the '{ANNOTATION_SHEET}' sheet of the attached checked copy"
        if f.files
        else "please fix those listed and send the workbook again; any that remain will be listed in our next reply"
    )
    return (
        render.to_text(f.report, who, limit=limit, rest=rest),
        render.to_html(f.report, who, limit=limit, rest=rest),
    )


NAMES_SHOWN = 10  # attachment names a reply repeats; a message may carry thousands


def _count(detail: dict) -> int:
    """How many attachments the message had (a ledger row keeps the first names and the count)."""
    return int(detail.get("count") or len(detail.get("names", [])))


def _names(detail: dict) -> str:
    names = [str(n) for n in detail.get("names", [])]
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown + (
        f" and {_count(detail) - NAMES_SHOWN} more" if _count(detail) > NAMES_SHOWN else ""
    )


def _annotated(workspace: Workspace, sub: Submission) -> list[tuple[str, bytes]]:
    data = workspace.annotated_copy(sub.id)  # the library decides whether anything may go back
    return [(checked_filename(sub.org_code, sub.round_id), data)] if data is not None else []
