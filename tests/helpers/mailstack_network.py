"""The test mail network's names and addresses: who is who to the mail stack.

The loopback addresses each server listens on inside the namespace, our domain and its
mailboxes, the partner domains with the DNS records each publishes (whether it signs with
DKIM, how its SPF ends, its DMARC record), Harborough's gateway that alters bodies, and
the header_checks rule docs/mail-intake.md gives. Held apart from the configuration
writers (``helpers.mailstack_dns``, ``helpers.mailstack_milters``,
``helpers.mailstack_postfix``) because every one of them, and the tests, name these.
"""

from __future__ import annotations

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
