"""What kind of message is this: automatic mail, who sent it, and which workbooks it carries.

Pure functions of the parsed message, so every rule is tested without a mail server.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses

REPLY_HEADER = "X-NI179-Reply"  # on everything we send, so we never answer ourselves
CHASER_HEADER = "X-NI179-Chaser"

WORKBOOK_TYPES = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
WRONG_EXTENSIONS = {".xls", ".xlsm", ".xlsb", ".xltx", ".xltm", ".ods", ".csv"}
ARCHIVE_EXTENSIONS = {".zip", ".7z", ".rar", ".gz", ".tar"}


@dataclass
class Attachment:
    name: str  # as the sender named it: shown to people, never used as a path
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Contents:
    workbooks: list[Attachment] = field(default_factory=list)
    wrong_format: list[str] = field(default_factory=list)  # .xls, .xlsm and friends
    archives: list[str] = field(default_factory=list)  # zipped workbooks


def automatic_reason(msg: Message) -> str | None:
    """Why this message must not be answered (RFC 3834 and common practice), or None."""
    if msg.get(REPLY_HEADER) or msg.get(CHASER_HEADER):
        return "our own message"
    auto = (msg.get("Auto-Submitted") or "").strip().lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto}"
    return_path = msg.get("Return-Path")
    if return_path is not None and return_path.strip() in ("<>", ""):
        return "empty Return-Path (a bounce)"
    precedence = (msg.get("Precedence") or "").strip().lower()
    if precedence in ("bulk", "list", "junk", "auto_reply"):
        return f"Precedence: {precedence}"
    # (X-Auto-Response-Suppress is not among these: Outlook puts it on mail people write.)
    for header in ("List-Id", "List-Unsubscribe", "X-Autoreply", "X-Autorespond"):
        if msg.get(header) is not None:
            return f"{header} header"
    sender = sender_address(msg) or ""
    if re.match(r"^(mailer-daemon|postmaster|no-?reply)@", sender):
        return f"sent by {sender}"
    return None


def sender_address(msg: Message) -> str | None:
    """The single From address, lower-cased; None when there is none or several."""
    addresses = [a for _, a in getaddresses(msg.get_all("From", [])) if "@" in a]
    return addresses[0].strip().lower() if len(addresses) == 1 else None


def dmarc_failure(msg: Message, authserv_id: str | None = None) -> str | None:
    """When the receiving server added Authentication-Results, the message must pass DMARC.

    A sender can forge this header too, so with ``authserv_id`` set only results stamped by
    that server are believed (RFC 8601 section 5); servers should strip forged copies anyway.
    """
    results = [str(h) for h in msg.get_all("Authentication-Results", [])]
    if authserv_id:
        results = [r for r in results if r.strip().lower().startswith(authserv_id.lower())]
    if not results:
        return None
    if any(re.search(r"\bdmarc\s*=\s*pass\b", r, re.I) for r in results):
        return None
    found = next((m[0] for r in results for m in [re.search(r"\bdmarc\s*=\s*\w+", r, re.I)] if m), "no dmarc")
    return f"Authentication-Results: {found}"


def contents(msg: EmailMessage) -> Contents:
    out = Contents()
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        ctype = part.get_content_type()
        if not name and ctype not in WORKBOOK_TYPES:
            continue  # the message text itself, or an inline image
        name = name or "return.xlsx"
        ext = os.path.splitext(name.lower())[1]
        if ext == ".xlsx" or (ctype in WORKBOOK_TYPES and ext not in WRONG_EXTENSIONS):
            data = part.get_payload(decode=True) or b""
            out.workbooks.append(Attachment(name, data))
        elif ext in WRONG_EXTENSIONS:
            out.wrong_format.append(name)
        elif ext in ARCHIVE_EXTENSIONS:
            out.archives.append(name)
    return out
