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
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from helpers.components import require_component
from helpers.mailservers import Dovecot

AUTHSERV = "mx.county.example.org"
MX, MX_STRIP, MX_MISORDERED, MX_NO_DMARC = "127.0.10.1", "127.0.10.2", "127.0.10.3", "127.0.10.4"
PARTNER_MTA, PARTNER_CLIENT, OUTSIDE = "127.0.20.1", "127.0.20.5", "127.0.30.1"
SELECTOR = "ni179"
BOXES = tuple(f"box{i}" for i in range(1, 21))
DOMAIN = "county.example.org"

# Partner domains as the tests need them: (signs with DKIM, SPF ends with, DMARC record).
PARTNERS = {
    "melton.example.org": (True, "-all", "v=DMARC1; p=reject"),
    "charnwood.example.org": (True, "~all", "v=DMARC1; p=reject"),
    "harborough.example.org": (True, "-all", "v=DMARC1; p=reject"),  # its gateway alters bodies
    "blaby.example.org": (True, "-all", None),  # signs, publishes no DMARC
    "hinckley-bosworth.example.org": (False, "-all", None),  # neither signs nor publishes DMARC
    "leicestershire-cc.example.org": (True, "-all", "v=DMARC1; p=reject"),
}
GATEWAY_DOMAIN = "harborough.example.org"
GATEWAY_LINE = "Please find our return attached."
GATEWAY_REPLACEMENT = "Please find our return attached. [Checked by Harborough's mail gateway]"

# The Postfix header_checks rule docs/mail-intake.md gives: any Authentication-Results header
# naming our server first, whatever the case, folding, comments or spaces around it.
STRIP_RULE = (
    r"/^Authentication-Results[[:space:]]*:[[:space:]]*(\([^)]*\)[[:space:]]*)*"
    r"mx\.county\.example\.org\.?([[:space:];(]|$)/ IGNORE"
)

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


