"""The words of each reply. Every one says what happened and what, if anything, to do next.

A reply is rebuilt from the ledger row and the store (never from memory), so the reply sent
after a restart is the same one that would have been sent before the crash.
"""

from __future__ import annotations

import re
from email.message import EmailMessage

from xl_ni179.intake import render
from xl_ni179.mail.classify import clean_text
from xl_ni179.mail.notices import build_notice
from xl_ni179.mail.outgoing import compose
from xl_ni179.rules.findings import MAX_LISTED, Finding, Report
from xl_ni179.store.mail_ledger import MailMessage
from xl_ni179.store.models import Submission
from xl_ni179.store.workspace import Workspace

MB = 1024 * 1024


def _report(sub: Submission) -> Report:
    data = sub.report or {}
    return Report(file=clean_text(sub.original_name, 120), organisation=sub.org_code, round_id=sub.round_id,
                  findings=[Finding(**f) for f in data.get("findings", [])], sha256=sub.sha256,
                  omitted=int(data.get("omitted") or 0))


def _subject(row: MailMessage, text: str) -> str:
    original = (row.subject or "").strip()
    return f"Re: {original} [{text}]" if original else f"NI 179 return: {text}"


def build_reply(ws: Workspace, row: MailMessage) -> EmailMessage:
    """The reply to one message, no larger than the configuration's ``reply_limit_mb``.

    A reply lists every finding when it fits; otherwise the first ones (errors first) and how
    many more there are, all of them being on the attached checked copy's results sheet. If
    the checked copy alone would break the limit it is left off, and the reply says so.
    """
    p = ws.partnership
    files: list[tuple[str, bytes]] = []
    report: Report | None = None
    sub: Submission | None = None
    original: Submission | None = None
    if row.outcome in ("accepted", "rejected", "duplicate"):
        with ws.session() as s:
            sub = s.get_one(Submission, row.submission_ids[0])
            original = s.get(Submission, sub.duplicate_of) if sub.duplicate_of else None
        report = _report(sub)
        if row.outcome == "rejected":
            files = _annotated(ws, sub)  # none after a file-level rejection: nothing of it goes back
    budget = p.reply_limit_bytes
    limits = [MAX_LISTED, *(n for n in LISTED_STEPS if report is not None and n < len(report.findings))]
    message = None
    for attach in ((True, False) if files else (False,)):
        for limit in limits:
            message = _compose(ws, row, sub, original, report, files if attach else [], bool(files) and not attach,
                               limit)
            if _wire_size(message) <= budget:
                return message
    assert message is not None  # the last try lists nothing and attaches nothing: a few kilobytes
    return message


# How many findings a reply lists when all of them would make it too large.
LISTED_STEPS = (200, 100, 50, 20, 10, 5, 0)


def _wire_size(message: EmailMessage) -> int:
    """The message's size as sent (lines end CRLF on the wire): what a server's limit counts."""
    return len(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))


