"""The mail software a council really runs, started for the tests in their own network namespace.

Inside a namespace made for the test session (``ip netns add``), on its own loopback
addresses and with configuration files in a temporary folder:

- dnsmasq on 127.0.0.1:53 serves the partner domains' SPF, DKIM and DMARC records, our MX
  and the hosts' names (``ip netns exec`` bind-mounts /etc/netns/NAME/resolv.conf, so every
  daemon's resolver asks it);
- our receiving server ``mx.county.example.org`` (Postfix 3.7, its own config and queue
  folders): milters OpenDKIM (verifying) then OpenDMARC, ``check_policy_service`` to
  policyd-spf, delivery by LMTP into Dovecot. It listens on three addresses: the MX as a
  council would run it (127.0.10.1), the same with a ``header_checks`` rule stripping
  ``Authentication-Results`` headers that carry our authserv-id (127.0.10.2, the rule is
  ``STRIP_RULE``), the same with its milters in the wrong order (127.0.10.3), and the same
  without OpenDMARC (127.0.10.4);
- the partners' outgoing server (a second Postfix on 127.0.20.1, every partner domain's
  SPF names it) signing with a second OpenDKIM; mail for ``user+strip@``, ``user+misordered@``
  or ``user+nodmarc@`` is handed to the matching listener of our MX, and Harborough's
  mail leaves through a gateway transport that changes a body line after signing;
- an outside host, 127.0.30.1, whose own domain ``evil.example.net`` passes SPF.

Dovecot (``helpers.mailservers.Dovecot`` with LMTP) and the reply sink run outside the
namespace: Postfix reaches Dovecot's LMTP socket through the file system, and the intake
under test reads Dovecot over IMAP on the host's loopback, as a separate process.

Every daemon is stopped by its pid at the end and the namespace deleted. Under CI=true a
missing program is a failure (``helpers.components.require_component``).

The parts live beside this module: ``helpers.mailstack_network`` (names and addresses),
``helpers.mailstack_dns`` (the DKIM key and the zone), ``helpers.mailstack_milters``
(OpenDKIM and OpenDMARC), ``helpers.mailstack_postfix`` (both Postfix instances) and
``helpers.mailstack_processes`` (the namespace and every process in it). This module holds
``MailStack``: what starts in which order, and how the tests send and read mail.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import os
import shutil
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from helpers.components import require_component
from helpers.mailservers import Dovecot
from helpers.mailstack_dns import dkim_key, dnsmasq_conf
from helpers.mailstack_milters import milter_confs
from helpers.mailstack_network import (
    BOXES,
    MX,
    MX_MISORDERED,
    MX_NO_DMARC,
    MX_STRIP,
    OUTSIDE,
    PARTNER_CLIENT,
    PARTNER_MTA,
)
from helpers.mailstack_postfix import mx_main, mx_master, partner_main, partner_master
from helpers.mailstack_processes import NamespaceSupervisor, pid_alive

PROGRAMS = {
    "ip": "iproute2",
    "dnsmasq": "dnsmasq-base",
    "postfix": "postfix",
    "opendkim": "opendkim",
    "opendkim-genkey": "opendkim-tools",
    "opendmarc": "opendmarc",
    "policyd-spf": "postfix-policyd-spf-python",
    "swaks": "swaks",
    "mutt": "mutt",
    "mpack": "mpack",
}


def _which(name: str) -> str | None:
    return shutil.which(name) or next(
        (f"{d}/{name}" for d in ("/usr/sbin", "/usr/bin") if os.path.exists(f"{d}/{name}")), None
    )


def require_programs() -> None:
    for name, package in PROGRAMS.items():
        require_component(
            _which(name) is not None,
            f"{name} is not installed: apt-get install {package} "
            "(scripts/setup.sh installs the mail stack)",
        )
    require_component(
        os.geteuid() == 0, "the mail stack runs in its own network namespace, which needs root"
    )
    require_component(
        os.path.exists("/usr/lib/dovecot/lmtp"),
        "Dovecot LMTP is not installed: apt-get install dovecot-lmtpd",
    )


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


class MailStack(NamespaceSupervisor):
    def __init__(self) -> None:
        require_programs()
        super().__init__()
        self.dovecot: Dovecot | None = None
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    # -- start-up ----------------------------------------------------------------------------

    def _start(self) -> None:
        self._make_namespace(
            (
                MX,
                MX_STRIP,
                MX_MISORDERED,
                MX_NO_DMARC,
                PARTNER_MTA,
                PARTNER_CLIENT,
                OUTSIDE,
            )
        )
        self._keys()
        self._dnsmasq()
        self.dovecot = Dovecot(users=BOXES, lmtp=True)
        self._milters()
        self._postfix(
            "mx", mx_main(self.root, self.dovecot.lmtp_socket), mx_master(self.root), ready=(MX, 25)
        )
        self._postfix(
            "partner", partner_main(self.root), partner_master(self.root), ready=(PARTNER_MTA, 25)
        )
        for addr in (MX_STRIP, MX_MISORDERED, MX_NO_DMARC):
            self._wait_port("mx", lambda: pid_alive(self._masters[0]), addr, 25)

    def _keys(self) -> None:
        self.dkim_public, self.dkim_private = dkim_key(self.root)

    def _dnsmasq(self) -> None:
        conf = dnsmasq_conf(self.root, self.dkim_public)
        self._daemon(
            "dnsmasq",
            [
                "dnsmasq",
                "--keep-in-foreground",
                f"--conf-file={conf}",
                f"--pid-file={self.root}/dnsmasq.pid",
            ],
            ready=("127.0.0.1", 53),
        )

    def _milters(self) -> None:
        verify, sign, dmarc = milter_confs(self.root, self.dkim_private)
        self._daemon(
            "opendkim-verify", ["opendkim", "-f", "-x", str(verify)], ready=("127.0.0.1", 8891)
        )
        self._daemon(
            "opendkim-sign", ["opendkim", "-f", "-x", str(sign)], ready=("127.0.0.1", 8892)
        )
        self._daemon("opendmarc", ["opendmarc", "-f", "-c", str(dmarc)], ready=("127.0.0.1", 8893))

    # -- sending -----------------------------------------------------------------------------

    def swaks(self, args: list[str], *, via: str = MX, local: str = OUTSIDE) -> str:
        """swaks from ``local`` (an address in the namespace) to the server at ``via``."""
        done = self.run(
            ["swaks", "--server", f"{via}:25", "--local-interface", local, "--silent", "1", *args]
        )
        return done.stdout.decode(errors="replace")

    def mutt(self, sender: str, to: str, subject: str, body: str, attachments: list[Path]) -> None:
        """mutt, as a partner's finance officer, through the partner's outgoing server."""
        home = Path(tempfile.mkdtemp(dir=self.root, prefix="mutt"))
        rc = home / "muttrc"
        rc.write_text(f"""set from="{sender}"
