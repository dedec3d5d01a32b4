"""The mail stack's milters: configuration for OpenDKIM (verifying and signing) and OpenDMARC.

Our MX's OpenDKIM verifies (port 8891) and OpenDMARC decides (8893), both writing
Authentication-Results in our server's name; the partners' outgoing server signs with a
second OpenDKIM (8892) from a key table naming every partner domain that signs. OpenDMARC
reads a public suffix list in which example.org and example.net play the part gov.uk plays
for real councils. Held apart from ``helpers.mailstack``, which starts the daemons.
"""

from __future__ import annotations

from pathlib import Path

from helpers.mailstack_network import AUTHSERV, PARTNERS, SELECTOR


def milter_confs(root: Path, dkim_private: Path) -> tuple[Path, Path, Path]:
    """Write the three milters' configuration files into ``root``: (verify, sign, dmarc)."""
    # The public suffix list our OpenDMARC uses: example.org and example.net play the part
    # gov.uk plays for real councils, so each partner's domain is its own organisation.
    psl = root / "public_suffix_list.dat"
    psl.write_text("org\nnet\nexample.org\nexample.net\n")
    ignore = root / "dmarc-ignore-hosts"
    ignore.write_text("127.0.0.1\n")
    verify = root / "opendkim-verify.conf"
    verify.write_text(f"""Mode v
AuthservID {AUTHSERV}
Socket inet:8891@127.0.0.1
Nameservers 127.0.0.1
Canonicalization relaxed/simple
Syslog no
PidFile {root}/opendkim-verify.pid
""")
    signing = root / "signing.table"
    table = root / "key.table"
    signing.write_text(
        "".join(f"*@{d} {SELECTOR}._domainkey.{d}\n" for d, (s, _, _) in PARTNERS.items() if s)
    )
    table.write_text(
        "".join(
            f"{SELECTOR}._domainkey.{d} {d}:{SELECTOR}:{dkim_private}\n"
            for d, (s, _, _) in PARTNERS.items()
            if s
        )
    )
    sign = root / "opendkim-sign.conf"
    sign.write_text(f"""Mode s
Socket inet:8892@127.0.0.1
KeyTable {table}
SigningTable refile:{signing}
InternalHosts 127.0.0.0/8
Canonicalization relaxed/simple
OversignHeaders From
RequireSafeKeys false
Syslog no
PidFile {root}/opendkim-sign.pid
""")
    dmarc = root / "opendmarc.conf"
    dmarc.write_text(f"""AuthservID {AUTHSERV}
TrustedAuthservIDs {AUTHSERV}
Socket inet:8893@127.0.0.1
PublicSuffixList {psl}
IgnoreHosts {ignore}
RejectFailures false
Syslog false
PidFile {root}/opendmarc.pid
""")
    return verify, sign, dmarc