def _compose(ws: Workspace, row: MailMessage, sub: Submission | None, original: Submission | None,
             report: Report | None, files: list[tuple[str, bytes]], left_off: bool, limit: int) -> EmailMessage:
    p = ws.partnership
    if row.outcome == "quarantine":  # the consolidator is told; the sender never is
        return build_notice(p, row)
    org = p.organisation_for_email(row.sender or "")
    who = org.name if org else "your organisation"
    greeting = f"Dear colleague at {who},"
    sign = f"{p.consolidator_name}\n{p.consolidator_email}\n(This is an automatic reply: please do not " \
           "reply to it unless you are sending a return.)"
    text_extra, html_extra = "", ""
    d = row.detail or {}
    outcome = row.outcome
    if report is not None and sub is not None:
        from xl_ni179.intake.validate import ANNOTATION_SHEET  # the checked copy's results sheet

        shown = report.file  # the sender's file name, one clean line
        rnd = p.round(sub.round_id).title if sub.round_id and any(r.id == sub.round_id for r in p.rounds) \
            else "the current round"
        listed = f"the first {len(report.findings)}" if report.omitted else f"all {len(report.findings)}"
        rest = (f"{listed} are listed on the '{ANNOTATION_SHEET}' sheet of the attached checked copy" if files else
                "please fix those listed and send the workbook again; any that remain will be listed in our next reply")
        text_extra = render.to_text(report, who, limit=limit, rest=rest)
        html_extra = render.to_html(report, who, limit=limit, rest=rest)
        if outcome == "accepted":
            subject = _subject(row, "accepted")
            lines = [f"Thank you. Your NI 179 return for {rnd} ('{shown}') has been accepted "
                     f"as version {sub.version}."]
            if report.unexplained_warnings:
                lines.append(f"It has {len(report.unexplained_warnings)} warning(s) listed below. They do "
                             "not stop the return being accepted. Please check each one: if the figure is "
                             "right, explain it in the Explanation column of the Checks sheet (no need to "
                             "change it), and send the workbook again when you can.")
            lines.append("If you send a corrected workbook later, the latest accepted version counts.")
        elif outcome == "rejected":
            subject = _subject(row, "NOT accepted - please correct and resend")
            lines = [f"Your NI 179 return ('{shown}') could not be accepted: it has "
                     f"{len(report.errors)} error(s), listed below.",
                     "Each problem is also marked as a comment on its cell in the attached checked copy: "
                     "a fresh return template with your figures copied in. Please correct them (there or "
                     "in your own workbook) and send the workbook again, attached to an email to this "
                     "address." if files else
                     "The checked copy of your workbook is not attached: with this many problems it would "
                     f"make this message larger than the {p.reply_limit_bytes / MB:g} MB our mail system "
                     "sends. Please correct the problems listed below in your own workbook and send it "
                     "again, attached to an email to this address." if left_off else
                     "No workbook is attached: this file could not be opened safely as one of our return "
                     "templates, so no copy of it is sent back. Please do what the list below says and send "
                     "the workbook again, attached to an email to this address."]
        else:
            when = original.received_at.strftime("%d %B %Y %H:%M") if original else "earlier"
            state = original.outcome if original else "received"
            subject = _subject(row, "already received")
            if state == "rejected":  # the same file from the same sender: the same verdict
                lines = [f"We already have this exact workbook ('{shown}'), received {when}. "
                         f"It could not be accepted then, so it cannot be now: it has {len(report.errors)} "
                         "error(s), listed below.",
                         "Please correct them in your workbook and send the corrected workbook again."]
            else:
                lines = [f"We already have this exact workbook ('{shown}'), received {when} "
                         f"and {state}. Nothing more is needed.",
                         "If you meant to send a corrected version, please attach the corrected workbook."]
                text_extra = html_extra = ""
    elif outcome == "no-workbook":
        subject = _subject(row, "no workbook attached")
        lines = ["Your message to the NI 179 returns mailbox had no Excel workbook attached, so there was "
                 "nothing to record.",
                 "Please reply with your completed return workbook attached as an .xlsx file (the file "
                 "we sent you, named like NI179_<your code>_<round>.xlsx)."]
    elif outcome == "several-workbooks":
        subject = _subject(row, "please send one return per message")
        lines = [f"Your message had {_count(d)} workbooks attached ({_names(d)}). None of them "
                 "has been recorded.",
                 "Please send one return per message, so that each is checked and acknowledged on its "
                 "own: send each workbook in a separate email."]
    elif outcome == "wrong-format":
        subject = _subject(row, "workbook in the wrong format")
        lines = [f"{_names(d)} is not an .xlsx workbook, so it could not be checked.",
                 "Please open it in Excel, choose File > Save As > 'Excel Workbook (*.xlsx)' (not .xls, "
                 "not macro-enabled .xlsm), and send the .xlsx file."]
    elif outcome == "zipped":
        subject = _subject(row, "zipped attachment")
        lines = [f"{_names(d)} is a compressed (zip) file. We do not open compressed attachments.",
                 "Please attach the .xlsx return workbook itself, not a zip file containing it."]
    elif outcome == "oversize":
        subject = _subject(row, "message too large")
        lines = [f"Your message is {d.get('size', 0) / MB:.1f} MB, larger than the "
                 f"{d.get('limit', 0) / MB:.3g} MB this mailbox accepts, so it was not opened.",
                 "Please send only the return workbook (a completed return is well under 1 MB), without "
                 "other attachments or pictures."]
    else:
        raise ValueError(f"no reply is due for outcome {outcome!r}")
    cc = [p.consolidator_email] if (row.sender or "").lower() != p.consolidator_email.lower() else []
    return compose(to=[row.sender or ""], cc=cc, from_addr=p.consolidator_email, subject=subject,
                   paragraphs=[greeting, *lines, sign], message_id=row.reply_message_id or "",
                   in_reply_to=row.message_id, text_extra=text_extra, html_extra=html_extra,
                   attachments=files)


NAMES_SHOWN = 10  # attachment names a reply repeats; a message may carry thousands


def _count(detail: dict) -> int:
    """How many attachments the message had (a ledger row keeps the first names and the count)."""
    return int(detail.get("count") or len(detail.get("names", [])))


def _names(detail: dict) -> str:
    names = [str(n) for n in detail.get("names", [])]
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown + (f" and {_count(detail) - NAMES_SHOWN} more" if _count(detail) > NAMES_SHOWN else "")


def _annotated(ws: Workspace, sub: Submission) -> list[tuple[str, bytes]]:
    data = ws.annotated_copy(sub.id)  # the library decides whether anything may go back
    return [(checked_name(sub), data)] if data is not None else []


def checked_name(sub: Submission) -> str:
    """NI179_<code>_<round>_checked.xlsx; a part that is not known is left out, not left empty."""
    parts = ["NI179", sub.org_code or "return", sub.round_id or "", "checked"]
    return "_".join(re.sub(r"[^A-Za-z0-9.-]+", "-", part) for part in parts if part) + ".xlsx"
