"""What kind of message is this: automatic mail, who sent it, and which workbooks it carries.

Pure functions of the parsed message, so every rule is tested without a mail server.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from email.message import EmailMessage, Message

from xl_ni179.mail.trust import from_address

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
    sender = from_address(msg)[0] or ""
    if re.match(r"^(mailer-daemon|postmaster|no-?reply)@", sender):
        return f"sent by {sender}"
    return None


# A msg-id as RFC 5322 writes it: printable ASCII without spaces, one "@", in angle brackets.
_ID_PART = r"[\x21-\x3b\x3d\x3f\x41-\x7e]{1,250}"
MESSAGE_ID_RE = re.compile(rf"<{_ID_PART}@{_ID_PART}>")


def clean_message_id(value: str | None) -> str | None:
    """The sender's Message-ID if it is a well-formed msg-id, else None (then our reply has
    no In-Reply-To). Taken from the raw header: an encoded-word is not a msg-id, and its
    decoded CR/LF would break every header it is copied into."""
    value = re.sub(r"\r?\n(?=[ \t])", "", value or "").strip()
    return value if MESSAGE_ID_RE.fullmatch(value) else None


def raw_message_id(msg: Message) -> str | None:
    values = [v for k, v in msg.raw_items() if k.lower() == "message-id"]
    return clean_message_id(str(values[0])) if len(values) == 1 else None


def clean_text(value: str | None, limit: int = 200) -> str:
    """Sender-chosen text made safe to show in one line: no control characters (CR/LF
    among them), no bidi overrides or other invisible format characters, spaces collapsed."""
    kept = []
    for ch in value or "":
        category = unicodedata.category(ch)
        if category in ("Cc", "Zl", "Zp", "Zs"):
            kept.append(" ")
        elif category[0] != "C":  # Cf (bidi, zero-width), Cs (undecodable bytes), Co, Cn
            kept.append(ch)
    return " ".join("".join(kept).split())[:limit]


def visible_text(value: str | None, limit: int = 200) -> str:
    """Sender-chosen text for the consolidator to read in a status list or a notice: one line,
    every control or invisible format character shown as an escape (``\\x07``, ``\\u202e``)
    so that nothing the sender wrote can move the cursor, recolour a terminal, reorder the
    text or hide an address; at most ``limit`` characters."""
    out = []
    for ch in re.sub(r"\r?\n(?=[ \t])", "", value or ""):
        category = unicodedata.category(ch)
        if category in ("Zl", "Zp") or category[0] == "C":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        elif category == "Zs":
            out.append(" ")
        else:
            out.append(ch)
    text = " ".join("".join(out).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def contents(msg: EmailMessage) -> Contents:
    out = Contents()
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        ctype = part.get_content_type()
        if not name and ctype not in WORKBOOK_TYPES:
            continue  # the message text itself, or an inline image
        # The name is only ever shown (and stored as a label): made one clean line here.
        name = clean_text(name, 120) or "return.xlsx"
        ext = os.path.splitext(name.lower())[1]
        if ext == ".xlsx" or (ctype in WORKBOOK_TYPES and ext not in WRONG_EXTENSIONS):
            data = part.get_payload(decode=True)  # bytes for a part that is not multipart
            out.workbooks.append(Attachment(name, data if isinstance(data, bytes) else b""))
        elif ext in WRONG_EXTENSIONS:
            out.wrong_format.append(name)
        elif ext in ARCHIVE_EXTENSIONS:
            out.archives.append(name)
    return out
