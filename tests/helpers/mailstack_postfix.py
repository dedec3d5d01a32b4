"""The mail stack's two Postfix instances: main.cf and master.cf for our MX and the partners' server.

Our MX (``mx.county.example.org``) listens on four addresses: as a council would run it,
with the header_checks rule stripping Authentication-Results in our name, with its milters
in the wrong order, and without OpenDMARC; it asks policyd-spf and delivers by LMTP into
Dovecot. The partners' outgoing server signs through OpenDKIM, hands ``+strip``,
``+misordered`` and ``+nodmarc`` mail to the matching listener, and sends Harborough's mail
through a gateway that changes a body line after signing. Held apart from
``helpers.mailstack``, which writes these files and starts each instance.
"""

from __future__ import annotations

import re
from pathlib import Path

from helpers.mailstack_network import (
    AUTHSERV,
    BOXES,
    DOMAIN,
    GATEWAY_DOMAIN,
    GATEWAY_LINE,
    GATEWAY_REPLACEMENT,
    MX,
    MX_MISORDERED,
    MX_NO_DMARC,
    MX_STRIP,
    PARTNER_MTA,
    STRIP_RULE,
)


def common_main(root: Path, name: str) -> str:
    folder = root / name
    return f"""compatibility_level = 3.6
queue_directory = {folder}/spool
data_directory = {folder}/data
maillog_file = {folder}/maillog
maillog_file_prefixes = {root}
inet_protocols = ipv4
smtputf8_enable = yes
biff = no
append_dot_mydomain = no
alias_maps =
alias_database =
"""


def mx_main(root: Path, lmtp_socket: Path | str) -> str:
    boxes = root / "mx" / "mailboxes"
    boxes.parent.mkdir(exist_ok=True)
    boxes.write_text("".join(f"{b}@{DOMAIN} ok\n" for b in BOXES))
    policy = root / "policyd-spf.conf"
    policy.write_text(
        "debugLevel = 1\nTestOnly = 1\nHELO_reject = Fail\nMail_From_reject = Fail\n"
        "PermError_reject = False\nTempError_Defer = False\nskip_addresses = 127.0.0.1/32\n"
    )
    (root / "mx" / "strip_our_results").write_text(STRIP_RULE + "\n")
    return (
        common_main(root, "mx")
        + f"""myhostname = {AUTHSERV}
mydomain = {DOMAIN}
mydestination =
inet_interfaces = {MX}, {MX_STRIP}, {MX_MISORDERED}, {MX_NO_DMARC}
mynetworks = 127.0.0.1/32
recipient_delimiter = +
virtual_mailbox_domains = {DOMAIN}
virtual_mailbox_maps = texthash:{boxes}
virtual_transport = lmtp:unix:{lmtp_socket}
smtpd_milters = inet:127.0.0.1:8891, inet:127.0.0.1:8893
non_smtpd_milters =
milter_default_action = tempfail
smtpd_recipient_restrictions = reject_unauth_destination, check_policy_service unix:private/policyd-spf
policyd-spf_time_limit = 60
"""
    )


def mx_master(root: Path) -> str:
    policy = root / "policyd-spf.conf"
    return (
        f"""{MX}:smtp inet n - n - - smtpd
{MX_STRIP}:smtp inet n - n - - smtpd -o cleanup_service_name=cleanstrip
{MX_MISORDERED}:smtp inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:8893,inet:127.0.0.1:8891
{MX_NO_DMARC}:smtp inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:8891
cleanstrip unix n - n - 0 cleanup -o header_checks=regexp:{root}/mx/strip_our_results
policyd-spf unix - n n - 0 spawn user=nobody argv=/usr/bin/policyd-spf {policy}
"""
        + BASE_SERVICES
    )


def partner_main(root: Path) -> str:
    (root / "partner").mkdir(exist_ok=True)
    transport = root / "partner" / "transport"
    transport.write_text(
        f"/\\+strip@/ smtp:[{MX_STRIP}]:25\n/\\+misordered@/ smtp:[{MX_MISORDERED}]:25\n"
        f"/\\+nodmarc@/ smtp:[{MX_NO_DMARC}]:25\n"
    )
    gateway = root / "partner" / "gateway"
    gateway.write_text(f"@{GATEWAY_DOMAIN} gateway:\n")
    body = root / "partner" / "gateway_body"
    body.write_text(f"/^{re.escape(GATEWAY_LINE)}$/ REPLACE {GATEWAY_REPLACEMENT}\n")
    return (
        common_main(root, "partner")
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


def partner_master(root: Path) -> str:
    body = root / "partner" / "gateway_body"
    return (
        f"""{PARTNER_MTA}:smtp inet n - n - - smtpd
gateway unix - - n - - smtp -o smtp_body_checks=regexp:{body}
"""
        + BASE_SERVICES
    )


# The services every Postfix instance needs (Debian's master.cf, without chroot).
BASE_SERVICES = """pickup unix n - n 60 1 pickup
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