set realname="Finance Officer"
set hostname="{sender.rpartition("@")[2]}"
set use_from=yes
set use_envelope_from=yes
set smtp_url="smtp://{PARTNER_MTA}:25/"
set ssl_starttls=no
set ssl_force_tls=no
set send_charset="utf-8"
set charset="utf-8"
set copy=no
set record=""
set folder="{home}"
set tmpdir="{home}"
""")
        argv = ["mutt", "-n", "-F", str(rc), "-s", subject]
        for path in attachments:
            argv += ["-a", str(path)]
        self.run(
            [*argv, "--", to],
            input=body.encode(),
            env={"HOME": str(home), "LC_ALL": "C.UTF-8", "TERM": "dumb"},
        )

    def submit_file(
        self,
        raw: bytes,
        sender: str,
        to: str,
        *,
        via: str = PARTNER_MTA,
        local: str = PARTNER_CLIENT,
    ) -> None:
        """A message some client wrote (mpack, or bytes of our own), handed over by swaks."""
        path = Path(tempfile.mkstemp(dir=self.root, suffix=".eml")[1])
        path.write_bytes(raw)
        self.swaks(["--from", sender, "--to", to, "--data", str(path)], via=via, local=local)

    # -- the mailbox -------------------------------------------------------------------------

    def maildir(self, box: str, folder: str = "") -> Path:
        return self.dovecot.homes / box / "Maildir" / (f".{folder}" if folder else "")

    def wait_delivered(self, box: str, count: int, timeout: float = 60) -> list[bytes]:
        """The raw messages in ``box``'s inbox once ``count`` have arrived (as Dovecot stored them)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            raws = self.inbox(box)
            if len(raws) >= count:
                return raws
            time.sleep(0.2)
        raise AssertionError(
            f"{count} message(s) expected in {box}, found {len(self.inbox(box))}; "
            f"mx log:\n{self.log('mx')}\npartner log:\n{self.log('partner')}"
        )

    def inbox(self, box: str) -> list[bytes]:
        return self.folder(box, "")

    def folder(self, box: str, folder: str) -> list[bytes]:
        path = self.maildir(box, folder)
        if not (path / "new").is_dir():
            return []
        md = mailbox.Maildir(path, factory=None, create=False)
        return [md.get_bytes(key) for key in sorted(md.keys())]

    def imap_url(self, box: str) -> str:
        return self.dovecot.url(box)

    # -- shutting down -----------------------------------------------------------------------

    def stop(self) -> None:
        self._stop_processes()
        if self.dovecot is not None:
            self.dovecot.stop()
            self.dovecot = None
        self._remove_namespace()
