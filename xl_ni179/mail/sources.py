"""Where messages come from: a local Maildir or an IMAP mailbox.

Both give the same small interface: list the inbox with each message's size (so an
oversized message is refused before its body is downloaded), read headers, read the
whole message, and move a message to a folder (Processed, Rejected or Quarantine).
"""

from __future__ import annotations

import imaplib
import ipaddress
import mailbox
import os
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from xl_ni179 import environment
from xl_ni179.errors import Ni179Error
from xl_ni179.store.outcomes import Folder

PROCESSED, REJECTED, QUARANTINE = Folder.PROCESSED, Folder.REJECTED, Folder.QUARANTINE
FOLDERS = tuple(Folder)
HEADER_LIMIT = 256 * 1024  # headers beyond this are not read from a Maildir file


class MailSourceError(Ni179Error):
    """The mailbox cannot be opened or read (bad URL, login refused, server gone)."""


@dataclass(frozen=True)
class MessageRef:
    key: str  # stable mailbox identity, stored in the ledger
    size: int  # bytes, known without downloading the body
    handle: str  # Maildir key or IMAP UID


class MessageGone(MailSourceError):
    """The message is no longer in the inbox: another intake run (or a person) moved it."""


class MailSource(Protocol):
    prefix: str  # every key of this mailbox starts with it

    def messages(self) -> list[MessageRef]: ...
    def present(self, ref: MessageRef) -> bool: ...
    def headers(self, ref: MessageRef) -> bytes: ...
    def fetch(self, ref: MessageRef) -> bytes: ...
    def move(self, ref: MessageRef, folder: str) -> None: ...
    def close(self) -> None: ...


def open_source(*, imap: str | None = None, maildir: str | Path | None = None) -> MailSource:
    if imap and not maildir:
        return ImapSource(imap)
    if maildir and not imap:
        return MaildirSource(maildir)
    raise MailSourceError("Give exactly one mailbox: --imap URL or --maildir DIR.")


