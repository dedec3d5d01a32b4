"""Real mail servers on loopback for the mail tests, and the test messages themselves.

- Dovecot (Debian package dovecot-imapd) as a private instance: its own config, run
  directory, passwd-file users and Maildir home in a temporary folder, plaintext login on
  127.0.0.1 and a random free port. Under CI=true a missing Dovecot fails the tests.
- An SMTP sink (aiosmtpd) in a thread, keeping every message it is given.
"""

from __future__ import annotations

import email
import email.policy
import getpass
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from helpers.components import require_component

PASSWORD = "test-secret"
USERS = tuple(f"user{i}" for i in range(1, 9))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dovecot_binary() -> str:
    found = shutil.which("dovecot") or (
        "/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None
    )
    require_component(found is not None, "Dovecot is not installed: apt-get install dovecot-imapd")
    assert found is not None
    return found


def _wait_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 20) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"dovecot exited: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"dovecot did not start: {log.read_text() if log.exists() else ''}")


class Dovecot:
    """A private Dovecot IMAP server; each test takes its own user (own Maildir).

    With ``lmtp=True`` it also delivers by LMTP on a Unix socket (``lmtp_socket``), as a
    council's mail server hands each received message to it; a user is then named by the
    local part of the address (``box1@county.example.org`` is ``box1``)."""

    def __init__(self, users: tuple[str, ...] = USERS, lmtp: bool = False) -> None:
        binary = dovecot_binary()
        # Short path under /tmp: Dovecot's sockets must fit in 108 bytes, and the mail
        # user must be able to reach its home (pytest's folders are private to root).
        self.root = Path(tempfile.mkdtemp(prefix="ni179dv"))
        self.root.chmod(0o755)
        self.port = free_port()
        if os.geteuid() == 0:
            # Dovecot will not run its processes or mail as root: use the package's users
            # for its services and nobody for the mailboxes.
            internal, login = "dovecot", "dovenull"
            mail_uid, mail_gid = pwd.getpwnam("nobody").pw_uid, pwd.getpwnam("nobody").pw_gid
        else:
            internal = login = getpass.getuser()
            mail_uid, mail_gid = os.getuid(), os.getgid()
        self.homes = self.root / "homes"
        self.homes.mkdir()
        lines = []
        for user in users:
            (self.homes / user).mkdir()
            os.chown(self.homes / user, mail_uid, mail_gid)
            lines.append(f"{user}:{{PLAIN}}{PASSWORD}:{mail_uid}:{mail_gid}::{self.homes / user}::")
        (self.root / "passwd").write_text("\n".join(lines) + "\n")
        self.log = self.root / "dovecot.log"
        self.conf = self.root / "dovecot.conf"
        self.conf.write_text(f"""
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.log}
protocols = imap{" lmtp" if lmtp else ""}
listen = 127.0.0.1
auth_username_format = %Ln
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_internal_user = {internal}
default_login_user = {login}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.root}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service auth-worker {{
  user = $default_internal_user
}}
service lmtp {{
  unix_listener lmtp {{
    mode = 0666
  }}
}}
""")
        self.lmtp_socket = self.root / "run" / "lmtp"
        self.proc = subprocess.Popen(
            [binary, "-F", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port, self.proc, self.log)
        self._free = list(users)

    def new_user(self) -> str:
        return self._free.pop(0)

    def url(self, user: str, folder: str = "INBOX") -> str:
        return f"imap://{user}:{PASSWORD}@127.0.0.1:{self.port}/{folder}"

    def client(self, user: str) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        imap.login(user, PASSWORD)
        return imap

    def append(self, user: str, messages: list[bytes]) -> None:
        imap = self.client(user)
        try:
            for raw in messages:
                typ, data = imap.append("INBOX", None, None, raw)
                assert typ == "OK", data
        finally:
            imap.logout()

    def folder(self, user: str, folder: str) -> list[EmailMessage]:
        """The messages in a folder ([] when the folder does not exist)."""
        imap = self.client(user)
        try:
            typ, _ = imap.select(f'"{folder}"', readonly=True)
            if typ != "OK":
                return []
            _, data = imap.uid("SEARCH", None, "UNDELETED")
            out = []
            for uid in data[0].split():
                _, parts = imap.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
                out += [parse(p[1]) for p in parts if isinstance(p, tuple)]
            return out
        finally:
            imap.logout()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)


# Postfix's default message_size_limit: what a council's own mail server takes at most.
POSTFIX_SIZE_LIMIT = 10_240_000


class SmtpSink:
    """aiosmtpd in a thread on 127.0.0.1, keeping (envelope recipients, message) pairs.

    ``size_limit`` is the largest message it takes, as Postfix's ``message_size_limit``:
    it says so in its EHLO (SIZE) and refuses a larger message with 552, as Postfix does."""

    def __init__(self, size_limit: int | None = None) -> None:
        from aiosmtpd.controller import Controller

        self.received: list[tuple[list[str], EmailMessage]] = []
        self._lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # aiosmtpd's name for the hook
                with sink._lock:
                    sink.received.append(
                        (list(envelope.rcpt_tos), parse(envelope.original_content))
                    )
                return "250 OK"

        self.port = free_port()
        limit = {} if size_limit is None else {"data_size_limit": size_limit}
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **limit)
        self.controller.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return [m for _, m in self.received]

    def clear(self) -> None:
        with self._lock:
            self.received.clear()

    def stop(self) -> None:
        self.controller.stop()


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The receiving mail server of the tests: the intake believes only its Authentication-Results.
AUTHSERV = "mx.county.example.org"


def stamp(domain: str, result: str = "pass") -> str:
    """The Authentication-Results header our receiving server prepends to a message from ``domain``."""
    return (
        f"{AUTHSERV}; spf={result} smtp.mailfrom={domain}; dkim={result} header.d={domain}; "
        f"dmarc={result} (p=reject) header.from={domain}"
    )


# The Received header our receiving server adds: the headers above it are the server's own.
RECEIVED = (
    f"from mail.partners.example.org (mail.partners.example.org [127.0.20.1]) by {AUTHSERV} "
    "(Postfix) with ESMTP id 4F2A1B3C4D for <ni179-returns@county.example.org>; "
    "Mon, 17 May 2010 09:12:01 +0100 (BST)"
)


def message(
    sender: str,
    to: str,
    subject: str,
    *,
    body: str = "Please find our return attached.",
    attachments: list[tuple[str, bytes]] = (),
    headers: dict[str, str] | None = None,
    message_id: str | None = None,
    auth: str | None = "pass",
) -> bytes:
    """A message as our mail server delivers it: topmost, its ``Authentication-Results`` with
    ``auth`` for the sender's domain (None: no such header), then its own ``Received`` header;
    ``headers`` come below that, as anything the sender wrote does."""
    msg = EmailMessage()
    if auth:
        msg["Authentication-Results"] = stamp(sender.rpartition("@")[2].strip("<>"), auth)
    msg["Received"] = RECEIVED
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="partner.example.org")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for name, data in attachments:
        maintype, subtype = (XLSX if name.endswith(".xlsx") else "application/octet-stream").split(
            "/"
        )
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()
