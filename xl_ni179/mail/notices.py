"""Telling the consolidator about mail the intake would not believe.

A quarantined message is neither stored nor answered (a reply could carry a partner's
findings to whoever forged the From). So that a genuine partner is never dropped silently,
each quarantine is recorded in the ledger with who sent it and why (``ni179 status`` and the
ribbon's Returns status show it), and the consolidator is sent a notice when the message
may be a partner's: the From names a partner's domain, or the verdict is a forgery or a
misconfigured mail server. Mail from strangers' domains is listed, not notified, so spam
cannot fill the consolidator's inbox.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage, Message

from xl_ni179.mail.classify import visible_text
from xl_ni179.mail.outgoing import compose
from xl_ni179.mail.trust import FORGED, KIND_LABELS, MISCONFIGURED
from xl_ni179.partnership import Partnership
from xl_ni179.store.mail_ledger import MailMessage

STRANGER = "stranger"  # authenticated, but not a registered address
AMBIGUOUS = "ambiguous-sender"  # authenticated, but registered for several organisations (partnership.senders)
LABELS = {
    **KIND_LABELS,
    STRANGER: "address not registered",
    AMBIGUOUS: "address registered for several partners",
}


def quarantine_detail(msg: Message, why: str, kind: str) -> dict[str, str]:
    """What the ledger keeps about a quarantined message, every value safe to show."""
    raw_from = [str(v) for k, v in msg.raw_items() if str(k).strip().lower() == "from"]
    return {
        "reason": visible_text(why, 400),
        "kind": kind,
        "label": LABELS.get(kind, kind),
        "from": visible_text(" / ".join(raw_from) or "(no From header)", 200),
    }


def notice_due(p: Partnership, address: str | None, kind: str, shown_from: str = "") -> bool:
    """Should the consolidator be sent a notice of this quarantine? Yes for a forgery or a
    misconfigured server, and for an address several partners list; and when the From names a
    partner's domain (read as an address, or, when it is not one plain address, anywhere in its text)."""
    if kind in (FORGED, MISCONFIGURED, AMBIGUOUS):
        return True
    domains = {e.lower().rpartition("@")[2] for org in p.organisations for e in org.emails}
    if address:
        return address.rpartition("@")[2] in domains
    text = shown_from.lower()
    return any(f"@{domain}" in text for domain in domains)


def build_notice(p: Partnership, row: MailMessage) -> EmailMessage:
    """The notice to the consolidator for one quarantined message (never to its sender)."""
    d = row.detail or {}
    kind = d.get("kind", "")
    when = (row.claimed_at or dt.datetime.now(dt.UTC)).strftime("%d %B %Y %H:%M")
    sender = d.get("from") or row.sender or "(unknown)"
    org = p.organisation_for_email(row.sender or "")
    claimed = f" ({org.name}'s registered address)" if org else ""
    if kind == MISCONFIGURED:
        subject = "NI 179: MAIL SERVER MISCONFIGURED, returns quarantined"
        lines = [
            f"A message from {sender}{claimed}, received {when}, was quarantined because the mail "
            "server that receives the returns mailbox is not set up as the intake needs:",
            d.get("reason", ""),
            "Until this is fixed every return will be quarantined in the same way, genuine or not. "
            "Please pass this message to your mail administrator with docs/mail-intake.md "
            "(section 'What your mail server must do'). Once it is fixed, move the quarantined "
            "messages back to the inbox: they are checked again.",
        ]
    elif kind == AMBIGUOUS:
        listed = p.sender(row.sender).names or "several organisations"
        subject = f"NI 179 intake: message held, its address is registered for several partners (From {sender})"
        lines = [
            f"A message from {sender}, received {when}, was quarantined: that address is registered for "
            f"{listed}, so nothing shows which of them sent it. Nothing was stored and no reply was sent.",
            "List the address under one organisation only (its 'emails' in the configuration), then move "
            "the message from Quarantine back to the inbox: it is checked again. Or, once you know whose "
            "return it is, file the workbook with 'ni179 receive FILE' (without --sender it is filed under "
            "the organisation the workbook names).",
        ]
    elif kind == FORGED:
        subject = f"NI 179 intake: forged message quarantined (From {sender})"
        lines = [
            f"A message claiming to be from {sender}{claimed}, received {when}, carried an "
            "authentication header that only our own mail server may write, so it was "
            "quarantined: nothing was stored and nobody was answered.",
            d.get("reason", ""),
            "If the partner did not send it, nothing needs doing. If they say they did, ask for "
            "it to be sent again and tell your mail administrator.",
        ]
    else:
        subject = f"NI 179 intake: message quarantined, not answered (From {sender})"
        lines = [
            f"A message from {sender}{claimed}, received {when}, was quarantined: its sender could "
            "not be proven, so nothing was stored and no reply was sent.",
            f"Why: {d.get('reason', '')}",
            "If it is a genuine return, check with the partner (by phone, or an email you write "
            "yourself), then file the workbook with 'ni179 receive FILE --sender ADDRESS', or fix "
            "the cause and move the message from Quarantine back to the inbox.",
        ]
    subject_line = f"Subject of the message: {visible_text(row.subject or '', 200) or '(none)'}"
    return compose(
        to=[p.consolidator_email],
        from_addr=p.consolidator_email,
        subject=subject[:200],
        paragraphs=[*lines, subject_line, "(Sent by the NI 179 mail intake.)"],
        message_id=row.reply_message_id or "",
        in_reply_to=None,
        auto="auto-generated",
    )
