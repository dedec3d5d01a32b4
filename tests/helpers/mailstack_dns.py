"""The mail stack's DNS: the partners' DKIM key and the zone dnsmasq serves in the namespace.

One 2048-bit key (``opendkim-genkey``) signs for every partner domain that signs; the zone
gives our MX, the hosts' names, each partner's SPF record (naming the partners' outgoing
server), its DMARC record if it publishes one, and its DKIM key if it signs, plus the
outside host's own domain whose SPF passes. Held apart from ``helpers.mailstack`` so the
stack's start-up reads as the order things start in, not as configuration text.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from helpers.mailstack_network import (
    AUTHSERV,
    DOMAIN,
    MX,
    OUTSIDE,
    PARTNER_CLIENT,
    PARTNER_MTA,
    PARTNERS,
    SELECTOR,
)


def dkim_key(root: Path) -> tuple[str, Path]:
    """A new key in ``root``/keys: (the public key as the DNS record's p= value, the private key file)."""
    keys = root / "keys"
    keys.mkdir()
    subprocess.run(
        ["opendkim-genkey", "-b", "2048", "-s", SELECTOR, "-d", "partners", "-D", str(keys)],
        check=True,
        capture_output=True,
    )
    text = (keys / f"{SELECTOR}.txt").read_text()
    public = "".join(re.findall(r'"([^"]*)"', text)).split("p=", 1)[1]
    return public, keys / f"{SELECTOR}.private"


def dnsmasq_conf(root: Path, dkim_public: str) -> Path:
    """Write dnsmasq's configuration (the whole zone) into ``root`` and return its path."""
    lines = [
        "no-resolv",
        "no-hosts",
        "no-poll",
        "listen-address=127.0.0.1",
        "bind-interfaces",
        "port=53",
        f"log-facility={root}/dnsmasq.log",
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
    key = dkim_public
    chunks = ",".join(f'"{part}"' for part in ["v=DKIM1; k=rsa; p=" + key[:200], key[200:]])
    for domain, (signs, spf_all, dmarc) in PARTNERS.items():
        lines.append(f'txt-record={domain},"v=spf1 ip4:{PARTNER_MTA} {spf_all}"')
        if dmarc:
            lines.append(f'txt-record=_dmarc.{domain},"{dmarc}"')
        if signs:
            lines.append(f"txt-record={SELECTOR}._domainkey.{domain},{chunks}")
    conf = root / "dnsmasq.conf"
    conf.write_text("\n".join(lines) + "\n")
    return conf