class MaildirSource:
    """A Maildir inbox; the folders are Maildir++ subfolders (.Processed and so on), as
    Dovecot and Courier lay them out, so the same tree can later be served over IMAP."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not (self.path / "cur").is_dir() or not (self.path / "new").is_dir():
            raise MailSourceError(f"{self.path} is not a Maildir (it needs cur/ and new/ folders).")
        self.box = mailbox.Maildir(self.path, factory=None, create=False)
        self.prefix = f"maildir:{self.path.resolve()}:"  # a Maildir key is unique within its folder
        self._paths: dict[str, Path] = {}

    def messages(self) -> list[MessageRef]:
        # Scan the directories ourselves: we need each file's path for its size and for an
        # atomic rename into a folder (mailbox.Maildir has no public move).
        self._paths = {}
        refs = []
        for sub in ("new", "cur"):
            for entry in sorted(os.scandir(self.path / sub), key=lambda e: e.name):
                if entry.name.startswith("."):
                    continue
                try:  # another intake run may move it away at any moment
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    size = entry.stat(follow_symlinks=False).st_size
                except OSError:
                    continue
                key = entry.name.split(self.box.colon)[0]
                self._paths[key] = Path(entry.path)
                refs.append(MessageRef(f"{self.prefix}{key}", size, key))
        return refs

    def _locate(self, handle: str) -> Path | None:
        """Where the message is now (a mail client may have moved it from new/ to cur/ and
        added flags to its name), or None when it has left the inbox."""
        known = self._paths.get(handle)
        if known is not None and known.is_file():
            return known
        for sub in ("new", "cur"):
            try:
                entries = list(os.scandir(self.path / sub))
            except OSError:
                continue
            for entry in entries:
                if entry.name.split(self.box.colon)[0] == handle and entry.is_file(
                    follow_symlinks=False
                ):
                    self._paths[handle] = Path(entry.path)
                    return self._paths[handle]
        return None

    def _path(self, ref: MessageRef) -> Path:
        path = self._locate(ref.handle)
        if path is None:
            raise MessageGone(f"{ref.handle} is no longer in the inbox")
        return path

    def present(self, ref: MessageRef) -> bool:
        return self._locate(ref.handle) is not None

    def headers(self, ref: MessageRef) -> bytes:
        try:
            with open(self._path(ref), "rb") as fh:
                head = fh.read(HEADER_LIMIT)
        except FileNotFoundError:
            raise MessageGone(f"{ref.handle} is no longer in the inbox") from None
        end = re.search(rb"\r?\n\r?\n", head)
        return head[: end.end()] if end else head

    def fetch(self, ref: MessageRef) -> bytes:
        try:
            return self._path(ref).read_bytes()
        except FileNotFoundError:
            raise MessageGone(f"{ref.handle} is no longer in the inbox") from None

    def _ensure_folder(self, folder: str) -> Path:
        # Made here rather than by mailbox.Maildir.add_folder, which fails when another intake
        # run makes the same folder at the same moment.
        root = self.path / f".{folder}"
        for sub in ("tmp", "new", "cur"):
            (root / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
        (root / "maildirfolder").touch(exist_ok=True)
        return root

    def move(self, ref: MessageRef, folder: str) -> None:
        root = self._ensure_folder(folder)
        for _ in range(3):  # a mail client may have just moved it from new/ to cur/: follow it
            source = self._path(ref)
            # rename within one file system is atomic: the message is in exactly one folder
            try:
                os.rename(source, root / source.parent.name / source.name)
                return
            except FileNotFoundError:
                self._paths.pop(ref.handle, None)
        raise MessageGone(f"{ref.handle} is no longer in the inbox")

    def close(self) -> None:
        self.box.close()


def _is_loopback(host: str) -> bool:
    try:
        return all(
            ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None)
        )
    except (OSError, ValueError):
        return False


@dataclass(frozen=True)
class MailUrl:
    scheme: str
    host: str
    port: int | None
    user: str | None
    password: str | None
    path: str


def parse_url(url: str, schemes: tuple[str, ...], env_prefix: str) -> MailUrl:
    parts = urlsplit(url)
    if parts.scheme not in schemes:
        raise MailSourceError(
            f"'{url}': the address must start with {' or '.join(s + '://' for s in schemes)}"
        )
    if not parts.hostname:
        raise MailSourceError(f"'{url}': no server name")
    user = unquote(parts.username) if parts.username else environment.user(env_prefix)
    password = unquote(parts.password) if parts.password else environment.password(env_prefix)
    return MailUrl(
        parts.scheme, parts.hostname, parts.port, user, password, unquote(parts.path.lstrip("/"))
    )


class ImapSource:
    """An IMAP mailbox: ``imaps://user@host/INBOX`` (TLS), or ``imap://`` on loopback only.

    The password comes from the URL or NI179_IMAP_PASSWORD; with NI179_IMAP_OAUTH_TOKEN set,
    XOAUTH2 is used instead (Exchange Online, Gmail).
    """

    def __init__(self, url: str, timeout: float = 60) -> None:
        u = parse_url(url, ("imap", "imaps"), environment.IMAP)
        if u.scheme == "imap" and not _is_loopback(u.host):
            raise MailSourceError(
                f"'{u.host}': plain imap:// would send the password unencrypted; "
                "use imaps:// (plain IMAP is allowed only on this computer)."
            )
        if not u.user:
            raise MailSourceError(
                "No IMAP user: put it in the URL (imaps://user@host/INBOX) or set NI179_IMAP_USER."
            )
        self.folder = u.path or "INBOX"
        token = environment.oauth_token(environment.IMAP)
        try:
            if u.scheme == "imaps":
                self.imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(u.host, u.port or 993, timeout=timeout)
            else:
                self.imap = imaplib.IMAP4(u.host, u.port or 143, timeout=timeout)
            if token:
                auth = f"user={u.user}\x01auth=Bearer {token}\x01\x01".encode()
                self.imap.authenticate("XOAUTH2", lambda _: auth)
            elif u.password is None:
                raise MailSourceError(
                    "No IMAP password: put it in the URL or set NI179_IMAP_PASSWORD "
                    "(or NI179_IMAP_OAUTH_TOKEN for OAuth2)."
                )
            else:
                self.imap.login(u.user, u.password)
            self.caps = {c.upper() for c in _words(self.imap.capability()[1])}
            typ, _ = self.imap.select(_quote(self.folder))
            if typ != "OK":
                raise MailSourceError(f"The mailbox has no folder '{self.folder}'.")
            uidvalidity = self.imap.response("UIDVALIDITY")[1][0]
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailSourceError(f"Cannot open the mailbox at {u.host}: {exc}") from None
        self.prefix = f"imap:{u.user}@{u.host}/{self.folder}:{int(uidvalidity)}:"
        self._folders: set[str] = set()

    def _cmd(self, what: str, fn: Callable[..., tuple[str, list]], *args: object) -> list:
        """Run one IMAP command; any refusal or lost connection becomes a MailSourceError,
        which leaves the message in the inbox for the next run."""
        try:
            typ, data = fn(*args)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailSourceError(f"IMAP trouble during {what}: {exc}") from None
        if typ != "OK":
            raise MailSourceError(f"The IMAP server refused {what}: {data!r}")
        return data

    def messages(self) -> list[MessageRef]:
        data = self._cmd("the inbox search", self.imap.uid, "SEARCH", None, "UNDELETED")
        uids = data[0].split() if data and data[0] else []
        if not uids:
            return []
        data = self._cmd(
            "the sizes", self.imap.uid, "FETCH", b",".join(uids).decode(), "(RFC822.SIZE)"
        )
        refs = []
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            uid = re.search(rb"UID (\d+)", line or b"")
            size = re.search(rb"RFC822\.SIZE (\d+)", line or b"")
            if uid and size:
                refs.append(
                    MessageRef(f"{self.prefix}{int(uid[1])}", int(size[1]), uid[1].decode())
                )
        return sorted(refs, key=lambda r: int(r.handle))

    def present(self, ref: MessageRef) -> bool:
        data = self._cmd("a search", self.imap.uid, "SEARCH", None, f"UID {ref.handle} UNDELETED")
        return ref.handle.encode() in (data[0].split() if data and data[0] else [])

    def _body(self, ref: MessageRef, part: str) -> bytes:
        data = self._cmd("a download", self.imap.uid, "FETCH", ref.handle, f"(BODY.PEEK[{part}])")
        for item in data:
            if isinstance(item, tuple):
                return item[1]
        raise MessageGone(f"Message {ref.handle} is no longer in the mailbox.")

    def headers(self, ref: MessageRef) -> bytes:
        return self._body(ref, "HEADER")

    def fetch(self, ref: MessageRef) -> bytes:
        return self._body(ref, "")

    def _ensure_folder(self, folder: str) -> None:
        if folder in self._folders:
            return
        data = self._cmd("the folder list", self.imap.list, '""', _quote(folder))
        if not any(d for d in data if d):
            self._cmd(f"creating the folder {folder}", self.imap.create, _quote(folder))
        self._folders.add(folder)

    def move(self, ref: MessageRef, folder: str) -> None:
        self._ensure_folder(folder)
        if "MOVE" in self.caps:  # RFC 6851: atomic on the server
            self._cmd(f"the move to {folder}", self.imap.uid, "MOVE", ref.handle, _quote(folder))
            return
        self._cmd(f"the copy to {folder}", self.imap.uid, "COPY", ref.handle, _quote(folder))
        self._cmd("flagging", self.imap.uid, "STORE", ref.handle, "+FLAGS.SILENT", r"(\Deleted)")
        if "UIDPLUS" in self.caps:  # expunge only this message, not others flagged by people
            self._cmd("the expunge", self.imap.uid, "EXPUNGE", ref.handle)
        else:
            self._cmd("the expunge", self.imap.expunge)

    def close(self) -> None:
        try:
            self.imap.close()
            self.imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass  # the server may already have gone; nothing is pending


def _words(data: list) -> list[str]:
    return [w for d in data if d for w in (d.decode() if isinstance(d, bytes) else str(d)).split()]


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
