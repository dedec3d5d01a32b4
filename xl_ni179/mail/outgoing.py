"""Building and sending our mail: replies to returns and chasers.

Everything we send carries ``Auto-Submitted`` (RFC 3834) and ``X-NI179-Reply`` so that
out-of-office robots do not answer it and our own intake never answers it either.
"""

from __future__ import annotations

import hashlib
import html
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from xl_ni179 import environment
from xl_ni179.mail.classify import REPLY_HEADER, clean_message_id, clean_text
from xl_ni179.mail.sources import MailSourceError, _is_loopback, parse_url

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def stable_message_id(seed: str, from_addr: str) -> str:
    """A Message-ID derived from what the message answers: if a crash makes us send it
    again, it is the same message and mail clients show it once."""
    domain = from_addr.rpartition("@")[2] or "ni179.invalid"
    return f"<ni179.{hashlib.sha256(seed.encode()).hexdigest()[:24]}@{domain}>"


def compose(
    *,
    to: list[str],
    from_addr: str,
    subject: str,
    paragraphs: list[str],
    message_id: str,
    cc: list[str] | None = None,
    html_extra: str = "",
    text_extra: str = "",
    attachments: list[tuple[str, bytes]] | None = None,
    in_reply_to: str | None = None,
    auto: str = "auto-replied",
) -> EmailMessage:
    """A multipart plain + HTML message; attachments are .xlsx workbooks."""
    msg = EmailMessage()
    msg["From"] = from_addr
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    # The subject and In-Reply-To may echo the sender's own headers (and a ledger written by
    # an older version stored them uncleaned): cleaned again here, so no value can stop a
    # reply being composed, or add a header of its own.
    msg["Subject"] = clean_text(subject, 300)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id
    in_reply_to = clean_message_id(in_reply_to)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg["Auto-Submitted"] = auto
    msg[REPLY_HEADER] = "1"
    text = "\n\n".join(paragraphs) + (f"\n\n{text_extra}" if text_extra else "")
    msg.set_content(text + "\n")
    body = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    msg.add_alternative(f"<html><body>{body}{html_extra}</body></html>", subtype="html")
    for name, data in attachments or []:
        msg.add_attachment(data, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=name)
    return msg


class SmtpSender:
    """Sends through ``smtp://host:port`` (STARTTLS required off this computer) or
    ``smtps://host:port``; login from the URL or NI179_SMTP_USER / NI179_SMTP_PASSWORD, or
    XOAUTH2 with NI179_SMTP_OAUTH_TOKEN."""

    def __init__(self, url: str, timeout: float = 60) -> None:
        self.url = parse_url(url, ("smtp", "smtps"), environment.SMTP)
        self.timeout = timeout

    def send(self, msg: EmailMessage) -> None:
        u = self.url
        try:
            if u.scheme == "smtps":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    u.host,
                    u.port or 465,
                    timeout=self.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                client = smtplib.SMTP(u.host, u.port or 25, timeout=self.timeout)
            with client:
                client.ehlo()
                if u.scheme == "smtp" and client.has_extn("starttls"):
                    client.starttls(context=ssl.create_default_context())
                    client.ehlo()
                elif u.scheme == "smtp" and not _is_loopback(u.host):
                    raise MailSourceError(
                        f"{u.host} does not offer STARTTLS; use smtps:// so that mail "
                        "and passwords are not sent unencrypted."
                    )
                token = environment.oauth_token(environment.SMTP)
                if token and u.user:  # Exchange Online / Gmail: SMTP AUTH XOAUTH2
                    auth = f"user={u.user}\x01auth=Bearer {token}\x01\x01"
                    client.auth("XOAUTH2", lambda challenge=None: auth, initial_response_ok=True)
                elif u.user and u.password is not None:
                    client.login(u.user, u.password)
                client.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailSourceError(f"Cannot send mail through {u.host}: {exc}") from None