class MailStack:
    def __init__(self) -> None:
        require_programs()
        self.root = Path(tempfile.mkdtemp(prefix="ni179ms"))
        self.root.chmod(0o755)
        self.ns = f"ni179ms{os.getpid()}"
        self._procs: list[tuple[str, subprocess.Popen]] = []
        self._masters: list[int] = []  # Postfix master daemons, by the pid in their pid files
        self._netns_etc = Path("/etc/netns") / self.ns
        self.dovecot: Dovecot | None = None
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    # -- running things in the namespace ---------------------------------------------------

    def ns_cmd(self, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.ns, *argv]

    def run(
        self,
        argv: list[str],
        *,
        input: bytes | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 60,
        check: bool = True,
    ) -> subprocess.CompletedProcess:
        done = subprocess.run(
            self.ns_cmd(argv),
            input=input,
            capture_output=True,
            timeout=timeout,
            env={**os.environ, **(env or {})},
            cwd=self.root,
        )
        if check and done.returncode != 0:
            raise RuntimeError(
                f"{argv[0]} failed ({done.returncode}): {done.stdout.decode(errors='replace')}"
                f"{done.stderr.decode(errors='replace')}"
            )
        return done

    def _daemon(
        self,
        name: str,
        argv: list[str],
        *,
        ready: tuple[str, int] | None = None,
        log: Path | None = None,
    ) -> None:
        out = open(
            log or self.root / f"{name}.out", "ab"
        )  # the daemon writes to it; closed here once handed over
        proc = subprocess.Popen(
            self.ns_cmd(argv),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=self.root,
            start_new_session=True,
        )
        out.close()
        self._procs.append((name, proc))
        if ready:
            self._wait_port(name, lambda: proc.poll() is None, *ready)

    def _wait_port(
        self, name: str, alive: Callable[[], bool], host: str, port: int, timeout: float = 30
    ) -> None:
        probe = (
            "import socket,sys\ntry:\n socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()\n"
            "except OSError:\n sys.exit(1)"
        )
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not alive():
                raise RuntimeError(f"{name} exited: {self.log(name)}")
            if self.run(["python3", "-c", probe, host, str(port)], check=False).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not start listening on {host}:{port}: {self.log(name)}")

    def log(self, name: str) -> str:
        for path in (self.root / f"{name}.out", self.root / name / "maillog"):
            if path.exists():
                return path.read_text(errors="replace")[-4000:]
        return ""

    # -- start-up ----------------------------------------------------------------------------

    def _start(self) -> None:
        subprocess.run(["ip", "netns", "add", self.ns], check=True, capture_output=True)
        self._netns_etc.mkdir(parents=True, exist_ok=True)
        (self._netns_etc / "resolv.conf").write_text(
            "nameserver 127.0.0.1\noptions timeout:2 attempts:2\n"
        )
        self.run(["ip", "link", "set", "lo", "up"])
        for addr in (
            MX,
            MX_STRIP,
            MX_MISORDERED,
            MX_NO_DMARC,
            PARTNER_MTA,
            PARTNER_CLIENT,
            OUTSIDE,
        ):
            self.run(["ip", "addr", "add", f"{addr}/32", "dev", "lo"])
        self._keys()
        self._dnsmasq()
        self.dovecot = Dovecot(users=BOXES, lmtp=True)
        self._milters()
        self._postfix("mx", self._mx_main(), self._mx_master(), ready=(MX, 25))
        self._postfix(
            "partner", self._partner_main(), self._partner_master(), ready=(PARTNER_MTA, 25)
        )
        for addr in (MX_STRIP, MX_MISORDERED, MX_NO_DMARC):
            self._wait_port("mx", lambda: _alive(self._masters[0]), addr, 25)

    def _keys(self) -> None:
        keys = self.root / "keys"
        keys.mkdir()
        subprocess.run(
            ["opendkim-genkey", "-b", "2048", "-s", SELECTOR, "-d", "partners", "-D", str(keys)],
            check=True,
            capture_output=True,
        )
        text = (keys / f"{SELECTOR}.txt").read_text()
        self.dkim_public = "".join(re.findall(r'"([^"]*)"', text)).split("p=", 1)[1]
        self.dkim_private = keys / f"{SELECTOR}.private"

    def _dnsmasq(self) -> None:
        lines = [
            "no-resolv",
            "no-hosts",
            "no-poll",
            "listen-address=127.0.0.1",
            "bind-interfaces",
            "port=53",
            f"log-facility={self.root}/dnsmasq.log",
            "log-queries",
            "local=/example.org/",
            "local=/example.net/",
            "local=/in-addr.arpa/",
            f"mx-host={DOMAIN},{AUTHSERV},10",
            f"host-record={AUTHSERV},{MX}",
            f"host-record=mail.partners.example.org,{PARTNER_MTA}",
            f"host-record=pc.partners.example.org,{PARTNER_CLIENT}",
            f"host-record=host.evil.example.net,{OUTSIDE}",
            f'txt-record=evil.example.net,"v=spf1 ip4:{OUTSIDE} -all"',
        ]
        key = self.dkim_public
        chunks = ",".join(f'"{part}"' for part in ["v=DKIM1; k=rsa; p=" + key[:200], key[200:]])
        for domain, (signs, spf_all, dmarc) in PARTNERS.items():
            lines.append(f'txt-record={domain},"v=spf1 ip4:{PARTNER_MTA} {spf_all}"')
            if dmarc:
                lines.append(f'txt-record=_dmarc.{domain},"{dmarc}"')
            if signs:
                lines.append(f"txt-record={SELECTOR}._domainkey.{domain},{chunks}")
        conf = self.root / "dnsmasq.conf"
        conf.write_text("\n".join(lines) + "\n")
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
        # The public suffix list our OpenDMARC uses: example.org and example.net play the part
        # gov.uk plays for real councils, so each partner's domain is its own organisation.
        psl = self.root / "public_suffix_list.dat"
        psl.write_text("org\nnet\nexample.org\nexample.net\n")
        ignore = self.root / "dmarc-ignore-hosts"
        ignore.write_text("127.0.0.1\n")
        verify = self.root / "opendkim-verify.conf"
        verify.write_text(f"""Mode v
AuthservID {AUTHSERV}
Socket inet:8891@127.0.0.1
Nameservers 127.0.0.1
Canonicalization relaxed/simple
Syslog no
PidFile {self.root}/opendkim-verify.pid
""")
        signing = self.root / "signing.table"
        table = self.root / "key.table"
        signing.write_text(
            "".join(f"*@{d} {SELECTOR}._domainkey.{d}\n" for d, (s, _, _) in PARTNERS.items() if s)
        )
        table.write_text(
            "".join(
                f"{SELECTOR}._domainkey.{d} {d}:{SELECTOR}:{self.dkim_private}\n"
                for d, (s, _, _) in PARTNERS.items()
                if s
            )
        )
        sign = self.root / "opendkim-sign.conf"
        sign.write_text(f"""Mode s
Socket inet:8892@127.0.0.1
KeyTable {table}
SigningTable refile:{signing}
InternalHosts 127.0.0.0/8
Canonicalization relaxed/simple
OversignHeaders From
RequireSafeKeys false
Syslog no
PidFile {self.root}/opendkim-sign.pid
""")
        dmarc = self.root / "opendmarc.conf"
        dmarc.write_text(f"""AuthservID {AUTHSERV}
TrustedAuthservIDs {AUTHSERV}
Socket inet:8893@127.0.0.1
PublicSuffixList {psl}
IgnoreHosts {ignore}
RejectFailures false
Syslog false
PidFile {self.root}/opendmarc.pid
""")
        self._daemon(
            "opendkim-verify", ["opendkim", "-f", "-x", str(verify)], ready=("127.0.0.1", 8891)
        )
        self._daemon(
            "opendkim-sign", ["opendkim", "-f", "-x", str(sign)], ready=("127.0.0.1", 8892)
        )
        self._daemon("opendmarc", ["opendmarc", "-f", "-c", str(dmarc)], ready=("127.0.0.1", 8893))

    # -- Postfix -----------------------------------------------------------------------------

    def _common_main(self, name: str) -> str:
        folder = self.root / name
        return f"""compatibility_level = 3.6
queue_directory = {folder}/spool
data_directory = {folder}/data
maillog_file = {folder}/maillog
maillog_file_prefixes = {self.root}
inet_protocols = ipv4
smtputf8_enable = yes
biff = no
append_dot_mydomain = no
alias_maps =
alias_database =
"""

    def _mx_main(self) -> str:
        boxes = self.root / "mx" / "mailboxes"
        boxes.parent.mkdir(exist_ok=True)
        boxes.write_text("".join(f"{b}@{DOMAIN} ok\n" for b in BOXES))
        policy = self.root / "policyd-spf.conf"
        policy.write_text(
            "debugLevel = 1\nTestOnly = 1\nHELO_reject = Fail\nMail_From_reject = Fail\n"
            "PermError_reject = False\nTempError_Defer = False\nskip_addresses = 127.0.0.1/32\n"
        )
        (self.root / "mx" / "strip_our_results").write_text(STRIP_RULE + "\n")
        return (
            self._common_main("mx")
            + f"""myhostname = {AUTHSERV}
mydomain = {DOMAIN}
mydestination =
inet_interfaces = {MX}, {MX_STRIP}, {MX_MISORDERED}, {MX_NO_DMARC}
mynetworks = 127.0.0.1/32
recipient_delimiter = +
virtual_mailbox_domains = {DOMAIN}
virtual_mailbox_maps = texthash:{boxes}
virtual_transport = lmtp:unix:{self.dovecot.lmtp_socket}
smtpd_milters = inet:127.0.0.1:8891, inet:127.0.0.1:8893
non_smtpd_milters =
milter_default_action = tempfail
smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service unix:private/policyd-spf
policyd-spf_time_limit = 60
"""
        )

    def _mx_master(self) -> str:
        policy = self.root / "policyd-spf.conf"
        return (
            f"""{MX}:smtp inet n - n - - smtpd
{MX_STRIP}:smtp inet n - n - - smtpd -o cleanup_service_name=cleanstrip
{MX_MISORDERED}:smtp inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:8893,inet:127.0.0.1:8891
{MX_NO_DMARC}:smtp inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:8891
cleanstrip unix n - n - 0 cleanup -o header_checks=regexp:{self.root}/mx/strip_our_results
policyd-spf unix - n n - 0 spawn user=nobody argv=/usr/bin/policyd-spf {policy}
"""
            + _BASE_SERVICES
        )

    def _partner_main(self) -> str:
        (self.root / "partner").mkdir(exist_ok=True)
        transport = self.root / "partner" / "transport"
        transport.write_text(
            f"/\\+strip@/ smtp:[{MX_STRIP}]:25\n/\\+misordered@/ smtp:[{MX_MISORDERED}]:25\n"
            f"/\\+nodmarc@/ smtp:[{MX_NO_DMARC}]:25\n"
        )
        gateway = self.root / "partner" / "gateway"
        gateway.write_text(f"@{GATEWAY_DOMAIN} gateway:\n")
        body = self.root / "partner" / "gateway_body"
        body.write_text(f"/^{re.escape(GATEWAY_LINE)}$/ REPLACE {GATEWAY_REPLACEMENT}\n")
        return (
            self._common_main("partner")
            + f"""myhostname = mail.partners.example.org
mydestination =
inet_interfaces = {PARTNER_MTA}
smtp_bind_address = {PARTNER_MTA}
mynetworks = 127.0.0.0/8
relay_domains =
smtpd_milters = inet:127.0.0.1:8892
non_smtpd_milters = inet:127.0.0.1:8892
milter_default_action = tempfail
transport_maps = regexp:{transport}
sender_dependent_default_transport_maps = texthash:{gateway}
smtpd_recipient_restrictions = permit_mynetworks, reject
"""
        )

    def _partner_master(self) -> str:
        body = self.root / "partner" / "gateway_body"
        return (
            f"""{PARTNER_MTA}:smtp inet n - n - - smtpd
gateway unix - - n - - smtp -o smtp_body_checks=regexp:{body}
"""
            + _BASE_SERVICES
        )

    def _postfix(self, name: str, main: str, master: str, *, ready: tuple[str, int]) -> None:
        folder = self.root / name
        folder.mkdir(exist_ok=True)
        (folder / "main.cf").write_text(main)
        (folder / "master.cf").write_text(master)
        for sub in ("spool", "data"):
            (folder / sub).mkdir(exist_ok=True)
        os.chown(folder / "data", *_ids("postfix"))
        self.run(["postfix", "-c", str(folder), "check"])
        # `postfix start` returns once the master daemon is up (it detaches into a session of
        # its own); it is stopped by the pid in its pid file.
        self.run(["postfix", "-c", str(folder), "start"])
        pid = int((folder / "spool" / "pid" / "master.pid").read_text().split()[0])
        self._masters.append(pid)
        self._wait_port(name, lambda: _alive(pid), *ready)

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
        for pid in self._masters:  # SIGTERM: the master stops every Postfix process it started
            _signal(pid, signal.SIGTERM)
        end = time.monotonic() + 15
        while any(_alive(pid) for pid in self._masters) and time.monotonic() < end:
            time.sleep(0.1)
        for pid in self._masters:
            _signal(pid, signal.SIGKILL)
        self._masters.clear()
        for _name, proc in reversed(self._procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for _name, proc in reversed(self._procs):
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self._procs.clear()
        self._stop_strays()
        if self.dovecot is not None:
            self.dovecot.stop()
            self.dovecot = None
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)
        shutil.rmtree(self._netns_etc, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def _stop_strays(self) -> None:
        """Postfix's spawn service starts policyd-spf in a session of its own, which outlives the
        master: stop every process still running with our temporary folder in its command line
        (only ours have it), by its pid."""
        mark = str(self.root).encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                ours = (
                    mark in (entry / "cmdline").read_bytes()
                    or b"MAIL_CONFIG=" + mark in (entry / "environ").read_bytes()
                )
            except OSError:
                continue
            if ours:
                _signal(int(entry.name), signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie has finished: only its parent has yet to collect it
        return not Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except OSError:
        return False


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _ids(user: str) -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The services every Postfix instance needs (Debian's master.cf, without chroot).
_BASE_SERVICES = """pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
virtual unix - n n - - virtual
lmtp unix - - n - - lmtp
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"""
